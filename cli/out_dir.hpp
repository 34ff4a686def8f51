// Writing a command's output files into a directory without ever leaving a
// half-written set: each file goes to a temporary name first, then all are
// renamed into place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tailor::cli {

using named_output = std::pair<std::string, const std::string*>;  // file name, content

// Creates `dir` if needed. On failure returns false and sets `error`.
bool write_outputs(const std::string& dir, const std::vector<named_output>& files, std::string& error);

// Parses a whole decimal number in [lo, hi]; nullopt for anything else.
std::optional<int64_t> parse_integer(const std::string& text, int64_t lo, int64_t hi);

}  // namespace tailor::cli
