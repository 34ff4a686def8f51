// Purchase-intent training rows: sessions of each shopper (gap-based), each
// observed at a seeded random cut before its first purchase, described by the
// profile module's intent signals (same caps), labelled by whether it purchased.
#include <array>
#include <algorithm>
#include <map>
#include <set>

#include "profile/profile_impl.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

bool is_activity(event_type t) {
  switch (t) {
    case event_type::view:
    case event_type::click:
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
    case event_type::purchase:
    case event_type::search:
      return true;
    default:
      return false;
  }
}

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void apply_cart(std::map<std::string_view, int64_t>& cart, const event& e) {
  switch (e.type) {
    case event_type::add_to_cart:
      cart[e.item_id] += std::max<int32_t>(e.quantity, 1);
      break;
    case event_type::remove_from_cart: {
      auto it = cart.find(e.item_id);
      if (it != cart.end()) {
        it->second -= std::max<int32_t>(e.quantity, 1);
        if (it->second <= 0) cart.erase(it);
      }
      break;
    }
    case event_type::purchase:
      for (const auto& l : e.lines) cart.erase(l.item_id);
      break;
    default:
      break;
  }
}

}  // namespace

std::string_view intent_feature_name(uint32_t i) noexcept {
  return i < intent_feature_count ? profile_detail::intent_signal_name(static_cast<intent_signal>(i)) : "";
}

double intent_feature_cap(uint32_t i) noexcept {
  return i < intent_feature_count ? profile_detail::intent_signal_cap(static_cast<intent_signal>(i)) : 0.0;
}

result<intent_rows> intent_training_rows(const std::vector<event>& events, const intent_options& o) noexcept {
  try {
    static_assert(intent_feature_count == static_cast<uint32_t>(intent_signal_count));
    if (o.session_gap_ms <= 0) return make_error(errc::invalid_config, "session_gap_ms must be positive");
    std::vector<const event*> evs;
    for (const auto& e : events) {
      if (!e.uid.empty() && is_activity(e.type)) evs.push_back(&e);
    }
    std::stable_sort(evs.begin(), evs.end(), [](const event* a, const event* b) {
      return a->uid != b->uid ? a->uid < b->uid : a->ts_ms < b->ts_ms;
    });
    intent_rows out;
    uint64_t seed = o.seed;
    std::set<std::string_view> seen_ids;
    for (std::size_t k = 0; k < evs.size();) {
      std::size_t user_end = k;
      while (user_end < evs.size() && evs[user_end]->uid == evs[k]->uid) ++user_end;
      std::map<std::string_view, int64_t> cart;
      int64_t orders = 0, sessions = 0;
      seen_ids.clear();
      for (std::size_t s = k; s < user_end;) {
        std::size_t e = s + 1;
        while (e < user_end && evs[e]->ts_ms - evs[e - 1]->ts_ms <= o.session_gap_ms) ++e;
        // Duplicate event ids count once (as the profile fold does).
        std::vector<const event*> sess;
        for (std::size_t i = s; i < e; ++i) {
          if (seen_ids.insert(evs[i]->id).second) sess.push_back(evs[i]);
        }
        std::size_t first_purchase = sess.size();
        for (std::size_t i = 0; i < sess.size(); ++i) {
          if (sess[i]->type == event_type::purchase) {
            first_purchase = i;
            break;
          }
        }
        if (first_purchase > 0 && !sess.empty()) {
          const std::size_t cut = 1 + static_cast<std::size_t>(splitmix(seed) % first_purchase);
          std::array<double, intent_feature_count> x{};
          auto cart_at = cart;
          std::set<std::string_view> distinct;
          for (std::size_t i = 0; i < cut; ++i) {
            const event& ev = *sess[i];
            switch (ev.type) {
              case event_type::view:
                x[static_cast<std::size_t>(intent_signal::product_views)] += 1;
                distinct.insert(ev.item_id);
                break;
              case event_type::click:
                distinct.insert(ev.item_id);
                break;
              case event_type::add_to_cart:
                x[static_cast<std::size_t>(intent_signal::add_to_cart)] += 1;
                distinct.insert(ev.item_id);
                break;
              case event_type::remove_from_cart:
                x[static_cast<std::size_t>(intent_signal::remove_from_cart)] += 1;
                distinct.insert(ev.item_id);
                break;
              case event_type::search:
                x[static_cast<std::size_t>(intent_signal::searches)] += 1;
                break;
              default:
                break;
            }
            apply_cart(cart_at, ev);
          }
          x[static_cast<std::size_t>(intent_signal::distinct_items)] = static_cast<double>(distinct.size());
          x[static_cast<std::size_t>(intent_signal::cart_items)] = static_cast<double>(cart_at.size());
          x[static_cast<std::size_t>(intent_signal::minutes)] =
              static_cast<double>(sess[cut - 1]->ts_ms - sess[0]->ts_ms) / 60000.0;
          x[static_cast<std::size_t>(intent_signal::returning)] = sessions > 0 ? 1.0 : 0.0;
          x[static_cast<std::size_t>(intent_signal::past_orders)] = static_cast<double>(orders);
          for (uint32_t f = 0; f < intent_feature_count; ++f) {
            out.features.push_back(static_cast<float>(std::min(x[f], intent_feature_cap(f))));
          }
          out.labels.push_back(first_purchase < sess.size() ? 1 : 0);
          out.start_ms.push_back(sess[0]->ts_ms);
        }
        for (const event* ev : sess) {
          apply_cart(cart, *ev);
          if (ev->type == event_type::purchase) ++orders;
        }
        if (!sess.empty()) ++sessions;
        s = e;
      }
      k = user_end;
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
