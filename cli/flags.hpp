// What each subcommand accepts on its command line, checked before it runs:
// an unknown flag, a flag given twice, a value flag without its value, a switch
// given a value or a stray argument is an error naming it (never silently ignored).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace tailor::cli {

struct flag_spec {
  std::string_view name;  // without the leading "--"
  bool takes_value = true;
};

struct command_flags {
  std::vector<flag_spec> flags;
  std::size_t max_positional = 0;
};

// The flags of the training options (train_options_from_flags), shared by
// eval, build-bundle and train-ranker.
const std::vector<flag_spec>& training_flags();

command_flags flags_of(std::initializer_list<std::vector<flag_spec>> groups, std::size_t max_positional = 0);

// The arguments rewritten as positionals first, then each flag as `--name=value`
// or `--name` (so positional() and flag() read them unambiguously); or nullopt
// after printing "tailor <command>: <what is wrong>" to stderr.
std::optional<args> check_flags(const args& a, std::string_view command, const command_flags& accepted);

}  // namespace tailor::cli
