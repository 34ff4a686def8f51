// Private: writing one code point as UTF-8, shared by the condition engine's
// JavaScript string semantics, the Liquid filters and the tests' generators.
#pragma once

#include <string>

namespace tailor::detail {

// Appends cp (at most U+10FFFF; the caller has replaced anything else) as 1 to 4 bytes.
void append_utf8(std::string& out, char32_t cp);

}  // namespace tailor::detail
