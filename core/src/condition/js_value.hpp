// JavaScript value semantics that GrowthBook's condition language leans on:
// Number <-> String conversions, UTF-16 string order, String.prototype.toLowerCase.
// Pure functions; strings are UTF-8 on our side and UTF-16 code units in JS,
// so every function here is careful to give the answer JS would give.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tailor::condition_detail {

// Number.prototype.toString() (radix 10): shortest round-trip digits, JS layout.
std::string js_number_to_string(double x);

// ToNumber(string): StringNumericLiteral with whitespace trimming, hex/octal/binary
// prefixes, Infinity; anything else is NaN; "" is 0.
double js_string_to_number(std::string_view s);

// -1, 0, 1 comparing two UTF-8 strings by UTF-16 code units, as JS `<` does.
int js_string_compare(std::string_view a, std::string_view b) noexcept;

// Number of UTF-16 code units of a UTF-8 string (String.prototype.length).
std::size_t utf16_length(std::string_view s) noexcept;

// UTF-8 -> UTF-16 code units. Invalid bytes become U+FFFD.
std::u16string to_utf16(std::string_view s);

// UTF-16 -> UTF-8. A lone surrogate becomes U+FFFD.
std::string to_utf8(std::u16string_view s);

// String.prototype.toLowerCase (full Unicode mapping, including the special
// case of U+0130 and the Final_Sigma context of U+03A3).
std::string js_to_lower(std::string_view s);

// RegExp Canonicalize without the `u` flag: toUpperCase of one code unit when
// the result is one code unit and does not map non-ASCII onto ASCII.
char16_t regex_canonicalize(char16_t c) noexcept;

// Code units whose canonical form differs from themselves, sorted (for case-
// insensitive character classes): calls fn(unit, canonical) for each in [lo, hi].
template <class Fn>
void for_each_canonical_in(char16_t lo, char16_t hi, Fn&& fn);

// Raw table access used by the template above.
struct unit_pair {
  char16_t from;
  char16_t to;
};
const unit_pair* canonicalize_table(std::size_t& count) noexcept;

template <class Fn>
void for_each_canonical_in(char16_t lo, char16_t hi, Fn&& fn) {
  std::size_t n = 0;
  const unit_pair* t = canonicalize_table(n);
  std::size_t a = 0, b = n;
  while (a < b) {  // first entry with from >= lo
    std::size_t mid = (a + b) / 2;
    if (t[mid].from < lo) a = mid + 1; else b = mid;
  }
  for (std::size_t i = a; i < n && t[i].from <= hi; ++i) fn(t[i].from, t[i].to);
}

}  // namespace tailor::condition_detail
