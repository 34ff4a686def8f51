// `tailor`: the native command-line tool over the core.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "tailor/event.hpp"

namespace {

int usage() {
  std::fputs(
      "usage: tailor <command> [options]\n"
      "  validate-events FILE.jsonl   check events, print one error per rejected line\n",
      stderr);
  return 2;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

int validate_events(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "tailor: cannot read " << path << "\n";
    return 1;
  }
  auto b = tailor::decode_event_lines(text);
  if (!b) {
    std::cerr << "tailor: " << b.error().message << "\n";
    return 1;
  }
  for (const auto& e : b->rejected) {
    std::cerr << path << ": " << e.where << ": " << tailor::errc_name(e.code) << ": "
              << e.message << "\n";
  }
  std::cout << b->events.size() << " valid, " << b->rejected.size() << " rejected\n";
  return b->rejected.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "validate-events" && argc == 3) return validate_events(argv[2]);
  return usage();
}
