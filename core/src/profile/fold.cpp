// The profile fold: one pass over the state's events in (ts, id) order. The
// order is fixed by the state, so floating-point sums are identical on every
// target (with -ffp-contract=off) whatever order the events arrived in.
#include <algorithm>
#include <map>
#include <set>

#include "common/det_math.hpp"
#include "event/money.hpp"
#include "profile/profile_impl.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr double ms_per_day = 86'400'000.0;
constexpr int score_decimals = 6;
constexpr int day_decimals = 3;

bool is_activity(event_type t) noexcept {
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

int64_t saturating_add(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return INT64_MAX;
  return out;
}

int64_t saturating_mul(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return INT64_MAX;
  return out;
}

struct session_acc {
  int64_t start_ts = 0;
  int64_t last_ts = 0;
  int64_t events = 0;
  int64_t product_views = 0;
  int64_t add_to_cart = 0;
  int64_t remove_from_cart = 0;
  int64_t searches = 0;
  bool purchased = false;
  int64_t orders_before = 0;
  std::vector<const std::string*> items;  // with repeats; made distinct once, at the end

  void restart(int64_t ts) {
    start_ts = ts;
    last_ts = ts;
    events = product_views = add_to_cart = remove_from_cart = searches = 0;
    purchased = false;
    orders_before = 0;
    items.clear();  // keeps its capacity: no allocation per session
  }
};

json days(int64_t from, int64_t to) {
  return detail::round_to(static_cast<double>(to - from) / ms_per_day, day_decimals);
}

// True if `key` of `kind` is hidden by the shopper: exact match, or for
// categories any suppressed ancestor ("Home" hides "Home>Kitchen").
bool hidden(const profile_state& st, std::string_view kind, const std::string& key) {
  if (st.suppressed().empty()) return false;
  if (st.is_suppressed(kind, key)) return true;
  if (kind == "category") {
    for (std::size_t p = key.find(category_separator); p != std::string::npos;
         p = key.find(category_separator, p + 1)) {
      if (st.is_suppressed(kind, std::string_view(key).substr(0, p))) return true;
    }
  }
  return false;
}

}  // namespace

result<profiler> profiler::create(std::shared_ptr<const catalog> cat, profile_config config) noexcept {
  try {
    if (!cat) return make_error(errc::invalid_field, "no catalog", "catalog");
    profiler p;
    const auto& bands = config.get().price_bands;
    p.item_band_.reserve(cat->size());
    for (const item& it : cat->items()) {
      int32_t band = -1;
      const double major = detail::from_minor_units(it.price_minor, it.currency);
      for (std::size_t b = 0; b < bands.size(); ++b) {
        if (bands[b].open || major <= bands[b].max_major) {
          band = static_cast<int32_t>(b);
          break;
        }
      }
      p.item_band_.push_back(band);
    }
    p.catalog_ = std::move(cat);
    p.config_ = std::move(config);
    return p;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> profiler::fold(const profile_state& state, int64_t now_ms) const noexcept {
  try {
    const auto& cfg = config_.get();
    const catalog& cat = *catalog_;
    const auto& feats = cat.features();
    const auto& fids = cat.feature_ids();
    const auto& foff = cat.feature_offsets();
    const std::size_t band_base = feats.size();
    const double half_life_ms = cfg.half_life_days * ms_per_day;

    std::vector<double> score(band_base + cfg.price_bands.size(), 0.0);
    std::vector<uint8_t> touched_flag(score.size(), 0);
    std::vector<uint32_t> touched;

    int64_t total = 0, counted = 0, future = 0, unknown_items = 0;
    std::array<int64_t, event_type_count> by_type{};
    std::set<std::string> uids;
    const std::string* last_uid = nullptr;
    json links = json::array();
    const event* consent = nullptr;
    std::map<std::string, const event*> experiments;
    bool any_activity = false;
    int64_t first_ts = 0, last_ts = 0;
    int64_t orders = 0, first_order_ts = 0, last_order_ts = 0;
    std::map<std::string, int64_t> monetary;
    std::map<std::string, int64_t> cart;
    std::vector<const std::string*> viewed;  // item ids of views and clicks, oldest first
    int64_t sessions = 0;
    session_acc cur;

    auto credit = [&](const std::string& item_id, double amount, bool weighted) {
      auto idx = cat.index_of(item_id);
      if (!idx) {
        ++unknown_items;
        return;
      }
      if (!weighted) return;
      auto add = [&](uint32_t f) {
        score[f] += amount;
        if (!touched_flag[f]) {
          touched_flag[f] = 1;
          touched.push_back(f);
        }
      };
      for (uint32_t k = foff[*idx]; k < foff[*idx + 1]; ++k) add(fids[k]);
      if (item_band_[*idx] >= 0) add(static_cast<uint32_t>(band_base + item_band_[*idx]));
    };

    for (const auto& [key, ev] : state.events()) {
      ++total;
      if (ev.ts_ms > now_ms) {
        ++future;
        continue;
      }
      ++counted;
      ++by_type[static_cast<std::size_t>(ev.type)];
      if (last_uid == nullptr || *last_uid != ev.uid) {
        uids.insert(ev.uid);
        last_uid = &ev.uid;
      }
      const double w = cfg.weights[static_cast<std::size_t>(ev.type)];
      const bool weighted = w != 0.0;
      const double amount =
          weighted ? w * detail::det_exp2(-static_cast<double>(now_ms - ev.ts_ms) / half_life_ms) : 0.0;

      if (is_activity(ev.type)) {
        if (!any_activity) {
          first_ts = ev.ts_ms;
          ++sessions;
          cur.restart(ev.ts_ms);
        } else if (ev.ts_ms - last_ts > cfg.session_timeout_ms) {
          ++sessions;
          cur.restart(ev.ts_ms);
        }
        if (cur.events == 0) cur.orders_before = orders;
        any_activity = true;
        last_ts = ev.ts_ms;
        cur.last_ts = ev.ts_ms;
        ++cur.events;
      }

      switch (ev.type) {
        case event_type::view:
        case event_type::click:
          credit(ev.item_id, amount, weighted);
          viewed.push_back(&ev.item_id);
          if (ev.type == event_type::view) ++cur.product_views;
          cur.items.push_back(&ev.item_id);
          break;
        case event_type::add_to_cart:
          credit(ev.item_id, amount, weighted);
          cart[ev.item_id] = saturating_add(cart[ev.item_id], ev.quantity);
          ++cur.add_to_cart;
          cur.items.push_back(&ev.item_id);
          break;
        case event_type::remove_from_cart: {
          credit(ev.item_id, amount, weighted);
          auto it = cart.find(ev.item_id);
          if (it != cart.end()) {
            it->second -= ev.quantity;
            if (it->second <= 0) cart.erase(it);
          }
          ++cur.remove_from_cart;
          cur.items.push_back(&ev.item_id);
          break;
        }
        case event_type::purchase: {
          int64_t sum = 0;
          for (const auto& li : ev.lines) {
            credit(li.item_id, amount, weighted);
            sum = saturating_add(sum, saturating_mul(li.price_minor, li.quantity));
            cart.erase(li.item_id);
          }
          monetary[ev.currency] = saturating_add(monetary[ev.currency], sum);
          if (orders == 0) first_order_ts = ev.ts_ms;
          last_order_ts = ev.ts_ms;
          ++orders;
          cur.purchased = true;
          break;
        }
        case event_type::search:
          ++cur.searches;
          break;
        case event_type::impression:
          if (weighted) {
            for (const auto& id : ev.item_ids) credit(id, amount, true);
          }
          break;
        case event_type::exposure:
          experiments[ev.experiment] = &ev;
          break;
        case event_type::consent:
          consent = &ev;  // (ts, id) order: the last one wins
          break;
        case event_type::identify:
          uids.insert(ev.previous_uid);
          links.push_back({{"from", ev.previous_uid}, {"to", ev.uid}, {"ts", ev.ts_ms}});
          break;
      }
    }

    json out = json::object();
    out["version"] = 1;
    out["now"] = now_ms;
    json by_type_j = json::object();
    for (int t = 0; t < event_type_count; ++t) {
      if (by_type[t]) by_type_j[std::string(event_type_name(static_cast<event_type>(t)))] = by_type[t];
    }
    out["events"] = {{"total", total},           {"counted", counted},
                     {"future", future},         {"unknown_items", unknown_items},
                     {"by_type", std::move(by_type_j)}};
    out["identities"] = {{"uids", uids}, {"links", std::move(links)}};
    if (consent) {
      out["consent"] = {{"analytics", consent->consent.analytics},
                        {"personalization", consent->consent.personalization},
                        {"marketing", consent->consent.marketing},
                        {"ts", consent->ts_ms},
                        {"event_id", consent->id}};
    } else {
      out["consent"] = nullptr;
    }
    json sup = json::array();
    for (const auto& [kind, k] : state.suppressed()) sup.push_back({{"kind", kind}, {"key", k}});
    out["suppressed"] = std::move(sup);

    const bool opted_out = !state.personalization().enabled;
    const bool no_consent = consent && !consent->consent.personalization;
    if (opted_out || no_consent) {
      out["personalized"] = false;
      out["reason"] = opted_out ? "opted_out" : "no_consent";
      return detail::dump_json(out);
    }
    out["personalized"] = true;

    // Recency, frequency, monetary (purchases).
    json money = json::object();
    for (const auto& [currency, minor] : monetary) {
      money[currency] = detail::from_minor_units(minor, currency);
    }
    json rfm = {{"frequency", orders}, {"monetary", std::move(money)}};
    rfm["recency_days"] = orders ? days(last_order_ts, now_ms) : json(nullptr);
    rfm["first_purchase_ts"] = orders ? json(first_order_ts) : json(nullptr);
    rfm["last_purchase_ts"] = orders ? json(last_order_ts) : json(nullptr);
    out["rfm"] = std::move(rfm);

    // Lifecycle stage from first and last activity.
    json life = json::object();
    if (!any_activity) {
      life = {{"stage", "new"},
              {"first_seen_ts", nullptr},
              {"last_seen_ts", nullptr},
              {"days_since_first", nullptr},
              {"days_since_last", nullptr}};
    } else {
      const double since_first = static_cast<double>(now_ms - first_ts) / ms_per_day;
      const double since_last = static_cast<double>(now_ms - last_ts) / ms_per_day;
      const char* stage = since_first <= cfg.new_days       ? "new"
                          : since_last <= cfg.active_days   ? "active"
                          : since_last <= cfg.lapsed_days   ? "at_risk"
                                                            : "lapsed";
      life = {{"stage", stage},
              {"first_seen_ts", first_ts},
              {"last_seen_ts", last_ts},
              {"days_since_first", days(first_ts, now_ms)},
              {"days_since_last", days(last_ts, now_ms)}};
    }
    out["lifecycle"] = std::move(life);

    // Affinities per kind: positive scores, best first, top_k, suppressed ones removed.
    std::array<std::vector<std::pair<double, const std::string*>>, feature_kind_count> per_kind;
    for (uint32_t f : touched) {
      if (!(score[f] > 0.0)) continue;
      feature_kind kind;
      const std::string* key;
      if (f >= band_base) {
        kind = feature_kind::price_band;
        key = &cfg.price_bands[f - band_base].id;
      } else {
        kind = feats[f].kind;
        key = &feats[f].key;
      }
      if (detail::round_to(score[f], score_decimals) == 0.0) continue;
      if (hidden(state, feature_kind_name(kind), *key)) continue;
      per_kind[static_cast<std::size_t>(kind)].emplace_back(score[f], key);
    }
    json aff = json::object();
    for (int k = 0; k < feature_kind_count; ++k) {
      auto& v = per_kind[k];
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first > b.first;
        return *a.second < *b.second;
      });
      json list = json::array();
      for (std::size_t i = 0; i < v.size() && i < static_cast<std::size_t>(cfg.top_k); ++i) {
        list.push_back({{"key", *v[i].second}, {"score", detail::round_to(v[i].first, score_decimals)}});
      }
      aff[std::string(feature_kind_name(static_cast<feature_kind>(k)))] = std::move(list);
    }
    out["affinities"] = std::move(aff);

    // Cart (net adds since the item was last purchased) and recently viewed items.
    json cart_j = json::array();
    for (const auto& [id, qty] : cart) cart_j.push_back({{"item_id", id}, {"quantity", qty}});
    out["cart"] = std::move(cart_j);
    json recent = json::array();
    std::set<std::string_view> seen;
    for (auto it = viewed.rbegin();
         it != viewed.rend() && recent.size() < static_cast<std::size_t>(cfg.recent_items); ++it) {
      if (seen.insert(**it).second) recent.push_back(**it);
    }
    out["recent_items"] = std::move(recent);

    json exps = json::object();
    for (const auto& [name, ev] : experiments) {
      exps[name] = {{"variation", ev->variation}, {"ts", ev->ts_ms}};
    }
    out["experiments"] = std::move(exps);

    // Sessions and the purchase-intent score of the current one.
    const bool live = any_activity && now_ms - last_ts <= cfg.session_timeout_ms;
    json sess = {{"count", sessions}, {"timeout_minutes", cfg.session_timeout_ms / 60000}};
    if (live) {
      sess["current"] = {{"start_ts", cur.start_ts},
                         {"last_ts", cur.last_ts},
                         {"events", cur.events},
                         {"minutes", detail::round_to(static_cast<double>(cur.last_ts - cur.start_ts) /
                                                          60000.0, day_decimals)}};
    } else {
      sess["current"] = nullptr;
    }
    out["sessions"] = std::move(sess);

    if (live) {
      std::array<double, intent_signal_count> x{};
      x[static_cast<std::size_t>(intent_signal::product_views)] = static_cast<double>(cur.product_views);
      std::vector<std::string_view> distinct(cur.items.size());
      for (std::size_t i = 0; i < cur.items.size(); ++i) distinct[i] = *cur.items[i];
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      x[static_cast<std::size_t>(intent_signal::distinct_items)] = static_cast<double>(distinct.size());
      x[static_cast<std::size_t>(intent_signal::add_to_cart)] = static_cast<double>(cur.add_to_cart);
      x[static_cast<std::size_t>(intent_signal::remove_from_cart)] =
          static_cast<double>(cur.remove_from_cart);
      x[static_cast<std::size_t>(intent_signal::searches)] = static_cast<double>(cur.searches);
      x[static_cast<std::size_t>(intent_signal::cart_items)] = static_cast<double>(cart.size());
      x[static_cast<std::size_t>(intent_signal::minutes)] =
          static_cast<double>(cur.last_ts - cur.start_ts) / 60000.0;
      x[static_cast<std::size_t>(intent_signal::returning)] = sessions > 1 ? 1.0 : 0.0;
      x[static_cast<std::size_t>(intent_signal::past_orders)] = static_cast<double>(cur.orders_before);
      x[static_cast<std::size_t>(intent_signal::purchased)] = cur.purchased ? 1.0 : 0.0;
      double logit = cfg.intent_bias;
      json parts = json::array();
      for (int s = 0; s < intent_signal_count; ++s) {
        auto sig = static_cast<intent_signal>(s);
        const double value = std::min(x[s], profile_detail::intent_signal_cap(sig));
        const double contribution = cfg.intent_weights[s] * value;
        logit += contribution;
        parts.push_back({{"signal", std::string(profile_detail::intent_signal_name(sig))},
                         {"value", detail::round_to(value, day_decimals)},
                         {"cap", profile_detail::intent_signal_cap(sig)},
                         {"weight", cfg.intent_weights[s]},
                         {"contribution", detail::round_to(contribution, score_decimals)}});
      }
      out["intent"] = {{"score", detail::round_to(detail::det_sigmoid(logit), score_decimals)},
                       {"logit", detail::round_to(logit, score_decimals)},
                       {"bias", cfg.intent_bias},
                       {"parts", std::move(parts)}};
    } else {
      out["intent"] = nullptr;
    }

    // Segments, evaluated on the profile itself (everything above).
    json segs = json::array();
    if (!cfg.segments.empty() && cfg.compiled) {
      auto match = profile_detail::evaluate_segments(*cfg.compiled, out);
      std::vector<std::size_t> order;
      for (std::size_t i = 0; i < cfg.segments.size(); ++i) {
        if (i < match.size() && match[i] && !state.is_suppressed("segment", cfg.segments[i].id)) {
          order.push_back(i);
        }
      }
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return cfg.segments[a].id < cfg.segments[b].id;
      });
      for (std::size_t i : order) {
        segs.push_back({{"id", cfg.segments[i].id}, {"name", cfg.segments[i].name}});
      }
    }
    out["segments"] = std::move(segs);
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
