#include <iostream>

#include "commands.hpp"
#include "tailor/event.hpp"

namespace tailor::cli {

int cmd_validate_events(const args& a) {
  auto files = positional(a);
  if (files.size() != 1) {
    std::cerr << "usage: tailor validate-events FILE.jsonl\n";
    return 2;
  }
  std::string text;
  if (!read_file(files[0], text)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  auto b = decode_event_lines(text);
  if (!b) {
    std::cerr << "tailor: " << b.error().message << "\n";
    return 1;
  }
  for (const auto& e : b->rejected) {
    std::cerr << files[0] << ": " << e.where << ": " << errc_name(e.code) << ": " << e.message
              << "\n";
  }
  std::cout << b->events.size() << " valid, " << b->rejected.size() << " rejected\n";
  return b->rejected.empty() ? 0 : 1;
}

}  // namespace tailor::cli
