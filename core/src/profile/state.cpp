// Profile state: a grow-only set of events keyed by id (bounded to the newest
// limits::max_events_per_profile), suppressions, and a last-writer-wins
// personalization setting. Merge is commutative, associative and idempotent.
#include <algorithm>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "profile/profile_impl.hpp"

namespace tailor {
namespace {

using detail::json;

// Byte size of an exported state: every kept event at its largest, plus room.
constexpr std::size_t max_state_bytes =
    limits::max_events_per_profile * limits::max_event_bytes + (limits::max_suppressions << 8) + 4096;

bool known_kind(std::string_view kind) noexcept {
  for (auto k : suppression_kinds) {
    if (k == kind) return true;
  }
  return false;
}

}  // namespace

bool profile_state::add(const event& ev) {
  auto found = ts_by_id_.find(ev.id);
  if (found != ts_by_id_.end()) {
    auto cur = events_.find(key{found->second, ev.id});
    // Same id twice: keep the larger by (ts, canonical encoding), a total order.
    if (found->second > ev.ts_ms) return false;
    if (found->second == ev.ts_ms) {
      if (cur != events_.end()) {
        std::string a = encode_event(cur->second);
        std::string b = encode_event(ev);
        if (b <= a) return false;
      }
    }
    if (cur != events_.end()) events_.erase(cur);
    ts_by_id_.erase(found);
  } else if (events_.size() >= limits::max_events_per_profile &&
             key{ev.ts_ms, ev.id} < events_.begin()->first) {
    return false;  // older than everything kept in a full profile
  }
  events_.emplace(key{ev.ts_ms, ev.id}, ev);
  ts_by_id_.emplace(ev.id, ev.ts_ms);
  while (events_.size() > limits::max_events_per_profile) {
    ts_by_id_.erase(events_.begin()->first.second);
    events_.erase(events_.begin());
  }
  return true;
}

status profile_state::merge(const profile_state& other) {
  std::size_t extra = 0;
  for (const auto& s : other.suppressed_) {
    if (!suppressed_.count(s)) ++extra;
  }
  if (suppressed_.size() + extra > limits::max_suppressions) {
    return make_error(errc::limit_exceeded,
                      "merged profile would have " + std::to_string(suppressed_.size() + extra) +
                          " suppressions; the limit is " + std::to_string(limits::max_suppressions),
                      "suppressed");
  }
  if (&other == this) return ok_value;
  for (const auto& [k, ev] : other.events_) add(ev);
  suppressed_.insert(other.suppressed_.begin(), other.suppressed_.end());
  set_personalized(other.personalization_.enabled, other.personalization_.ts_ms);
  return ok_value;
}

status profile_state::suppress(std::string_view kind, std::string_view key_) {
  if (!known_kind(kind)) {
    return make_error(errc::invalid_field,
                      "unknown kind \"" + std::string(kind.substr(0, 32)) +
                          "\"; expected category, brand, price_band, tag or segment",
                      "kind");
  }
  if (key_.empty()) return make_error(errc::invalid_field, "must not be empty", "key");
  if (key_.size() > limits::max_string_bytes) {
    return make_error(errc::limit_exceeded,
                      "key is " + std::to_string(key_.size()) + " bytes; the limit is " +
                          std::to_string(limits::max_string_bytes),
                      "key");
  }
  if (!detail::is_valid_utf8(key_)) return make_error(errc::invalid_field, "is not valid UTF-8", "key");
  std::pair<std::string, std::string> entry{std::string(kind), std::string(key_)};
  if (suppressed_.count(entry)) return ok_value;
  if (suppressed_.size() >= limits::max_suppressions) {
    return make_error(errc::limit_exceeded,
                      "the profile already has " + std::to_string(limits::max_suppressions) +
                          " suppressions",
                      "key");
  }
  suppressed_.insert(std::move(entry));
  return ok_value;
}

bool profile_state::is_suppressed(std::string_view kind, std::string_view key_) const noexcept {
  return suppressed_.count({std::string(kind), std::string(key_)}) != 0;
}

void profile_state::set_personalized(bool enabled, int64_t ts_ms) noexcept {
  const auto& cur = personalization_;
  // Last writer wins; at the same ts "off" wins, so the result is order-independent.
  if (ts_ms > cur.ts_ms || (ts_ms == cur.ts_ms && !enabled)) personalization_ = {enabled, ts_ms};
}

std::string export_state(const profile_state& state) {
  json j = json::object();
  j["version"] = 1;
  json evs = json::array();
  for (const auto& [k, ev] : state.events()) evs.push_back(detail::event_to_json(ev));
  j["events"] = std::move(evs);
  json sup = json::array();
  for (const auto& [kind, key] : state.suppressed()) sup.push_back({{"kind", kind}, {"key", key}});
  j["suppressed"] = std::move(sup);
  j["personalization"] = {{"enabled", state.personalization().enabled},
                          {"ts", state.personalization().ts_ms}};
  return detail::dump_json(j);
}

result<profile_state> import_state(std::string_view text) noexcept {
  try {
    auto bad = [](error e) {
      if (e.code != errc::limit_exceeded) {
        e.message = std::string(errc_name(e.code)) + ": " + e.message;
        e.code = errc::invalid_state;
      }
      return e;
    };
    auto j = detail::parse_json(text, max_state_bytes);
    if (!j) return bad(j.error());
    if (!j->is_object()) {
      return make_error(errc::invalid_state, std::string("state must be an object, got ") +
                                                 j->type_name());
    }
    if (auto s = detail::check_known_keys(j.value(), {"version", "events", "suppressed", "personalization"}, "");
        !s)
      return bad(s.error());
    auto v = detail::read_int(j.value(), "version", "", 1, 1, true);
    if (!v) return bad(v.error());
    profile_state st;
    if (auto evs = j->find("events"); evs != j->end()) {
      if (!evs->is_array()) return make_error(errc::invalid_state, "expected an array", "events");
      if (evs->size() > limits::max_events_per_profile) {
        return make_error(errc::limit_exceeded,
                          "state has " + std::to_string(evs->size()) + " events; the limit is " +
                              std::to_string(limits::max_events_per_profile),
                          "events");
      }
      for (std::size_t i = 0; i < evs->size(); ++i) {
        auto ev = detail::decode_event_value((*evs)[i], detail::path_index("events", i));
        if (!ev) return bad(ev.error());
        st.add(ev.value());
      }
    }
    if (auto sup = j->find("suppressed"); sup != j->end()) {
      if (!sup->is_array()) return make_error(errc::invalid_state, "expected an array", "suppressed");
      if (sup->size() > limits::max_suppressions) {
        return make_error(errc::limit_exceeded,
                          "state has " + std::to_string(sup->size()) +
                              " suppressions; the limit is " +
                              std::to_string(limits::max_suppressions),
                          "suppressed");
      }
      for (std::size_t i = 0; i < sup->size(); ++i) {
        const std::string p = detail::path_index("suppressed", i);
        const json& s = (*sup)[i];
        if (!s.is_object()) return make_error(errc::invalid_state, "expected an object", p);
        if (auto c = detail::check_known_keys(s, {"kind", "key"}, p); !c) return bad(c.error());
        auto kind = detail::read_string(s, "kind", p, 32, true);
        if (!kind) return bad(kind.error());
        auto key = detail::read_string(s, "key", p, limits::max_string_bytes, true);
        if (!key) return bad(key.error());
        if (auto r = st.suppress(kind.value(), key.value()); !r) {
          auto e = r.error();
          e.where = detail::path_join(p, e.where);
          return bad(e);
        }
      }
    }
    if (auto pz = j->find("personalization"); pz != j->end()) {
      const std::string p = "personalization";
      if (!pz->is_object()) return make_error(errc::invalid_state, "expected an object", p);
      if (auto c = detail::check_known_keys(*pz, {"enabled", "ts"}, p); !c) return bad(c.error());
      auto en = pz->find("enabled");
      if (en == pz->end() || !en->is_boolean()) {
        return make_error(errc::invalid_state, "expected a boolean", detail::path_join(p, "enabled"));
      }
      auto ts = detail::read_int(*pz, "ts", p, 0, INT64_MAX / 2, true);
      if (!ts) return bad(ts.error());
      st.set_personalized(en->get<bool>(), ts.value());
    }
    return st;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::vector<event> events_of_shopper(const std::vector<event>& events, std::string_view uid) {
  std::set<std::string> ids{std::string(uid)};
  // Grow the linked set to a fixed point over identify links (both directions).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& ev : events) {
      if (ev.type != event_type::identify) continue;
      bool a = ids.count(ev.uid) != 0;
      bool b = ids.count(ev.previous_uid) != 0;
      if (a != b) {
        ids.insert(a ? ev.previous_uid : ev.uid);
        grew = true;
      }
    }
  }
  std::vector<event> out;
  for (const auto& ev : events) {
    if (ids.count(ev.uid)) out.push_back(ev);
  }
  return out;
}

}  // namespace tailor
