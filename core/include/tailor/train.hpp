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
  // Session next-item source: each test invoice's train-known items in CSV line
  // order (the order the lines were keyed), invoices in first-seen order.
  std::vector<std::vector<std::string>> test_sessions;
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
  // Item embeddings: a rank-`embedding_dim` factorisation of the decayed user x item
  // matrix X (X ~ U S V^T by seeded subspace iteration); the item vectors are the
  // rows of V, a shopper's vector is folded in as x_u V (no solve), score = x_u V v_j.
  uint32_t embedding_dim = 64;           // 0: no embeddings
  uint32_t embedding_iterations = 8;
  double embedding_half_life_days = 90;  // entries of X: decay of the newest event
  uint64_t embedding_seed = 42;
  // Session next-item: sequential rules i -> j for j up to `session_window` rows
  // after i in the same session, weighted 1/distance, divided by i's outgoing total.
  uint32_t session_window = 3;           // 0: no sequential rules
  // User-kNN (evaluation only, never bundled): every user's decayed weighted item
  // counts, L2-normalised, and the item -> users inverted index.
  double user_half_life_days = 240.0;
};

namespace limits {
inline constexpr uint32_t max_neighbours = 1000;
inline constexpr uint32_t max_factor_dim = 256;
inline constexpr uint32_t max_factor_iterations = 100;
inline constexpr uint32_t max_session_window = 20;
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
  std::vector<float> repeat_gap_days;    // typical days between a shopper's purchases of the item
  neighbour_lists covisit;               // normalised co-occurrence
  neighbour_lists ease_neighbours;       // top rows of the EASE matrix
  neighbour_lists content;               // content similarity (set by the caller, may be empty)
  neighbour_lists transitions;           // sequential rules (what comes next in a session)
  neighbour_lists user_items;            // per log user: items and normalised weights (not bundled)
  neighbour_lists item_users;            // per item: users and the same weights (not bundled)
  // Trending per shopper segment (set by the caller, may be empty): segment ids
  // (sorted, unique) and per segment its best items (offsets: segments + 1).
  std::vector<std::string> segments;
  neighbour_lists segment_trending;
  std::vector<uint32_t> ease_items;      // model item of each EASE row (empty: no EASE)
  std::vector<int32_t> ease_index;       // EASE row of each model item, or -1
  std::vector<float> ease_b;             // dense EASE weights, ease_items^2 (not bundled)
  uint32_t factor_dim = 0;               // item embeddings (0: none)
  std::vector<float> item_factors;       // items x factor_dim, row-major
  std::vector<float> factor_strength;    // singular values, factor_dim
  int64_t trained_until_ms = 0;
};

// stage names: "gram", "cholesky", "inverse", "neighbours", ...; fraction in [0,1].
using progress_fn = std::function<void(std::string_view stage, double fraction)>;

[[nodiscard]] result<model> train(const interaction_log& log, const train_options& options = {},
                                  const progress_fn& progress = {}) noexcept;

// ---------------------------------------------------------------------------
// Trending per segment: the same time-decayed weighted interactions as
// model::trending (train_options weights and trending_half_life_days, at the
// log's newest event), counted only over each segment's shoppers.

struct segment_membership {
  std::vector<std::string> segments;               // ids, sorted, unique
  std::vector<std::vector<uint32_t>> of_user;      // per log user: indices into segments
};

// Per segment its `top_n` best items by decayed score (ties by item index),
// weights = the decayed scores. Errors: invalid_config (membership of another
// log, an index out of range), limit_exceeded (more than limits::max_segments).
[[nodiscard]] result<neighbour_lists> train_segment_trending(const interaction_log& log,
                                                             const segment_membership& members,
                                                             const train_options& options,
                                                             uint32_t top_n = 100) noexcept;

class profiler;

// Segment membership from a profile config's segment rules: every log user's
// events (those whose uid is the user) are folded into a profile at the log's
// newest event and the profile's `segments` are read. All of the config's
// segment ids are listed, members or not. Membership is the one at the end of
// the log: with a trending half-life of days, the events that count are the
// recent ones, when the shopper was (nearly always) already in the segment.
[[nodiscard]] result<segment_membership> profile_segment_membership(const interaction_log& log,
                                                                    const std::vector<event>& events,
                                                                    const profiler& profiles) noexcept;

// ---------------------------------------------------------------------------
// Scoring one shopper against every item (the offline full ranking).

struct history_entry {
  uint32_t item = 0;
  event_type type = event_type::view;
  int32_t quantity = 1;
  int64_t ts_ms = 0;
};

enum class score_method : uint8_t {
  popular, trending, repeat, itemknn, ease, ease_sparse, blend, ranker, embedding, session
};
// session: the blend plus the sequential rules from the history's newest items
// (the newest weighs 1, the one before 1/2, ...), with weight session_weight.
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
  double embed_weight = 0.0;
  double session_weight = 1.0;  // method session only
  // user-kNN: the k most similar users (cosine of decayed weighted counts) vote
  // with their similarity; the shopper is among them (their own items count once more).
  double uknn_weight = 0.0;
  double uknn_k = 300;
  double history_half_life_days = 240.0;  // recency weighting of the shopper's own events
  double repeat_rate_power = 0.5;  // own-history score *= repeat_rate^power (0: off)
  bool presence_input = true;   // model input per item: newest event's decay (not the decayed count)
};

// The shopper's embedding: sum over distinct history items of input strength x item vector.
void fold_in(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
             const score_options& options, std::vector<double>& out);

// Writes one score per model item into `out` (resized). Deterministic.
void score_items(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                 const score_options& options, std::vector<double>& out);

// ---------------------------------------------------------------------------
// The learned ranker: logistic regression over features the core builds for
// (shopper, candidate) pairs; it re-ranks the blend's top candidates.

inline constexpr uint32_t ranker_feature_count = 19;
// own_score, own_count, repeat_rate, ease, covisit, trending, popularity,
// recency, is_own, blend, embedding, order_share, then the repeat-purchase
// features: orders, days_since_order, shopper_items, item_days,
// days_since_item, due, own_due (documented in README: "Ranker features").
std::string_view ranker_feature_name(uint32_t i) noexcept;

// A logistic model (hidden_units 0): P = sigmoid(w . x + b); or a one-hidden-layer
// MLP: h = relu(W1 x + b1) (W1 row-major hidden_units x features), P = sigmoid(w . h + b).
struct ranker_model {
  std::vector<float> weights;  // features (logistic) or hidden_units (MLP)
  float bias = 0.0f;
  uint32_t hidden_units = 0;
  std::vector<float> hidden_weights;  // hidden_units x ranker_feature_count
  std::vector<float> hidden_bias;     // hidden_units
};

namespace limits {
inline constexpr uint32_t max_ranker_candidates = 1000;
}  // namespace limits

// Features of `candidates` (row-major, candidates x ranker_feature_count).
void ranker_features(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                     const score_options& options, const std::vector<uint32_t>& candidates,
                     std::vector<float>& out);

// P(relevant), in float (what the exported ONNX graph computes: MatMul/Add/Sigmoid
// for the logistic model, Gemm/Relu/Gemm/Sigmoid for the MLP).
float ranker_score(const ranker_model& r, const float* features) noexcept;

// L2-regularised logistic regression by Newton's method (deterministic).
// A non-finite feature is an error naming its row and column.
[[nodiscard]] result<ranker_model> train_ranker(const std::vector<float>& features,
                                                const std::vector<uint8_t>& labels, double l2 = 1.0,
                                                uint32_t iterations = 25) noexcept;

namespace limits {
inline constexpr uint32_t max_logistic_features = 256;
inline constexpr uint32_t max_hidden_units = 256;
inline constexpr uint32_t max_mlp_epochs = 1000;
}  // namespace limits

// A one-hidden-layer MLP ranker trained by mini-batch Adam on the logistic loss
// (inputs standardised during training; the scaling is folded into the first
// layer of the result, so it scores raw features). Deterministic for a seed.
// Defaults chosen on the Online Retail validation split (bench/RESULTS-recommend.md).
struct mlp_options {
  uint32_t hidden_units = 8;
  uint32_t epochs = 20;
  uint32_t batch = 256;
  double learning_rate = 0.003;
  double l2 = 1e-4;          // weight decay on both layers' weights
  uint64_t seed = 42;
  // Listwise: the loss is the softmax cross-entropy of each group's (shopper's)
  // positives among its rows, so only the order within a shopper is learned;
  // batches hold whole groups. Pointwise: the logistic loss per row.
  bool listwise = true;
  // Members trained from seeds seed, seed + 1, ...; their logits are averaged.
  uint32_t ensemble = 5;
};

// `groups` (listwise only): one group id per row, a group's rows contiguous.
// `row_weights` (pointwise only; empty: all 1) scale each row's loss.
[[nodiscard]] result<ranker_model> train_mlp_ranker(const std::vector<float>& features,
                                                    const std::vector<uint8_t>& labels, const mlp_options& options = {},
                                                    const std::vector<float>& row_weights = {},
                                                    const std::vector<uint32_t>& groups = {}) noexcept;

// The ranker file (JSON, format "tailor-ranker" version 2): {"format", "version",
// "kind": "logistic"|"mlp", "features": [names], "weights", "bias", and for the MLP
// "hidden": {"weights": [[...] per unit], "bias": [...]}}. Version 1 files (the
// logistic rankers written before, with or without "features") still load: weights
// are matched to features by name (a 12-weight file without names is the v1 order);
// a feature the file does not name weighs 0. A newer version or an unknown feature
// name is an error naming it.
[[nodiscard]] result<ranker_model> parse_ranker_json(std::string_view text) noexcept;
// `columns`: the features to write (indices, in that order; empty: all). A model
// trained with features dropped is written without them (their weights are 0).
std::string ranker_to_json(const ranker_model& r, const std::vector<uint32_t>& columns = {});

// L2-regularised logistic regression over `feature_count` columns (the ranker's
// and the intent model's trainer). Errors name a non-finite cell.
// `row_weights` (empty: all 1) scale each row's loss, e.g. 1/|truth| per shopper so
// that the fit matches a per-shopper average such as recall.
[[nodiscard]] result<ranker_model> train_logistic(const std::vector<float>& features, uint32_t feature_count,
                                                  const std::vector<uint8_t>& labels, double l2 = 1.0,
                                                  uint32_t iterations = 25,
                                                  const std::vector<float>& row_weights = {}) noexcept;

// Area under the ROC curve (ties count one half); 0.5 when a class is missing.
double roc_auc(const std::vector<float>& scores, const std::vector<uint8_t>& labels);

// ---------------------------------------------------------------------------
// Content similarity (for items without interactions): TF-IDF cosine over
// title words, category-path prefixes and attributes ("brand=Acme", ...).

struct content_item {
  std::string title;
  std::string category;                 // "Home/Kitchen"
  std::vector<std::string> attributes;  // "key=value" tokens
};

struct content_options {
  uint32_t top_n = 50;
  uint32_t max_df = 5000;        // terms in more items than this do not link items
  double min_similarity = 0.05;
};

// The tokens of one item (sorted; repeats are term frequency); exposed for tests.
std::vector<std::string> content_tokens(const content_item& item);

[[nodiscard]] result<neighbour_lists> content_neighbours(const std::vector<content_item>& items,
                                                         const content_options& options = {},
                                                         const progress_fn& progress = {}) noexcept;

// Adds catalogue items without events (cold items) to the log's item list
// (sorted, unique), remapping the rows. Invalid ids are an error naming them.
[[nodiscard]] status add_log_items(interaction_log& log, const std::vector<std::string>& ids) noexcept;

// ---------------------------------------------------------------------------
// Purchase intent: P(the session ends in a purchase), learned from sessions cut
// at a seeded random point before their first purchase. The features are the
// profile module's intent signals with the same caps, so the learned weights
// drop into a profile config ("intent": {"bias", "weights"}) unchanged.

inline constexpr uint32_t intent_feature_count = 10;
// product_views, distinct_items, add_to_cart, remove_from_cart, searches,
// cart_items, minutes, returning, past_orders, purchased (always 0 at the cut).
std::string_view intent_feature_name(uint32_t i) noexcept;
double intent_feature_cap(uint32_t i) noexcept;

struct intent_options {
  int64_t session_gap_ms = 30 * 60 * 1000;
  uint64_t seed = 42;
};

struct intent_rows {
  std::vector<float> features;   // sessions x intent_feature_count, capped
  std::vector<uint8_t> labels;   // 1: the session has a purchase
  std::vector<int64_t> start_ms; // session start (for time-based hold-outs)
};

[[nodiscard]] result<intent_rows> intent_training_rows(const std::vector<event>& events,
                                                       const intent_options& options = {}) noexcept;

}  // namespace tailor
