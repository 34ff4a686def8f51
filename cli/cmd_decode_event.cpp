#include <iostream>

#include "../wasm/envelope.hpp"
#include "commands.hpp"
#include "tailor/event.hpp"

namespace tailor::cli {

// Prints exactly what the wasm binding `decodeEvent` returns for the same
// bytes, so goldens can compare the native and wasm builds byte for byte.
int cmd_decode_event(const args& a) {
  auto files = positional(a);
  if (files.size() != 1) {
    std::cerr << "usage: tailor decode-event FILE.json   (- reads stdin)\n";
    return 2;
  }
  std::string text;
  if (!read_input(files[0], text)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  auto ev = decode_event(text);
  std::cout << (ev ? wasm::succeed_raw(encode_event(ev.value())) : wasm::fail(ev.error())) << "\n";
  return ev ? 0 : 1;
}

}  // namespace tailor::cli
