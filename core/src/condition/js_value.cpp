#include "condition/js_value.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "common/utf8.hpp"

namespace tailor::condition_detail {
namespace {

using tailor::detail::append_utf8;

struct cp_pair {
  char32_t from;
  char32_t to;
};

#include "condition/unicode_case.inc"

// Decodes one code point from UTF-8 at s[i], advancing i. Invalid -> U+FFFD, one byte.
char32_t next_cp(std::string_view s, std::size_t& i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += static_cast<std::size_t>(len);
  return cp;
}


bool in_ranges(const cp_pair* r, std::size_t n, char32_t c) noexcept {
  std::size_t a = 0, b = n;
  while (a < b) {
    std::size_t mid = (a + b) / 2;
    if (r[mid].to < c) a = mid + 1;
    else b = mid;
  }
  return a < n && r[a].from <= c;
}

template <std::size_t N>
bool in_ranges(const cp_pair (&r)[N], char32_t c) noexcept {
  return in_ranges(r, N, c);
}

char32_t lower_simple(char32_t c) noexcept {
  constexpr std::size_t n = sizeof(lower_pairs) / sizeof(lower_pairs[0]);
  std::size_t a = 0, b = n;
  while (a < b) {
    std::size_t mid = (a + b) / 2;
    if (lower_pairs[mid].from < c) a = mid + 1;
    else b = mid;
  }
  return a < n && lower_pairs[a].from == c ? lower_pairs[a].to : c;
}

bool is_js_whitespace(char32_t c) noexcept {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Parses digits of `base` over the whole of s; NaN when empty or invalid.
double parse_radix(std::string_view s, int base) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  for (char ch : s) {
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    if (d < 0 || d >= base) return std::numeric_limits<double>::quiet_NaN();
    v = v * base + d;  // exact below 2^53; beyond, JS also rounds (its result may differ in ulps)
  }
  return v;
}

// Exact decimal digits of a positive finite double: value = 0.ds * 10^point.
void exact_decimal(double x, std::string& ds, int& point) {
  int e2 = 0;
  const double m = std::frexp(x, &e2);  // x = m * 2^e2, m in [0.5, 1)
  auto mant = static_cast<uint64_t>(std::ldexp(m, 53));
  int exp = e2 - 53;
  while (exp < 0 && (mant & 1) == 0) {
    mant >>= 1;
    ++exp;
  }
  // Big integer in base 1e9, little endian.
  std::vector<uint32_t> big;
  while (mant) {
    big.push_back(static_cast<uint32_t>(mant % 1000000000u));
    mant /= 1000000000u;
  }
  auto mul = [&big](uint32_t f) {
    uint64_t carry = 0;
    for (uint32_t& limb : big) {
      const uint64_t v = static_cast<uint64_t>(limb) * f + carry;
      limb = static_cast<uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry) {
      big.push_back(static_cast<uint32_t>(carry % 1000000000u));
      carry /= 1000000000u;
    }
  };
  const int k = exp < 0 ? -exp : 0;
  for (int i = 0; i < exp; ++i) mul(2);
  for (int i = 0; i < k; ++i) mul(5);
  ds.clear();
  for (std::size_t i = big.size(); i-- > 0;) {
    std::string limb = std::to_string(big[i]);
    if (i + 1 != big.size()) ds.append(9 - limb.size(), '0');
    ds += limb;
  }
  point = static_cast<int>(ds.size()) - k;
  while (ds.size() > 1 && ds.back() == '0') ds.pop_back();
}

double decimal_value(const std::string& digits, int point) {
  std::string text = "0." + digits + "e" + std::to_string(point);
  return std::strtod(text.c_str(), nullptr);
}

// Number::toString's digits: the fewest digits that read back as x, and of
// those the closest to x (ties to even). Exact big-number arithmetic, so every
// target agrees without the C formatting functions.
void shortest_digits(double x, std::string& out, int& exp10) {
  std::string ds;
  int point = 0;
  exact_decimal(x, ds, point);
  for (std::size_t p = 1; p <= 17; ++p) {
    if (p >= ds.size()) {
      out = ds;
      exp10 = point - 1;
      return;
    }
    std::string lower = ds.substr(0, p);
    std::string upper = lower;
    int upper_point = point;
    std::size_t i = upper.size();
    while (i > 0 && upper[i - 1] == '9') upper[--i] = '0';
    if (i == 0) {
      upper.insert(upper.begin(), '1');
      upper.pop_back();
      ++upper_point;
    } else {
      ++upper[i - 1];
    }
    const bool lower_ok = decimal_value(lower, point) == x;
    const bool upper_ok = decimal_value(upper, upper_point) == x;
    if (!lower_ok && !upper_ok) continue;
    bool pick_upper = upper_ok && !lower_ok;
    if (lower_ok && upper_ok) {
      // Compare the dropped tail with one half.
      const std::string tail = ds.substr(p);
      const int c = tail[0] > '5' ? 1 : tail[0] < '5' ? -1
                  : (tail.find_first_not_of('0', 1) == std::string::npos ? 0 : 1);
      pick_upper = c > 0 || (c == 0 && ((lower.back() - '0') % 2 == 1));
    }
    out = pick_upper ? upper : lower;
    exp10 = (pick_upper ? upper_point : point) - 1;
    while (out.size() > 1 && out.back() == '0') out.pop_back();
    return;
  }
  out = ds.substr(0, 17);
  exp10 = point - 1;
}

}  // namespace

const unit_pair* canonicalize_table(std::size_t& count) noexcept {
  count = sizeof(canonicalize_pairs) / sizeof(canonicalize_pairs[0]);
  return canonicalize_pairs;
}

char16_t regex_canonicalize(char16_t c) noexcept {
  if (c < 128) return (c >= 'a' && c <= 'z') ? static_cast<char16_t>(c - 32) : c;
  std::size_t n = 0;
  const unit_pair* t = canonicalize_table(n);
  std::size_t a = 0, b = n;
  while (a < b) {
    std::size_t mid = (a + b) / 2;
    if (t[mid].from < c) a = mid + 1;
    else b = mid;
  }
  return a < n && t[a].from == c ? t[a].to : c;
}

std::string js_number_to_string(double x) {
  if (std::isnan(x)) return "NaN";
  if (x == 0) return "0";  // also -0
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  std::string out;
  if (x < 0) {
    out = "-";
    x = -x;
  }
  if (x < 9007199254740992.0 && x == std::floor(x)) {
    out += std::to_string(static_cast<int64_t>(x));
    return out;
  }
  std::string digits;
  int exp10 = 0;
  shortest_digits(x, digits, exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1) < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

double js_string_to_number(std::string_view s) {
  // Trim JS whitespace and line terminators at both ends.
  std::size_t b = 0, e = s.size();
  while (b < e) {
    std::size_t j = b;
    char32_t c = next_cp(s, j);
    if (!is_js_whitespace(c)) break;
    b = j;
  }
  while (e > b) {
    std::size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t j = start;
    char32_t c = next_cp(s, j);
    if (j != e || !is_js_whitespace(c)) break;
    e = start;
  }
  std::string_view t = s.substr(b, e - b);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (t.empty()) return 0.0;
  if (t.size() > 2 && t[0] == '0') {
    const char x = t[1];
    if (x == 'x' || x == 'X') return parse_radix(t.substr(2), 16);
    if (x == 'o' || x == 'O') return parse_radix(t.substr(2), 8);
    if (x == 'b' || x == 'B') return parse_radix(t.substr(2), 2);
  }
  std::size_t i = 0;
  bool neg = false;
  if (t[i] == '+' || t[i] == '-') {
    neg = t[i] == '-';
    ++i;
  }
  if (t.substr(i) == "Infinity") {
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  // StrUnsignedDecimalLiteral: digits [. digits] | . digits, then optional exponent.
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++int_digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return nan;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return nan;
  }
  if (i != t.size()) return nan;
  // The syntax is now plain decimal, which strtod rounds correctly (C locale in the core).
  std::string copy(t);
  return std::strtod(copy.c_str(), nullptr);
}

int js_string_compare(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j] && static_cast<unsigned char>(a[i]) < 0x80) {
      ++i, ++j;
      continue;
    }
    char32_t ca = next_cp(a, i);
    char32_t cb = next_cp(b, j);
    if (ca == cb) continue;
    // Compare as UTF-16: astral code points sort by their high then low surrogate,
    // which places them between U+D7FF and U+E000.
    auto key = [](char32_t c) -> uint32_t {
      if (c < 0x10000) return static_cast<uint32_t>(c) << 16;
      const uint32_t v = c - 0x10000;
      return ((0xD800u + (v >> 10)) << 16) | (0xDC00u + (v & 0x3FF));
    };
    return key(ca) < key(cb) ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

std::size_t utf16_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) n += next_cp(s, i) >= 0x10000 ? 2 : 1;
  return n;
}

std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = next_cp(s, i);
    if (c >= 0x10000) {
      c -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (c >> 10));
      out += static_cast<char16_t>(0xDC00 + (c & 0x3FF));
    } else {
      out += static_cast<char16_t>(c);
    }
  }
  return out;
}

std::string to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    append_utf8(out, c);
  }
  return out;
}

std::string js_to_lower(std::string_view s) {
  // ASCII fast path.
  bool ascii = true;
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::string out;
  out.reserve(s.size());
  if (ascii) {
    for (char ch : s) out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
    return out;
  }
  std::u32string cps;
  for (std::size_t i = 0; i < s.size();) cps += next_cp(s, i);
  for (std::size_t k = 0; k < cps.size(); ++k) {
    const char32_t c = cps[k];
    if (c == 0x130) {
      for (char32_t x : lower_special_0130) append_utf8(out, x);
      continue;
    }
    if (c == 0x3A3) {
      // Final_Sigma: preceded by a cased letter (skipping case-ignorables) and
      // not followed by one.
      bool before = false;
      for (std::size_t p = k; p-- > 0;) {
        if (in_ranges(case_ignorable_ranges, cps[p])) continue;
        before = in_ranges(cased_ranges, cps[p]);
        break;
      }
      bool after = false;
      for (std::size_t p = k + 1; p < cps.size(); ++p) {
        if (in_ranges(case_ignorable_ranges, cps[p])) continue;
        after = in_ranges(cased_ranges, cps[p]);
        break;
      }
      append_utf8(out, before && !after ? 0x3C2 : 0x3C3);
      continue;
    }
    append_utf8(out, lower_simple(c));
  }
  return out;
}

}  // namespace tailor::condition_detail
