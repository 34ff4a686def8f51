// Private: JSON values of events, for modules that embed events in larger
// documents (profile state export, batches).
#pragma once

#include "common/json.hpp"
#include "tailor/event.hpp"

namespace tailor::detail {

[[nodiscard]] result<event> decode_event_value(const json& j, const std::string& where);
json event_to_json(const event& ev);

}  // namespace tailor::detail
