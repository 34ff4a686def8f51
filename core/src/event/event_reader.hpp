// Private: decodes events straight from JSON text, without nlohmann's DOM: the
// "events" member of a recommend request (for a 200-event profile, building and
// freeing the DOM cost more than the recommendation it feeds) and whole ingest
// batches (decode_events).
//
// The reader accepts only the plain shape of valid events: strings without
// escapes, integer timestamps and quantities, no nulls, no duplicate keys.
// Anything else, including every invalid event, returns nullopt: the caller
// then takes the DOM path (decode_event_value), which decodes the same events
// and words the errors. So the reader never reports an error itself, and it
// must never accept an event the DOM path would reject.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/event.hpp"

namespace tailor::detail {

struct events_split {
  std::string rest;           // the object's other members, as a JSON object text
  std::vector<event> events;  // the "events" member, decoded in order
  bool has_events = false;    // whether the object had an "events" member
};

[[nodiscard]] std::optional<events_split> split_events(std::string_view object_json, std::size_t max_events);

// The whole text as a batch of plain, valid events: a JSON array of at most
// `max_events` events, or one event object, with nothing after it but
// whitespace, in at most limits::max_json_bytes. nullopt for anything else
// (decode_events then takes the DOM path).
[[nodiscard]] std::optional<std::vector<event>> read_event_batch(std::string_view json, std::size_t max_events);

// The whole text as one plain, valid event object, with nothing around it but
// whitespace, in at most limits::max_event_bytes. nullopt for anything else
// (decode_event then takes the DOM path).
[[nodiscard]] std::optional<event> read_single_event(std::string_view json);

}  // namespace tailor::detail
