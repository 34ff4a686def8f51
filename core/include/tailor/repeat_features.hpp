// The repeat-purchase ranker features (12..18): one implementation shared by the
// offline builder (ranker_features) and serving (recommender::prepare_ranking).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tailor/train.hpp"

namespace tailor {

// The shopper's purchase history as the features read it. Days are whole UTC days.
struct repeat_profile {
  struct item_days {
    uint32_t item = 0;
    uint32_t days = 0;               // distinct purchase days of the item
    int64_t first_day = 0, last_day = 0;
  };
  double orders = 0;                 // distinct purchase timestamps
  double days_since_order = -1;      // since the newest purchase; -1: never bought
  double distinct_items = 0;         // distinct items of any event type
  std::vector<item_days> bought;     // ascending by item
  int64_t today = 0;                 // the UTC day of now
};
inline constexpr uint32_t repeat_feature_first = 12;
inline constexpr uint32_t repeat_feature_count = 7;

// History entries whose item is >= item_count are ignored.
repeat_profile repeat_profile_of(const std::vector<history_entry>& history, std::size_t item_count, int64_t now_ms);

// Writes features 12..18 of `item` into out[0..6]. typical_gap_days is the item's
// trained repurchase gap (model::repeat_gap_days, the bundle's section 25);
// not > 0 or not finite reads as 30 days.
void repeat_features(const repeat_profile& profile, uint32_t item, double typical_gap_days, float* out) noexcept;

}  // namespace tailor
