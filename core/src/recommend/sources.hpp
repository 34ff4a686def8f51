// Candidate sources of the recommender that live outside recommend.cpp's hot
// path: item embeddings (shopper vector folded in from the anchors).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "tailor/bundle.hpp"
#include "tailor/recommend.hpp"

namespace tailor::recommend_detail {

// Items taken from the embedding index per request.
inline constexpr uint32_t embedding_candidates = 100;

// The shopper's vector: sum over anchors of strength x dequantised item vector
// (float, anchors in ascending item order). Empty when the bundle has no embeddings
// or no anchor has a vector.
std::vector<float> fold_in_anchors(const bundle_view& b, const std::map<uint32_t, double>& anchors);

// The best `k` items by dot product with the folded vector (int8 scan, f32
// re-score; ties by index). Items with a score <= 0 are dropped.
std::vector<scored_item> embedding_source(const bundle_view& b, const std::map<uint32_t, double>& anchors,
                                          uint32_t k);

// The anchor whose own contribution strength x <v_anchor, v_item> is largest
// (ties: the smaller index), or -1 when there is none. `item` itself is skipped.
int64_t embedding_because(const bundle_view& b, const std::map<uint32_t, double>& anchors, uint32_t item);

// Per-category trending: for every category path (and every prefix of one, so
// "Home" gathers "Home/Kitchen"), its items by time-decayed trending, best first.
inline constexpr uint32_t category_trending_top = 50;

struct category_trending {
  std::vector<std::string> paths;             // sorted, unique (categories and their prefixes)
  std::vector<std::vector<uint32_t>> top;     // per path: up to category_trending_top items

  static category_trending build(const bundle_view& b);
  // Index of an exact path, or -1.
  int64_t find(std::string_view path) const noexcept;
};

struct category_hit {
  uint32_t item = 0;
  double score = 0;
  uint32_t path = 0;  // index into category_trending::paths (the reason)
};

// Trending items of the anchors' categories: each category's share of the anchor
// strength times the item's trending (max-normalised within the category).
// With no anchors, `fallback_path` (a request's category filter, -1: none) is used.
std::vector<category_hit> category_trending_source(const bundle_view& b, const category_trending& ct,
                                                   const std::map<uint32_t, double>& anchors,
                                                   int64_t fallback_path);

}  // namespace tailor::recommend_detail

namespace tailor::recommend_detail {

// Per-segment trending. The request names the shopper's segments (the profile's
// segment ids, `"segments": ["vip"]`); ids the bundle has no list for are ignored
// with a warning. Each known segment gets an equal share; within a segment an
// item scores its trending weight / the segment's best.
struct segment_hit {
  uint32_t item = 0;
  double score = 0;
  uint32_t segment = 0;  // index into the bundle's segments (the reason)
};

// Errors: invalid_field / limit_exceeded naming "segments" or "segments[i]".
[[nodiscard]] result<std::vector<uint32_t>> read_request_segments(const detail::json& request, const bundle_view& b,
                                                                  std::vector<std::string>& warnings);

std::vector<segment_hit> segment_trending_source(const bundle_view& b, const std::vector<uint32_t>& segments);

}  // namespace tailor::recommend_detail
