// Embind entry points of the event codec and the error table.
#include <emscripten/bind.h>

#include "envelope.hpp"
#include "tailor/event.hpp"

namespace tailor::wasm {
namespace {

std::string decode_event_json(const std::string& text) {
  return guarded([&] {
    auto ev = decode_event(text);
    if (!ev) return fail(ev.error());
    return succeed_raw(encode_event(ev.value()));
  });
}

std::string error_codes() {
  json out = json::array();
  for (int32_t i = 0; i < errc_count; ++i) {
    auto code = static_cast<errc>(i);
    out.push_back({{"code", std::string(errc_name(code))}, {"errno", i},
                   {"message", std::string(errc_message(code))}});
  }
  return dump(out);
}

std::string core_version() { return "0.1.0"; }

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_event) {
  emscripten::function("decodeEvent", &tailor::wasm::decode_event_json);
  emscripten::function("errorCodes", &tailor::wasm::error_codes);
  emscripten::function("version", &tailor::wasm::core_version);
}
