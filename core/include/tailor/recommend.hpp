// Serving recommendations from a bundle: slots (configured in the bundle),
// candidate sources, merchandising rules and per-item reasons. Pure function
// of (bundle bytes, request); time is an argument; byte-identical everywhere.
//
// Bundle config (JSON object, section "config"):
//   {"slots": {"<name>": {
//      "size": 10,                       // 1..limits::max_rec_size
//      "anchor": "profile" | "context" | "cart" | "last_order",
//      "sources": {"repeat": 1, "ease": 0.25, "covisit": 0, "trending": 0.025, "popular": 0, "embedding": 0},
//                  (embedding: the shopper vector folded in from the anchors, matched against the
//                   bundle's int8 item embeddings; its reason names the anchor that contributed most)
//      "history_half_life_days": 240, "repeat_power": 0.5,
//      "rules": {"exclude_purchased": false, "exclude_in_cart": true, "exclude_shown": true,
//                "in_stock_only": true, "max_per_category": 0,
//                "pins": [{"item": "A", "position": 0}],
//                "boosts": [{"item": "B", "factor": 2} | {"category": "Home", "factor": 1.5}],
//                "buries": [{"item": "C"} | {"category": "Sale"}]}}}}
// Request (JSON): {"slot": "home", "now": <ms>, "events": [Tailor events], "context": ["id"],
//   "cart": ["id"], "exclude": ["id"], "shown": ["id"], "dislikes": ["id"], "size": 5,
//   "filters": {"category": "Home", "min_price_minor": 100, "max_price_minor": 5000, "in_stock": true}}
// Decision (JSON): {"slot", "items": [{"id", "title", "score", "reasons": [{"source", "because"?, "share"}]}],
//   "fallback": null | "cold_start", "warnings": [...]}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/bundle.hpp"
#include "tailor/common.hpp"

namespace tailor {

namespace limits {
inline constexpr uint32_t max_rec_size = 100;
inline constexpr std::size_t max_request_ids = 1000;   // per id list in a request
inline constexpr std::size_t max_request_events = 5000;
inline constexpr uint32_t max_slots = 64;
inline constexpr std::size_t max_rules = 1000;          // pins + boosts + buries per slot
}  // namespace limits

// The default slot configuration written by `tailor build-bundle` without --config.
std::string default_recommend_config();

// Validates a config (the same check the recommender does at open).
[[nodiscard]] status validate_recommend_config(std::string_view config_json) noexcept;

// Top-k over int8 item embeddings (per-item scale): an int8 x int8 scan with
// int32 accumulation (wasm SIMD dot_i16x8 when built with -msimd128) keeps the
// best k + margin, which are re-scored with the f32 query. Ties break by index.
struct scored_item {
  uint32_t item = 0;
  float score = 0.0f;
};

struct embedding_index_view {
  const int8_t* rows = nullptr;   // n x dim
  const float* scales = nullptr;  // n
  uint32_t n = 0;
  uint32_t dim = 0;
  const float* exact = nullptr;   // optional f32 rows (n x dim) for the re-score
};

// Quantises row-major f32 rows into int8 + per-row scale (max |x| / 127).
void quantize_rows(const float* values, uint32_t n, uint32_t dim, std::vector<int8_t>& rows,
                   std::vector<float>& scales);

// `margin` extra candidates survive the int8 scan for the f32 re-score.
[[nodiscard]] result<std::vector<scored_item>> embedding_top_k(const embedding_index_view& index,
                                                               const float* query, uint32_t dim, uint32_t k,
                                                               uint32_t margin = 64) noexcept;

class recommender {
 public:
  recommender();
  ~recommender();
  recommender(recommender&&) noexcept;
  recommender& operator=(recommender&&) noexcept;

  // Opens bundle bytes in place (they must outlive the recommender) and parses
  // the slot configuration once.
  [[nodiscard]] static result<recommender> open(std::string_view bundle_bytes) noexcept;

  // One decision, as canonical JSON.
  [[nodiscard]] result<std::string> recommend(std::string_view request_json) const noexcept;

  const bundle_view& bundle() const noexcept;
  std::vector<std::string> slot_names() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace tailor
