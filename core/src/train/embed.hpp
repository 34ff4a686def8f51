// Item embeddings: a truncated factorisation of the decayed user x item matrix.
#pragma once

#include "tailor/train.hpp"

namespace tailor::train_detail {

// Fills m.item_factors / m.factor_dim / m.factor_strength (m.items must be set).
[[nodiscard]] status factorise(const interaction_log& log, const train_options& o, model& m,
                               const progress_fn& progress);

// Eigen-decomposition of a symmetric k x k matrix (row-major, double) by cyclic
// Jacobi rotations: eigenvalues descending, eigenvectors as columns of `vectors`.
void symmetric_eigen(std::vector<double> a, std::size_t k, std::vector<double>& values,
                     std::vector<double>& vectors);

}  // namespace tailor::train_detail
