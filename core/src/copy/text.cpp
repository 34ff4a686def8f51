// Text measures: UTF-8 decoding, grapheme clusters (a UAX #29 subset),
// UTF-16 units and East Asian display width.
#include "copy/internal.hpp"
#include "copy/text.hpp"

namespace tailor::copy::detail {

uint32_t decode_utf8(std::string_view s, std::size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) { ++i; return c; }
  std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) { ++i; return 0xFFFD; }
  uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) { ++i; return 0xFFFD; }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += len;
  return cp;
}


bool is_combining(uint32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) || (c >= 0x0591 && c <= 0x05BD) ||
         (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || (c >= 0x0900 && c <= 0x0903) ||
         (c >= 0x093A && c <= 0x094F) || (c >= 0x0E31 && c <= 0x0E3A && c != 0x0E32 && c != 0x0E33) ||
         (c >= 0x0E47 && c <= 0x0E4E) || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0x302A && c <= 0x302F) || c == 0x3099 || c == 0x309A ||
         (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F) ||
         (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF) || c == 0x200C;
}

bool is_regional(uint32_t c) { return c >= 0x1F1E6 && c <= 0x1F1FF; }

bool is_emoji(uint32_t c) {
  return (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x1F000 && c <= 0x1F2FF) ||
         c == 0x2B50 || c == 0x2B55 || (c >= 0x2B05 && c <= 0x2B07) || c == 0x231A || c == 0x231B ||
         c == 0x23F0 || c == 0x23F3 || (c >= 0x23E9 && c <= 0x23EC) || c == 0x3030 || c == 0x303D;
}

bool is_wide(uint32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD) ||
         is_emoji(c);
}

bool is_cjk(uint32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
         (c >= 0x20000 && c <= 0x3FFFD);
}

std::vector<std::size_t> grapheme_starts(std::string_view s) {
  std::vector<std::size_t> starts;
  std::size_t i = 0;
  uint32_t prev = 0;
  bool have_prev = false;
  int ri_run = 0;
  bool after_zwj = false;      // previous code point was a ZWJ that follows an emoji (GB11)
  bool base_emoji = false;     // the current cluster's last non-extending code point is an emoji
  while (i < s.size()) {
    std::size_t b = i;
    uint32_t c = decode_utf8(s, i);
    bool brk = true;
    bool control = c < 0x20 || c == 0x7F;
    bool prev_control = prev < 0x20 || prev == 0x7F;
    bool modifier = c >= 0x1F3FB && c <= 0x1F3FF;  // skin tones extend an emoji base only
    if (have_prev) {
      if (prev == '\r' && c == '\n') brk = false;
      else if (control || prev_control) brk = true;
      else if (modifier) brk = !is_emoji(prev);
      else if (is_combining(c) || c == 0x200D) brk = false;
      else if (after_zwj && is_emoji(c)) brk = false;
      else if (is_regional(c) && is_regional(prev) && ri_run % 2 == 1) brk = false;
      else if (c >= 0x1160 && c <= 0x11FF && ((prev >= 0x1100 && prev <= 0x11FF) || (prev >= 0xAC00 && prev <= 0xD7A3))) brk = false;
    }
    if (brk) starts.push_back(b);
    ri_run = is_regional(c) ? (brk && !is_regional(prev) ? 1 : ri_run + 1) : 0;
    bool extending = !brk && (is_combining(c) || c == 0x200D || modifier);
    if (brk || !extending) base_emoji = is_emoji(c);
    after_zwj = c == 0x200D && base_emoji;
    prev = c;
    have_prev = true;
  }
  return starts;
}

}  // namespace tailor::copy::detail

namespace tailor::copy {

std::size_t count_graphemes(std::string_view utf8) noexcept {
  try { return detail::grapheme_starts(utf8).size(); } catch (...) { return 0; }
}

std::size_t count_utf16_units(std::string_view s) noexcept {
  std::size_t n = 0, i = 0;
  while (i < s.size()) n += detail::decode_utf8(s, i) >= 0x10000 ? 2 : 1;
  return n;
}

std::size_t display_width(std::string_view s) noexcept {
  std::size_t w = 0, i = 0;
  bool after_zwj = false;
  while (i < s.size()) {
    uint32_t c = detail::decode_utf8(s, i);
    if (detail::is_combining(c) || c == 0x200D || (after_zwj && detail::is_emoji(c))) { after_zwj = c == 0x200D; continue; }
    after_zwj = false;
    if (c < 0x20 || c == 0x7F) continue;
    w += detail::is_wide(c) ? 2 : 1;
  }
  return w;
}

}  // namespace tailor::copy
