// Offline evaluation of recommendation models: documented test formats,
// full-ranking metrics at K (Recall, HR, Precision, NDCG, MRR) and coverage.
// Deterministic: ties break by item index; sampling is seeded.
//
// Test formats (text, UTF-8, one case per line, '#' lines and blank lines skipped;
// item ids must not contain whitespace):
//   purchases:  uid<TAB>item item item      (the shopper's next-period purchases)
//   sessions:   item item item<TAB>target   (a session prefix and the next item)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"
#include "tailor/train.hpp"

namespace tailor {

struct session_case {
  std::vector<std::string> prefix;
  std::string target;
};

namespace limits {
inline constexpr std::size_t max_eval_cases = 1'000'000;
inline constexpr std::size_t max_eval_items_per_case = 10'000;
inline constexpr uint32_t max_eval_k = 1000;
}  // namespace limits

[[nodiscard]] result<std::vector<shopper_truth>> parse_purchase_cases(std::string_view text) noexcept;
[[nodiscard]] result<std::vector<session_case>> parse_session_cases(std::string_view text) noexcept;
std::string format_purchase_cases(const std::vector<shopper_truth>& cases);
std::string format_session_cases(const std::vector<session_case>& cases);

struct eval_options {
  std::vector<uint32_t> ks{10, 20};
  bool exclude_history = false;     // variant "new": own items leave candidates and truth
  score_options scoring;
  const ranker_model* ranker = nullptr;  // method ranker: re-ranks the blend's top candidates
  uint32_t ranker_candidates = 100;
  uint32_t sample = 0;              // 0: every case; else a seeded sample of this size
  uint64_t seed = 42;
};

struct metrics_at_k {
  uint32_t k = 0;
  double recall = 0, precision = 0, hit_rate = 0, ndcg = 0, mrr = 0, coverage = 0;
};

struct eval_report {
  std::string protocol;             // "purchases" or "sessions"
  std::string method;
  std::string variant;              // "all" or "new"
  uint32_t cases = 0;               // evaluated
  uint32_t skipped_unknown_user = 0;
  uint32_t skipped_no_truth = 0;    // nothing left to find (unknown items, or "new" removed all)
  uint32_t candidates = 0;          // items ranked
  std::vector<metrics_at_k> at;

  std::string to_json() const;      // canonical JSON, figures rounded to 6 decimals
};

// Next-period purchases: each shopper's whole train history (from `log`) is the
// input, `now` is the log's last timestamp.
[[nodiscard]] result<eval_report> evaluate_purchases(const model& m, const interaction_log& log,
                                                     const std::vector<shopper_truth>& cases,
                                                     const eval_options& options) noexcept;

// Session next item: the prefix (as views) is the input.
[[nodiscard]] result<eval_report> evaluate_sessions(const model& m,
                                                    const std::vector<session_case>& cases,
                                                    const eval_options& options) noexcept;

// Training rows for the ranker: for every case, the blend's top ranker_candidates
// (own items excluded when exclude_history) with label 1 if in the truth.
[[nodiscard]] status ranker_training_rows(const model& m, const interaction_log& log,
                                          const std::vector<shopper_truth>& cases, const eval_options& options,
                                          std::vector<float>& features, std::vector<uint8_t>& labels,
                                          std::vector<uint32_t>* case_of_row = nullptr) noexcept;

// Metrics of one ranked list (best first) against a truth set; exposed for tests.
metrics_at_k rank_metrics(const std::vector<uint32_t>& ranked, const std::vector<uint32_t>& truth,
                          uint32_t k);

}  // namespace tailor
