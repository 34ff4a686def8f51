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
//                   bundle's int8 item embeddings; its reason names the anchor that contributed most;
//                   also "content", "category_trending" and "segment_trending": the request's
//                   segments' trending lists, equal shares, reason "because": the segment id)
//      "history_half_life_days": 240, "repeat_power": 0.5,
//      "rules": {"exclude_purchased": false, "exclude_in_cart": true, "exclude_shown": true,
//                "in_stock_only": true, "max_per_category": 0,
//                "pins": [{"item": "A", "position": 0}],
//                "boosts": [{"item": "B", "factor": 2} | {"category": "Home", "factor": 1.5}],
//                "buries": [{"item": "C"} | {"category": "Sale"}]},
//      "experiment": "home-recs"}},     // optional: a feature whose value picks the configuration
//   "features": {...}, "savedGroups": {...}}   // GrowthBook definitions for slot experiments
// A slot experiment's value is null (the slot's own configuration), a slot name (that
// slot's configuration) or an object merged over the slot's JSON (RFC 7386 merge patch).
// Request (JSON): {"slot": "home", "now": <ms>, "events": [Tailor events], "context": ["id"],
//   "cart": ["id"], "exclude": ["id"], "shown": ["id"], "dislikes": ["id"], "size": 5,
//   "filters": {"category": "Home", "min_price_minor": 100, "max_price_minor": 5000, "in_stock": true},
//   "segments": ["vip"],  (the profile's segment ids; ids without a list in the bundle are ignored
//   with a warning; a cold-start decision with known segments leads with their trending items)
//   "experiment_context": {GrowthBook user context}, "assignments": {"<feature>": FeatureResult}}
// Decision (JSON): {"slot", "items": [{"id", "title", "score", "reasons": [{"source", "because"?, "share"}]}],
//   "fallback": null | "cold_start", "warnings": [...],
//   "experiment": {...}}  (only for a slot with an experiment: feature, source, experiment_key,
//   variation_id, variation_key, in_experiment, config, exposure, stickyBucketAssignmentDocs?;
//   any problem with the assignment serves the slot's own configuration, with a warning)
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
inline constexpr uint32_t max_top_k = 1000;             // k and margin of embedding_top_k
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

// `margin` extra candidates survive the int8 scan for the f32 re-score (k and
// margin each at most limits::max_top_k). Results are ordered by score, then
// index, and are the same bytes natively (SSE2 or scalar) and in wasm (SIMD128):
// the scan's integer dot products are exact and the float steps are fixed.
// Errors: invalid_field (query dim differs from the index, or a NaN/Inf query
// value, `where` = "query[d]"), limit_exceeded (k or margin).
[[nodiscard]] result<std::vector<scored_item>> embedding_top_k(const embedding_index_view& index,
                                                               const float* query, uint32_t dim, uint32_t k,
                                                               uint32_t margin = 64) noexcept;

// The int8 scan's approximate score of every item (out[i] for i < index.n):
// float(int8 dot) * row scale, the query quantised to int8 with max |q| -> 127.
// For sources that blend embedding scores with others.
[[nodiscard]] status embedding_scan_scores(const embedding_index_view& index, const float* query, uint32_t dim,
                                           float* out) noexcept;

// ---------------------------------------------------------------------------
// Bring your own ranker (an ONNX model run by ONNX Runtime Web, or anything
// that maps a float matrix to one score per row). The core gathers and filters
// the candidates, builds the feature matrix named by a spec, takes one score
// per row back, and applies rules, diversity, pins and reasons itself.
//
// Feature spec (JSON): {"features": ["blend", "ease", ...], "input": "features",
//   "output": "score", "candidates": 100}
//   features    1..limits::max_ranker_features distinct names from
//               ranker_feature_names(); the model's input is rows x features
//   input/output the model's tensor names (defaults "features" / "score")
//   candidates  how many candidates (best built-in order first, after filters and
//               exclusions) are scored: 1..limits::max_ranker_candidates, default 100
// Serving features (float32, per candidate):
//   own_score     decayed own-history weight of the item / the largest in the history
//   own_count     log(1 + purchases of the item in the history)
//   repeat_rate   the bundle's repeat propensity of the item
//   ease, covisit the slot's neighbour source scores / their largest (0 if the
//                 slot does not use the source)
//   trending      trending / the catalogue's largest
//   popularity    log(1 + popularity) / log(2 + the catalogue's largest)
//   recency       2^(-days since the newest own event on the item / 30), 0 if none
//   is_own        1 if the item is in the history
//   blend         the built-in ranker's score / the largest among candidates
//   price         price in major units (price_minor / 100)
//   in_stock      1 or 0
//   category_affinity  share of history events in the item's category
//   embedding     the slot's embedding source score / its largest (0 if unused)
//   order_share   share of the history's orders (distinct purchase times) holding the item
//   orders, days_since_order, shopper_items, item_days, days_since_item, due, own_due
//                 the offline ranker's repeat-purchase features (repeat_features in
//                 tailor/repeat_features.hpp, the same function; README "Ranker features"); `due`
//                 needs the bundle's repurchase gaps (format version 4): without them a
//                 spec naming it is an invalid_config error
// Scores: higher is better. Rules apply to the model's score as to the built-in
// one (dislike neighbours: halved; boosts multiply, or divide a negative score;
// buries sink). A NaN or infinite score from the model is not used: the decision
// falls back to the built-in ranker's order, with "fallback": "builtin_ranker"
// (unless it is already "cold_start") and a warning naming the row.
namespace limits {
inline constexpr uint32_t max_ranker_features = 64;
}  // namespace limits

struct ranker_spec {
  std::vector<uint32_t> features;  // indices into ranker_feature_names()
  std::string input = "features";
  std::string output = "score";
  uint32_t candidates = 100;
};

const std::vector<std::string>& ranker_feature_names();

// Errors: invalid_json, invalid_config / unknown_field / limit_exceeded with `where`
// naming the field ("features[2]").
[[nodiscard]] result<ranker_spec> parse_ranker_spec(std::string_view spec_json) noexcept;

// Checks a model's declared signature against the spec:
//   {"inputs": [{"name": "features", "shape": ["N" | null | -1 | int, int | "F"]}], "outputs": ["score"]}
// The spec's input must exist with rank 2, a dynamic batch dimension and, when
// the feature dimension is a number, exactly spec.features.size() of them; the
// spec's output must exist. Errors: invalid_config naming what differs.
[[nodiscard]] status check_ranker_model(const ranker_spec& spec, std::string_view signature_json) noexcept;

struct recommend_state;

// The candidates of one request waiting for a model's scores.
class ranking_job {
 public:
  ranking_job();
  ~ranking_job();
  ranking_job(ranking_job&&) noexcept;
  ranking_job& operator=(ranking_job&&) noexcept;

  uint32_t rows() const noexcept { return rows_; }
  uint32_t cols() const noexcept { return cols_; }
  // rows x cols, row-major: the model's input tensor.
  const std::vector<float>& features() const noexcept { return features_; }
  // The candidate item ids, one per row.
  const std::vector<std::string>& row_ids() const noexcept { return ids_; }

 private:
  friend class recommender;
  std::unique_ptr<recommend_state> st_;
  std::vector<float> features_;
  std::vector<std::string> ids_;
  uint32_t rows_ = 0, cols_ = 0;
  bool finished_ = false;
};

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

  // Bring your own ranker, step 1: the request's candidates and their features.
  [[nodiscard]] result<ranking_job> prepare_ranking(std::string_view request_json, const ranker_spec& spec) const noexcept;
  // Step 2: one score per row (count must equal job.rows()) -> the decision JSON.
  // A job is finished once (invalid_state after). Errors: invalid_field (count).
  [[nodiscard]] result<std::string> finish_ranking(ranking_job& job, const float* scores, std::size_t count) const noexcept;

  const bundle_view& bundle() const noexcept;
  std::vector<std::string> slot_names() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace tailor
