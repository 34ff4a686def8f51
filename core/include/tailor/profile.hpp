// Shopper profiles: a deterministic fold over a set of events. The state is
// the set of events keyed by id (plus the shopper's suppressions and the
// personalization setting); merging is set union, so a browser profile and a
// server profile converge in any order and no event counts twice. The profile
// JSON is a pure function of (state, catalog, config, now).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tailor/catalog.hpp"
#include "tailor/common.hpp"
#include "tailor/event.hpp"

namespace tailor {

// The profile configuration (JSON; see README "Profiles"): decay half-life,
// event weights, session timeout, lifecycle thresholds, price bands, intent
// weights and segments. Parsed and compiled once; immutable afterwards.
class profile_config {
 public:
  struct impl;
  profile_config();
  const impl& get() const noexcept { return *impl_; }

 private:
  friend result<profile_config> parse_profile_config(std::string_view json) noexcept;
  std::shared_ptr<const impl> impl_;
};

// "" or "{}" gives the defaults. Errors: invalid_config (where = JSON path),
// limit_exceeded (too many segments), invalid_condition (a segment's rule).
[[nodiscard]] result<profile_config> parse_profile_config(std::string_view json) noexcept;

// The canonical JSON of a config with every default filled in.
std::string encode_profile_config(const profile_config& config);

// What a shopper can delete from their profile: a feature kind or "segment".
inline constexpr std::string_view suppression_kinds[] = {"category", "brand", "price_band", "tag",
                                                         "segment"};

// Last-writer-wins setting; on equal ts, "off" wins.
struct personalization_setting {
  bool enabled = true;
  int64_t ts_ms = 0;
};

// The events of one shopper, keyed by id, ordered by (ts, id).
class profile_state {
 public:
  using key = std::pair<int64_t, std::string>;  // (ts, id)

  // Adds one event. An event whose id is present already replaces it only if
  // it is the larger by (ts, canonical encoding), so adding is idempotent and
  // order-independent. Keeps the newest limits::max_events_per_profile events.
  // Returns true if the state changed.
  bool add(const event& ev);

  // Union with another state (events, suppressions, personalization). Fails
  // without changing anything if the union has more than
  // limits::max_suppressions suppressions.
  [[nodiscard]] status merge(const profile_state& other);

  // Deletes a tag/segment from the shopper's profile for good. Fails on an
  // unknown kind, a bad key, or more than limits::max_suppressions.
  [[nodiscard]] status suppress(std::string_view kind, std::string_view key);
  bool is_suppressed(std::string_view kind, std::string_view key) const noexcept;

  void set_personalized(bool enabled, int64_t ts_ms) noexcept;
  const personalization_setting& personalization() const noexcept { return personalization_; }

  const std::map<key, event>& events() const noexcept { return events_; }
  const std::set<std::pair<std::string, std::string>>& suppressed() const noexcept {
    return suppressed_;
  }
  std::size_t size() const noexcept { return events_.size(); }

 private:
  std::map<key, event> events_;
  std::unordered_map<std::string, int64_t> ts_by_id_;
  std::set<std::pair<std::string, std::string>> suppressed_;
  personalization_setting personalization_;
};

// State on the wire: {"version":1,"events":[...],"suppressed":[{"kind","key"}],
// "personalization":{"enabled":bool,"ts":ms}}; canonical (events by (ts,id)).
std::string export_state(const profile_state& state);
// Strict: any bad event or field rejects the whole document (invalid_state,
// or limit_exceeded), naming it in `where`.
[[nodiscard]] result<profile_state> import_state(std::string_view json) noexcept;

// The events that belong to shopper `uid`: those whose uid is linked to it
// through identify events (previous_uid <-> uid, transitively).
std::vector<event> events_of_shopper(const std::vector<event>& events, std::string_view uid);

// Catalog + config, prepared for folding (price band per item, compiled
// segment rules). Holds the catalog by shared pointer.
class profiler {
 public:
  [[nodiscard]] static result<profiler> create(std::shared_ptr<const catalog> cat,
                                               profile_config config) noexcept;

  // The profile JSON at time now_ms (UTC ms): canonical, byte-identical on
  // every target. Events after now_ms are not counted.
  [[nodiscard]] result<std::string> fold(const profile_state& state, int64_t now_ms) const noexcept;

  const catalog& items() const noexcept { return *catalog_; }
  const profile_config& config() const noexcept { return config_; }

 private:
  profiler() = default;
  std::shared_ptr<const catalog> catalog_;
  profile_config config_;
  std::vector<int32_t> item_band_;  // price band index per item, -1 for none
};

}  // namespace tailor
