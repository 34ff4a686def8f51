// Private: an event's canonical JSON written straight into a string, without
// nlohmann's DOM (the server encodes every event it stores; building and
// freeing the DOM cost more than the rest of the encoding).
//
// The bytes are exactly dump_json(event_to_json(ev)): members in the byte
// order of nlohmann's sorted object, the same string escapes (ensure_ascii
// off), integers in decimal, prices through nlohmann's own double formatting.
#pragma once

#include <string>

#include "tailor/event.hpp"

namespace tailor::detail {

// Appends ev's canonical JSON to out. Returns false when one of its strings is
// not valid UTF-8 (dump_json replaces those bytes; the caller then takes the
// DOM path); out is then unspecified.
[[nodiscard]] bool write_event_json(const event& ev, std::string& out);

}  // namespace tailor::detail
