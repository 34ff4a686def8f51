// Experiments on the server: GrowthBook definitions taken from the uploaded
// config, and per-variation results (aggregates + the core's analysis).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage.hpp"
#include "tailor/common.hpp"

namespace tailor::sync {

namespace experiment_limits {
inline constexpr std::size_t max_assign_features = 256;     // "features" keys per POST /v1/assign
inline constexpr std::size_t max_attributes = 64;           // attributes per POST /v1/assign
inline constexpr std::size_t max_result_rows = 2'000'000;   // exposure x purchase rows per results
}  // namespace experiment_limits

// The GrowthBook part of a config ({features, savedGroups, contextualBandits}
// at its top level, as GrowthBook's SDK payload has them) as a definitions
// document for tailor::load_gb_definitions; nullopt when the config has none.
std::optional<std::string> gb_definitions_of(const nlohmann::json& config);

// Variation keys (in order) and traffic weights of an experiment as the config
// defines it: a feature rule with `variations` whose key (or the feature's id)
// is `key`, or an entry of the config's `experiments` array.
struct experiment_layout {
  std::vector<std::string> variations;  // the Result's `key`: meta[i].key, else "i"
  std::vector<double> weights;          // normalized to sum 1
};
std::optional<experiment_layout> find_experiment(const nlohmann::json& config, std::string_view key);

struct results_options {
  std::string currency;     // empty: the currency of most purchases (ties: alphabetical)
  bool sequential = false;  // always-valid intervals (the core's confidence sequences)
};

// GET /v1/experiments/{key}/results: per variation the exposed shoppers,
// converted shoppers (a purchase at or after their first exposure), purchases
// and revenue in one currency; then tailor::analyze over those arms (control =
// the first variation of the layout, else the smallest key).
[[nodiscard]] result<std::string> experiment_results(std::string_view key,
                                                     const std::vector<exposure_row>& rows,
                                                     const std::optional<experiment_layout>& layout,
                                                     const results_options& options) noexcept;

}  // namespace tailor::sync
