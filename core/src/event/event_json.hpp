// Private: JSON values of events, for modules that embed events in larger
// documents (profile state export, batches).
#pragma once

#include <cstdint>

#include "common/json.hpp"
#include "tailor/event.hpp"

namespace tailor::detail {

// The latest timestamp an event (or a request's `now`) may carry: 9999-12-31T23:59:59.999Z.
inline constexpr int64_t max_event_ts_ms = 253402300799999;

[[nodiscard]] result<event> decode_event_value(const json& j, const std::string& where);
json event_to_json(const event& ev);

// decode_events through the DOM, for every text (decode_events first tries
// the DOM-free reader, which declines all but plain valid batches). Throws
// what nlohmann or std throw.
[[nodiscard]] result<batch> decode_events_dom(std::string_view text);
// decode_event through the DOM, for every text. Throws as above.
[[nodiscard]] result<event> decode_event_dom(std::string_view text);

}  // namespace tailor::detail
