// Private: field validation shared by the JSON Lines and CSV readers, and the
// parsers with their size limits as parameters (tests exercise the limits at
// small N; the public functions pass the limits:: constants).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tailor/catalog.hpp"

namespace tailor::catalog_detail {

struct parse_limits {
  std::size_t max_items = limits::max_catalog_items;
  std::size_t max_bytes = limits::max_catalog_bytes;
};

[[nodiscard]] result<catalog> parse_jsonl(std::string_view text, const parse_limits& lim) noexcept;
[[nodiscard]] result<catalog> parse_csv(std::string_view text, const parse_limits& lim) noexcept;

// Field checks; `where` names the field in errors.
[[nodiscard]] status check_id(std::string_view s, const std::string& where);
[[nodiscard]] status check_text(std::string_view s, std::size_t max_bytes, const std::string& where);
[[nodiscard]] status check_name(std::string_view s, const std::string& where);  // non-empty, <=128
// Splits "A>B>C" (trimming spaces around parts) into a path and checks it.
[[nodiscard]] status split_category(std::string_view s, std::vector<std::string>& out,
                                    const std::string& where);
[[nodiscard]] status check_category(const std::vector<std::string>& path, const std::string& where);
[[nodiscard]] status add_tag(std::vector<std::string>& tags, std::string tag, const std::string& where);
[[nodiscard]] status add_attribute(item& it, std::string name, std::string value,
                                   const std::string& where);
// Exact decimal text ("12.50") to minor units of `currency`; no exponent, sign or NaN.
[[nodiscard]] result<int64_t> parse_price_text(std::string_view s, std::string_view currency,
                                               const std::string& where);
[[nodiscard]] result<int64_t> parse_stock_text(std::string_view s, const std::string& where);
inline constexpr int64_t max_stock = 1'000'000'000;

std::string_view trim(std::string_view s) noexcept;

}  // namespace tailor::catalog_detail
