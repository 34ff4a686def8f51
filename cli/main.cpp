// `tailor`: the native command-line tool over the core.
#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.hpp"

namespace {

struct command {
  const char* name;
  int (*run)(const tailor::cli::args&);
  const char* help;
};

// One line per subcommand, in the order `tailor --help` lists them.
constexpr command commands[] = {
    {"validate-events", tailor::cli::cmd_validate_events,
     "FILE.jsonl   check events; one error per rejected line"},
    {"assign", tailor::cli::cmd_assign,
     "CONTEXT.json (--feature KEY | --experiment EXP.json | --all)   GrowthBook-compatible evaluation"},
    {"analyze", tailor::cli::cmd_analyze,
     "STATS.json [--bandit]   uplift, CI, chance to beat control, SRM; or bandit weights"},
};

int usage(std::ostream& out, int code) {
  out << "usage: tailor <command> [options]\n\ncommands:\n";
  for (const auto& c : commands) out << "  " << c.name << " " << c.help << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(std::cerr, 2);
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") return usage(std::cout, 0);
  tailor::cli::args rest(argv + 2, argv + argc);
  for (const auto& c : commands) {
    if (name == c.name) return c.run(rest);
  }
  std::cerr << "tailor: unknown command \"" << name << "\"\n";
  return usage(std::cerr, 2);
}
