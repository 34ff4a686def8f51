// The only shape that crosses the wasm boundary: a JSON envelope string,
// {"ok":true,"value":...} or {"ok":false,"code":"...","errno":N,"message":"...","where":"..."}.
// Exceptions never cross Embind (they would arrive as bare pointers).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "tailor/common.hpp"

namespace tailor::wasm {

using json = nlohmann::json;

inline std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline std::string fail(const error& e) {
  return dump(json{{"ok", false},
                   {"code", std::string(errc_name(e.code))},
                   {"errno", static_cast<int32_t>(e.code)},
                   {"message", e.message},
                   {"where", e.where}});
}

inline std::string succeed(json value) {
  return dump(json{{"ok", true}, {"value", std::move(value)}});
}

// Value already serialized as JSON text (decision JSON from the core): spliced, not re-parsed.
inline std::string succeed_raw(const std::string& value_json) {
  return "{\"ok\":true,\"value\":" + value_json + "}";
}

// Runs fn, turning any escaped exception into errc::internal.
template <class Fn>
std::string guarded(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    return fail(make_error(errc::internal, e.what()));
  } catch (...) {
    return fail(make_error(errc::internal, "unknown exception"));
  }
}

}  // namespace tailor::wasm
