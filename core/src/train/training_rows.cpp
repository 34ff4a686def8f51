#include "training_rows.hpp"

#include <cmath>
#include <string>

#include "tailor/train.hpp"

namespace tailor::detail {

status check_training_rows(const std::vector<float>& x, std::size_t feature_count, std::size_t rows,
                           const std::vector<float>& row_weights) {
  const std::size_t f = feature_count;
  if (x.size() != rows * f) {
    return make_error(errc::invalid_config, "features must hold rows x " + std::to_string(f) + " values");
  }
  if (rows == 0) return make_error(errc::invalid_config, "no training rows");
  if (!row_weights.empty() && row_weights.size() != rows) {
    return make_error(errc::invalid_config, "row_weights must be empty or hold one weight per row");
  }
  for (std::size_t r = 0; r < row_weights.size(); ++r) {
    if (!(row_weights[r] >= 0) || !std::isfinite(row_weights[r])) {
      return make_error(errc::invalid_field, "row weight must be finite and >= 0", "rows[" + std::to_string(r) + "]");
    }
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      const auto column = static_cast<uint32_t>(i % f);
      const std::string name = f == ranker_feature_count ? std::string(ranker_feature_name(column))
                                                         : "column " + std::to_string(column);
      return make_error(errc::invalid_field, "non-finite feature " + name, "rows[" + std::to_string(i / f) + "]");
    }
  }
  return ok_value;
}

}  // namespace tailor::detail
