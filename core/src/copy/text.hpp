// Private Unicode helpers of copy (text.cpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tailor::copy::detail {
bool is_combining(uint32_t c);
bool is_regional(uint32_t c);
bool is_emoji(uint32_t c);
bool is_wide(uint32_t c);
bool is_cjk(uint32_t c);
// Byte offsets at which grapheme clusters start.
std::vector<std::size_t> grapheme_starts(std::string_view s);
}  // namespace tailor::copy::detail
