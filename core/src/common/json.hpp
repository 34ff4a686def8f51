// Private JSON helpers shared by the core's codecs: bounded parsing and typed,
// path-reporting field access. nlohmann never appears in a public header.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "tailor/common.hpp"

namespace tailor::detail {

using json = nlohmann::json;

// Parses text with limits on size and nesting depth. Maps nlohmann's
// exceptions to errc::invalid_json with the byte offset in `where`.
[[nodiscard]] result<json> parse_json(std::string_view text,
                                      std::size_t max_bytes = limits::max_json_bytes,
                                      std::size_t max_depth = limits::max_json_depth) noexcept;

// Canonical text: sorted keys, compact, invalid UTF-8 replaced, not thrown.
std::string dump_json(const json& value);

// Appends s as a JSON string literal, escaped as dump_json escapes valid UTF-8
// (ensure_ascii off): the two-letter escapes, \u00xx in lower-case hex for the
// other control characters, every other byte as it is. Returns whether s was
// all ASCII (when it was not, only is_valid_utf8 says whether dump_json would
// have written the same bytes).
bool append_json_string(std::string& out, std::string_view s);

// Joins a JSON path: path_join("events[3]", "price") -> "events[3].price".
std::string path_join(std::string_view base, std::string_view key);
std::string path_index(std::string_view base, std::size_t index);

// Typed readers. Each checks the type (and bounds) before reading and returns
// an error naming `where` otherwise. `required` readers report missing_field.
[[nodiscard]] result<std::string> read_string(const json& obj, const char* key,
                                              const std::string& where, std::size_t max_bytes,
                                              bool required);
[[nodiscard]] result<int64_t> read_int(const json& obj, const char* key, const std::string& where,
                                       int64_t min, int64_t max, bool required,
                                       int64_t fallback = 0);
[[nodiscard]] result<double> read_number(const json& obj, const char* key,
                                         const std::string& where, double min, double max,
                                         bool required, double fallback = 0.0);

// True if every byte sequence in s is valid UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

// Rejects any key of `obj` not in `allowed` (strict schemas).
[[nodiscard]] status check_known_keys(const json& obj, std::initializer_list<const char*> allowed,
                                      const std::string& where);

}  // namespace tailor::detail
