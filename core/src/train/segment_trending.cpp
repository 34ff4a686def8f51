// Trending per shopper segment: membership from the profile's segment rules,
// then the global trending score restricted to each segment's shoppers.
#include <algorithm>
#include <map>

#include "common/det_math.hpp"
#include "common/json.hpp"
#include "tailor/profile.hpp"
#include "tailor/train.hpp"

namespace tailor {
result<neighbour_lists> train_segment_trending(const interaction_log& log, const segment_membership& members,
                                               const train_options& o, uint32_t top_n) noexcept {
  try {
    const std::size_t segs = members.segments.size();
    if (segs > limits::max_segments) {
      return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_segments) + " segments");
    }
    if (members.of_user.size() != log.users.size()) {
      return make_error(errc::invalid_config, "segment membership lists " + std::to_string(members.of_user.size()) +
                                                  " users, the log has " + std::to_string(log.users.size()));
    }
    for (std::size_t s = 1; s < segs; ++s) {
      if (!(members.segments[s - 1] < members.segments[s])) {
        return make_error(errc::invalid_config, "segment ids must be sorted and unique", "segments[" + std::to_string(s) + "]");
      }
    }
    if (top_n > limits::max_neighbours) {
      return make_error(errc::limit_exceeded, "top_n above " + std::to_string(limits::max_neighbours));
    }
    const std::size_t n = log.items.size();
    std::vector<std::vector<double>> score(segs);
    for (uint32_t u = 0; u < log.users.size(); ++u) {
      const auto& mine = members.of_user[u];
      for (uint32_t s : mine) {
        if (s >= segs) return make_error(errc::invalid_config, "segment index out of range", "users[" + std::to_string(u) + "]");
        if (score[s].empty()) score[s].assign(n, 0.0);
      }
      if (mine.empty()) continue;
      for (uint32_t k = log.user_offsets[u]; k < log.user_offsets[u + 1]; ++k) {
        const auto& r = log.rows[k];
        const double v = weight_of(o.weights, r.type) * detail::half_life_decay(log.max_ts_ms - r.ts_ms, o.trending_half_life_days);
        for (uint32_t s : mine) score[s][r.item] += v;
      }
    }
    neighbour_lists out;
    out.offsets.assign(1, 0);
    std::vector<uint32_t> order;
    for (std::size_t s = 0; s < segs; ++s) {
      const auto& sc = score[s];
      order.clear();
      for (uint32_t i = 0; i < sc.size(); ++i) {
        if (sc[i] > 0) order.push_back(i);
      }
      const std::size_t k = std::min<std::size_t>(order.size(), top_n);
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                        [&](uint32_t a, uint32_t b) { return sc[a] != sc[b] ? sc[a] > sc[b] : a < b; });
      for (std::size_t r = 0; r < k; ++r) {
        out.items.push_back(order[r]);
        out.weights.push_back(static_cast<float>(sc[order[r]]));
      }
      out.offsets.push_back(static_cast<uint32_t>(out.items.size()));
    }
    return out;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while training segment trending");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<segment_membership> profile_segment_membership(const interaction_log& log, const std::vector<event>& events,
                                                      const profiler& profiles) noexcept {
  try {
    segment_membership out;
    {  // every segment the config defines, by id
      auto cfg = detail::parse_json(encode_profile_config(profiles.config()));
      if (!cfg) return cfg.error();
      if (auto it = cfg->find("segments"); it != cfg->end() && it->is_array()) {
        for (const auto& s : *it) out.segments.push_back(s.at("id").get<std::string>());
      }
      std::sort(out.segments.begin(), out.segments.end());
      out.segments.erase(std::unique(out.segments.begin(), out.segments.end()), out.segments.end());
    }
    out.of_user.assign(log.users.size(), {});
    if (out.segments.empty()) return out;
    std::vector<profile_state> states(log.users.size());
    for (const auto& e : events) {
      if (auto u = log.find_user(e.uid)) states[*u].add(e);
    }
    for (uint32_t u = 0; u < log.users.size(); ++u) {
      if (states[u].size() == 0) continue;
      auto folded = profiles.fold(states[u], log.max_ts_ms);
      if (!folded) return folded.error();
      auto j = detail::parse_json(folded.value());
      if (!j) return j.error();
      auto it = j->find("segments");
      if (it == j->end() || !it->is_array()) continue;  // e.g. a shopper who opted out
      for (const auto& s : *it) {
        const std::string id = s.at("id").get<std::string>();
        auto pos = std::lower_bound(out.segments.begin(), out.segments.end(), id);
        if (pos != out.segments.end() && *pos == id) {
          out.of_user[u].push_back(static_cast<uint32_t>(pos - out.segments.begin()));
        }
      }
      std::sort(out.of_user[u].begin(), out.of_user[u].end());
    }
    return out;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while assigning segments");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
