// The repeat-purchase ranker features (12..18): one implementation for the
// offline builder (ranker_features) and serving (recommender::prepare_ranking),
// so a ranker trained offline sees the same numbers in every runtime.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common/det_math.hpp"
#include "tailor/repeat_features.hpp"

namespace tailor {
namespace {

constexpr double ms_per_day = 86'400'000.0;
constexpr double never_days = 400;          // "never bought" reads as longer ago than the data
constexpr double default_gap_days = 30.0;   // an item without a trained repurchase gap

int64_t day_of(int64_t ts_ms) {
  constexpr int64_t ms = 86'400'000;
  return ts_ms >= 0 ? ts_ms / ms : -((-ts_ms + ms - 1) / ms);
}

float log1p_of(double v) { return static_cast<float>(detail::det_log(1.0 + v)); }

// log((since + 1) / (gap + 1)) clamped to [-4, 4].
float due_of(double since, double gap) {
  return static_cast<float>(std::clamp(detail::det_log((since + 1.0) / (gap + 1.0)), -4.0, 4.0));
}

}  // namespace

repeat_profile repeat_profile_of(const std::vector<history_entry>& history, std::size_t item_count, int64_t now_ms) {
  repeat_profile p;
  p.today = day_of(now_ms);
  std::vector<uint32_t> items;
  std::vector<int64_t> stamps;
  std::vector<std::pair<uint32_t, int64_t>> item_days;
  int64_t newest = INT64_MIN;
  for (const auto& h : history) {
    if (h.item >= item_count) continue;
    items.push_back(h.item);
    if (h.type != event_type::purchase) continue;
    stamps.push_back(h.ts_ms);
    newest = std::max(newest, h.ts_ms);
    item_days.emplace_back(h.item, day_of(h.ts_ms));
  }
  std::sort(items.begin(), items.end());
  p.distinct_items = static_cast<double>(std::unique(items.begin(), items.end()) - items.begin());
  std::sort(stamps.begin(), stamps.end());
  p.orders = static_cast<double>(std::unique(stamps.begin(), stamps.end()) - stamps.begin());
  if (newest != INT64_MIN) p.days_since_order = std::max(0.0, static_cast<double>(now_ms - newest) / ms_per_day);
  std::sort(item_days.begin(), item_days.end());
  item_days.erase(std::unique(item_days.begin(), item_days.end()), item_days.end());
  for (const auto& [item, day] : item_days) {  // ascending days per item
    if (p.bought.empty() || p.bought.back().item != item) p.bought.push_back({item, 0, day, day});
    p.bought.back().last_day = day;
    p.bought.back().days += 1;
  }
  return p;
}

void repeat_features(const repeat_profile& p, uint32_t item, double typical_gap_days, float* f) noexcept {
  f[0] = log1p_of(p.orders);
  f[1] = log1p_of(p.days_since_order < 0 ? never_days : p.days_since_order);
  f[2] = log1p_of(p.distinct_items);
  const auto b = std::lower_bound(p.bought.begin(), p.bought.end(), item,
                                  [](const repeat_profile::item_days& d, uint32_t i) { return d.item < i; });
  const uint32_t days = b != p.bought.end() && b->item == item ? b->days : 0;
  f[3] = log1p_of(days);
  if (days == 0) {
    f[4] = log1p_of(never_days);
    f[5] = 0.0f;
    f[6] = 0.0f;
    return;
  }
  const double since = static_cast<double>(std::max<int64_t>(0, p.today - b->last_day));
  f[4] = log1p_of(since);
  const double gap = typical_gap_days > 0 && std::isfinite(typical_gap_days) ? typical_gap_days : default_gap_days;
  f[5] = due_of(since, gap);
  // own_due: against the shopper's own mean gap for the item (0 below two days).
  f[6] = days >= 2 ? due_of(since, static_cast<double>(b->last_day - b->first_day) / (days - 1)) : 0.0f;
}

}  // namespace tailor
