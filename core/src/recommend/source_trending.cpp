// Per-category time-decayed trending: the categories the shopper is in (from
// the anchor items) bring their trending items; a category filter does the same
// for a shopper with no history (cold start).
#include <algorithm>

#include "recommend/sources.hpp"

namespace tailor::recommend_detail {

category_trending category_trending::build(const bundle_view& b) {
  category_trending ct;
  const uint32_t n = b.item_count();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < n; ++i) {
    const std::string_view c = b.item_category(i);
    for (std::size_t p = 1; p <= c.size(); ++p) {
      if (p == c.size() || c[p] == '/') paths.emplace_back(c.substr(0, p));
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  ct.paths = std::move(paths);
  ct.top.resize(ct.paths.size());
  const float* trend = b.trending();
  for (uint32_t i = 0; i < n; ++i) {
    if (!(trend[i] > 0)) continue;
    const std::string_view c = b.item_category(i);
    for (std::size_t p = 1; p <= c.size(); ++p) {
      if (p == c.size() || c[p] == '/') {
        const int64_t k = ct.find(c.substr(0, p));
        if (k >= 0) ct.top[static_cast<std::size_t>(k)].push_back(i);
      }
    }
  }
  for (auto& list : ct.top) {
    auto better = [&](uint32_t x, uint32_t y) { return trend[x] != trend[y] ? trend[x] > trend[y] : x < y; };
    const std::size_t k = std::min<std::size_t>(list.size(), category_trending_top);
    std::partial_sort(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(k), list.end(), better);
    list.resize(k);
  }
  return ct;
}

int64_t category_trending::find(std::string_view path) const noexcept {
  auto it = std::lower_bound(paths.begin(), paths.end(), path,
                             [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  return it != paths.end() && *it == path ? it - paths.begin() : -1;
}

std::vector<category_hit> category_trending_source(const bundle_view& b, const category_trending& ct,
                                                   const std::map<uint32_t, double>& anchors,
                                                   int64_t fallback_path) {
  std::map<uint32_t, double> weight;  // path index -> share of the anchor strength
  double total = 0;
  for (const auto& [item, strength] : anchors) {
    if (!(strength > 0) || item >= b.item_count()) continue;
    const int64_t k = ct.find(b.item_category(item));  // the item's own (deepest) path
    if (k < 0) continue;
    weight[static_cast<uint32_t>(k)] += strength;
    total += strength;
  }
  if (weight.empty() && fallback_path >= 0) {
    weight[static_cast<uint32_t>(fallback_path)] = 1.0;
    total = 1.0;
  }
  std::vector<category_hit> out;
  const float* trend = b.trending();
  for (const auto& [path, w] : weight) {
    const auto& list = ct.top[path];
    if (list.empty()) continue;
    const double top = trend[list.front()];
    for (uint32_t i : list) out.push_back({i, (w / total) * (top > 0 ? trend[i] / top : 0.0), path});
  }
  return out;
}

}  // namespace tailor::recommend_detail
