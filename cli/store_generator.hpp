// A deterministic, seeded generator of a realistic store: a category tree,
// brands with price tiers, items with prices, stock, tags and attributes, and
// shoppers whose sessions run search -> impression -> click -> view -> cart ->
// purchase funnels. Same options, same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "tailor/common.hpp"

namespace tailor::cli {

struct generate_options {
  uint64_t seed = 1;
  uint32_t items = 5000;
  uint32_t shoppers = 20000;
  int32_t days = 30;              // sessions fall in [end_ms - days, end_ms)
  int64_t end_ms = 1793491200000; // 2026-11-01T00:00:00Z
  std::string currency = "GBP";
};

inline constexpr uint32_t max_generated_items = 1'000'000;   // limits::max_catalog_items
inline constexpr uint32_t max_generated_shoppers = 2'000'000;
inline constexpr int32_t max_generated_days = 3660;

struct generated_store {
  std::string catalog_jsonl;  // one item per line
  std::string events_jsonl;   // canonical events, ordered by (ts, id)
  std::string manifest_json;  // options and counts
};

[[nodiscard]] result<generated_store> generate_store(const generate_options& opt) noexcept;

}  // namespace tailor::cli
