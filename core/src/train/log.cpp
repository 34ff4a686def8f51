// The interaction log: item-bearing events, interned ids, per-user order, sessions.
#include <algorithm>
#include <numeric>
#include <set>

#include "common/json.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

std::optional<uint32_t> find_sorted(const std::vector<std::string>& v, std::string_view id) {
  auto it = std::lower_bound(v.begin(), v.end(), id,
                             [](const std::string& a, std::string_view b) { return a < b; });
  if (it == v.end() || *it != id) return std::nullopt;
  return static_cast<uint32_t>(it - v.begin());
}

}  // namespace

std::optional<uint32_t> interaction_log::find_item(std::string_view id) const noexcept {
  return find_sorted(items, id);
}

std::optional<uint32_t> interaction_log::find_user(std::string_view id) const noexcept {
  return find_sorted(users, id);
}

result<interaction_log> build_log(const std::vector<event>& events, const log_options& opt) noexcept {
  try {
    if (opt.session_gap_ms <= 0) {
      return make_error(errc::invalid_config, "session_gap_ms must be positive");
    }
    struct raw {
      std::string_view user, item;
      event_type type;
      int32_t quantity;
      int64_t ts_ms;
      std::size_t order;
    };
    std::vector<raw> raws;
    std::set<std::string_view> seen_ids;
    for (const auto& ev : events) {
      if (!seen_ids.insert(ev.id).second) continue;  // idempotent: an id counts once
      switch (ev.type) {
        case event_type::view:
        case event_type::click:
        case event_type::add_to_cart:
          raws.push_back({ev.uid, ev.item_id, ev.type, std::max<int32_t>(1, ev.quantity), ev.ts_ms,
                          raws.size()});
          break;
        case event_type::purchase:
          for (const auto& l : ev.lines) {
            raws.push_back({ev.uid, l.item_id, ev.type, l.quantity, ev.ts_ms, raws.size()});
          }
          break;
        default:
          break;
      }
    }
    interaction_log log;
    {
      std::set<std::string_view> u, i;
      for (const auto& r : raws) {
        u.insert(r.user);
        i.insert(r.item);
      }
      log.users.assign(u.begin(), u.end());
      log.items.assign(i.begin(), i.end());
    }
    log.rows.reserve(raws.size());
    for (const auto& r : raws) {
      interaction x;
      x.user = *find_sorted(log.users, r.user);
      x.item = *find_sorted(log.items, r.item);
      x.type = r.type;
      x.quantity = r.quantity;
      x.ts_ms = r.ts_ms;
      log.rows.push_back(x);
    }
    // Stable sort by (user, ts): input order breaks ties.
    std::stable_sort(log.rows.begin(), log.rows.end(), [](const interaction& a, const interaction& b) {
      return a.user != b.user ? a.user < b.user : a.ts_ms < b.ts_ms;
    });
    log.user_offsets.assign(log.users.size() + 1, 0);
    for (const auto& r : log.rows) ++log.user_offsets[r.user + 1];
    std::partial_sum(log.user_offsets.begin(), log.user_offsets.end(), log.user_offsets.begin());
    uint32_t session = 0;
    for (std::size_t k = 0; k < log.rows.size(); ++k) {
      auto& r = log.rows[k];
      if (k > 0) {
        const auto& p = log.rows[k - 1];
        if (p.user != r.user || r.ts_ms - p.ts_ms > opt.session_gap_ms) ++session;
      }
      r.session = session;
    }
    log.sessions = log.rows.empty() ? 0 : session + 1;
    if (!log.rows.empty()) {
      log.min_ts_ms = log.rows.front().ts_ms;
      log.max_ts_ms = log.rows.front().ts_ms;
      for (const auto& r : log.rows) {
        log.min_ts_ms = std::min(log.min_ts_ms, r.ts_ms);
        log.max_ts_ms = std::max(log.max_ts_ms, r.ts_ms);
      }
    }
    return log;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor

namespace tailor {

status add_log_items(interaction_log& log, const std::vector<std::string>& ids) noexcept {
  try {
    std::vector<std::string> merged = log.items;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      const auto& id = ids[k];
      if (id.empty() || id.size() > limits::max_id_bytes || !detail::is_valid_utf8(id)) {
        return make_error(errc::invalid_field, "item id must be 1.." + std::to_string(limits::max_id_bytes) +
                                                   " bytes of UTF-8", "items[" + std::to_string(k) + "]");
      }
      merged.push_back(id);
    }
    std::sort(merged.begin(), merged.end());
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    if (merged.size() == log.items.size()) return ok_value;
    std::vector<uint32_t> remap(log.items.size());
    for (std::size_t i = 0; i < log.items.size(); ++i) {
      remap[i] = static_cast<uint32_t>(std::lower_bound(merged.begin(), merged.end(), log.items[i]) - merged.begin());
    }
    for (auto& r : log.rows) r.item = remap[r.item];
    log.items = std::move(merged);
    return ok_value;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
