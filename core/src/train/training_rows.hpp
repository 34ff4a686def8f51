// Checks shared by the ranker trainers (logistic and MLP): a row-major feature
// matrix, its labels and optional per-row weights, before any training starts.
#pragma once

#include <cstddef>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::detail {

// x holds rows x feature_count finite values; row_weights is empty or holds one
// finite weight >= 0 per row. Errors name the row and, for the core's feature
// layout, the feature (otherwise its column).
[[nodiscard]] status check_training_rows(const std::vector<float>& x, std::size_t feature_count,
                                         std::size_t rows, const std::vector<float>& row_weights);

}  // namespace tailor::detail
