// Private: the compiled profile configuration and the segment rules.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "tailor/profile.hpp"

namespace tailor {

// The named inputs of the purchase-intent logistic, in output order.
enum class intent_signal : uint8_t {
  product_views,
  distinct_items,
  add_to_cart,
  remove_from_cart,
  searches,
  cart_items,
  minutes,
  returning,
  past_orders,
  purchased,
};
inline constexpr int intent_signal_count = 10;

namespace profile_detail {

std::string_view intent_signal_name(intent_signal s) noexcept;
// Each signal's value is capped here before weighting (documented in README).
double intent_signal_cap(intent_signal s) noexcept;

struct price_band {
  std::string id;
  bool open = false;      // the last band may have no upper bound
  double max_major = 0;   // inclusive upper bound in major units of the item's currency
};

struct segment_rule {
  std::string id;
  std::string name;
  detail::json condition;  // as given (canonical in encode_profile_config)
};

// Compiled segment conditions (core/src/profile/segments.cpp, over tailor::condition).
struct compiled_segments;
[[nodiscard]] result<std::shared_ptr<const compiled_segments>> compile_segments(
    const std::vector<segment_rule>& rules);
// Evaluates every rule on the attribute document (the profile JSON object).
// Returns one flag per rule.
std::vector<bool> evaluate_segments(const compiled_segments& segs, const detail::json& attributes);

}  // namespace profile_detail

struct profile_config::impl {
  double half_life_days = 30.0;
  std::array<double, event_type_count> weights{};  // affinity weight per event type
  int64_t session_timeout_ms = 30 * 60 * 1000;
  double new_days = 14.0;
  double active_days = 30.0;
  double lapsed_days = 90.0;
  std::vector<profile_detail::price_band> price_bands;
  int32_t top_k = 10;
  int32_t recent_items = 10;
  double intent_bias = -3.0;
  std::array<double, intent_signal_count> intent_weights{};
  std::vector<profile_detail::segment_rule> segments;
  std::shared_ptr<const profile_detail::compiled_segments> compiled;

  impl();
};

}  // namespace tailor
