// Training recommendation models from Tailor events: the interaction log,
// co-visitation neighbours, popularity and trending, EASE item-item weights,
// and the scoring used by offline evaluation. Portable: no I/O, no threads;
// the CLI reads files and passes text in, and gets a progress callback.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"
#include "tailor/event.hpp"

namespace tailor {

// ---------------------------------------------------------------------------
// Importer: the UCI Online Retail CSV -> Tailor purchase events + test truth.
// Protocol (data README): keep lines with a CustomerID, InvoiceNo not starting
// with "C", Quantity > 0, UnitPrice > 0 and a StockCode starting with 5 digits.
// Lines before split_ts_ms train; lines in [split_ts_ms, until_ts_ms) test.

// One evaluated shopper of the next-period protocol: the distinct train-known
// items they bought in the test period.
struct shopper_truth {
  std::string uid;
  std::vector<std::string> items;
};

struct online_retail_options {
  int64_t split_ts_ms = 1320105600000;  // 2011-11-01 00:00 UTC
  int64_t until_ts_ms = 0;              // 0: no end (the file ends 2011-12-09)
  std::size_t max_lines_per_event = 100;  // a longer invoice becomes several events
};

struct item_fact {
  std::string id;
  std::string title;        // the newest train Description
  int64_t price_minor = 0;  // the newest train UnitPrice
};

struct online_retail_split {
  std::vector<event> train;           // purchase events, file order
  std::vector<item_fact> items;       // train items, sorted by id
  std::vector<shopper_truth> test;    // evaluated shoppers, sorted by uid
  std::size_t rows = 0;               // CSV data rows read
  std::size_t kept_lines = 0;         // rows passing the protocol filter
  std::size_t train_lines = 0;
  std::size_t test_lines = 0;
  std::size_t train_items = 0;        // distinct items in train
  std::size_t prices_rounded = 0;     // unit prices with more than 2 decimals
};

// Limits of the importer (named, tested at N and N+1).
namespace limits {
inline constexpr std::size_t max_csv_bytes = 256u << 20;
inline constexpr std::size_t max_csv_field_bytes = 1024;
}  // namespace limits

[[nodiscard]] result<online_retail_split> import_online_retail(
    std::string_view csv, const online_retail_options& options = {}) noexcept;

// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (UTC) -> milliseconds since the epoch.
[[nodiscard]] result<int64_t> parse_utc_datetime(std::string_view text) noexcept;

// ---------------------------------------------------------------------------
// The interaction log: item-bearing events with interned ids.

struct interaction {
  uint32_t user = 0;
  uint32_t item = 0;
  uint32_t session = 0;     // global session number (gap-based, per user)
  event_type type = event_type::view;
  int32_t quantity = 1;
  int64_t ts_ms = 0;
};

struct interaction_log {
  std::vector<std::string> users;        // sorted, unique
  std::vector<std::string> items;        // sorted, unique
  std::vector<interaction> rows;         // sorted by (user, ts_ms, input order)
  std::vector<uint32_t> user_offsets;    // rows of user u: [user_offsets[u], user_offsets[u+1])
  uint32_t sessions = 0;
  int64_t min_ts_ms = 0;
  int64_t max_ts_ms = 0;

  std::optional<uint32_t> find_item(std::string_view id) const noexcept;
  std::optional<uint32_t> find_user(std::string_view id) const noexcept;
};

struct log_options {
  int64_t session_gap_ms = 30 * 60 * 1000;  // a longer pause starts a new session
};

// Views, clicks, carts and purchase lines become rows; other events are skipped.
// Duplicate event ids are counted once.
[[nodiscard]] result<interaction_log> build_log(const std::vector<event>& events,
                                                const log_options& options = {}) noexcept;

// ---------------------------------------------------------------------------
// Training.

struct event_weights {
  float view = 1.0f;
  float click = 1.5f;
  float add_to_cart = 3.0f;
  float purchase = 5.0f;
};

float weight_of(const event_weights& w, event_type type) noexcept;

enum class covisit_scope : uint8_t { session, user };
enum class normalisation : uint8_t { none, cosine, jaccard, lift };

std::string_view normalisation_name(normalisation n) noexcept;
std::optional<normalisation> parse_normalisation(std::string_view name) noexcept;

struct train_options {
  event_weights weights;
  double half_life_days = 90.0;          // time decay of co-visitation and trending
  double trending_half_life_days = 14.0;
  covisit_scope scope = covisit_scope::user;
  normalisation norm = normalisation::cosine;
  uint32_t top_n = 100;                  // neighbours kept per item
  bool ease = true;
  double ease_lambda = 200.0;
  double ease_half_life_days = 90.0;     // 0: binary Gram; else entries decay with age
  uint32_t ease_max_items = 6000;        // the most-bought items enter EASE (dense n*n)
  uint32_t ease_top_n = 200;             // sparse EASE neighbours kept for the bundle
  uint32_t max_items_per_user = 2000;    // newest distinct items per user in co-counting
  bool binary = false;                   // co-count presence (1) instead of decayed weights
};

namespace limits {
inline constexpr uint32_t max_neighbours = 1000;
inline constexpr uint32_t max_ease_items = 20000;
}  // namespace limits

// Compressed sparse rows: neighbours of item i are [offsets[i], offsets[i+1]),
// sorted by weight descending then item index.
struct neighbour_lists {
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> items;
  std::vector<float> weights;
};

struct model {
  std::vector<std::string> items;        // same order as the log's items
  std::vector<float> buyers;             // distinct purchasers (or interactors if none bought)
  std::vector<float> trending;           // time-decayed weighted interactions at trained_until
  std::vector<float> repeat_rate;        // smoothed share of an item's buyers who bought it again
  neighbour_lists covisit;               // normalised co-occurrence
  neighbour_lists ease_neighbours;       // top rows of the EASE matrix
  std::vector<uint32_t> ease_items;      // model item of each EASE row (empty: no EASE)
  std::vector<int32_t> ease_index;       // EASE row of each model item, or -1
  std::vector<float> ease_b;             // dense EASE weights, ease_items^2 (not bundled)
  int64_t trained_until_ms = 0;
};

// stage names: "gram", "cholesky", "inverse", "neighbours", ...; fraction in [0,1].
using progress_fn = std::function<void(std::string_view stage, double fraction)>;

[[nodiscard]] result<model> train(const interaction_log& log, const train_options& options = {},
                                  const progress_fn& progress = {}) noexcept;

// ---------------------------------------------------------------------------
// Scoring one shopper against every item (the offline full ranking).

struct history_entry {
  uint32_t item = 0;
  event_type type = event_type::view;
  int32_t quantity = 1;
  int64_t ts_ms = 0;
};

enum class score_method : uint8_t { popular, trending, repeat, itemknn, ease, ease_sparse, blend, ranker };
std::string_view score_method_name(score_method m) noexcept;
std::optional<score_method> parse_score_method(std::string_view name) noexcept;

struct score_options {
  score_method method = score_method::blend;
  event_weights weights;
  // blend = repeat_weight * own-history score + ease_weight * EASE score
  //       + knn_weight * neighbour score + trend_weight * trending + pop_weight * popularity
  double repeat_weight = 1.0;
  double ease_weight = 0.25;
  double knn_weight = 0.0;
  double trend_weight = 0.025;
  double pop_weight = 0.0;
  double history_half_life_days = 240.0;  // recency weighting of the shopper's own events
  double repeat_rate_power = 0.5;  // own-history score *= repeat_rate^power (0: off)
  bool presence_input = true;   // model input per item: newest event's decay (not the decayed count)
};

// Writes one score per model item into `out` (resized). Deterministic.
void score_items(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                 const score_options& options, std::vector<double>& out);

// ---------------------------------------------------------------------------
// The learned ranker: logistic regression over features the core builds for
// (shopper, candidate) pairs; it re-ranks the blend's top candidates.

inline constexpr uint32_t ranker_feature_count = 10;
// own_score, own_count, repeat_rate, ease, covisit, trending, popularity,
// recency, is_own, blend (documented in README: "Ranker features").
std::string_view ranker_feature_name(uint32_t i) noexcept;

struct ranker_model {
  std::vector<float> weights;  // ranker_feature_count
  float bias = 0.0f;
};

namespace limits {
inline constexpr uint32_t max_ranker_candidates = 1000;
}  // namespace limits

// Features of `candidates` (row-major, candidates x ranker_feature_count).
void ranker_features(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                     const score_options& options, const std::vector<uint32_t>& candidates,
                     std::vector<float>& out);

// P(relevant) = sigmoid(w . x + b), in float (what an ONNX MatMul/Add/Sigmoid computes).
float ranker_score(const ranker_model& r, const float* features) noexcept;

// L2-regularised logistic regression by Newton's method (deterministic).
// A non-finite feature is an error naming its row and column.
[[nodiscard]] result<ranker_model> train_ranker(const std::vector<float>& features,
                                                const std::vector<uint8_t>& labels, double l2 = 1.0,
                                                uint32_t iterations = 25) noexcept;

}  // namespace tailor
