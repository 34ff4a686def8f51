// Dense symmetric positive-definite inversion for EASE: Cholesky, triangular
// inverse and L^-T L^-1, written as row dot products and row updates so that
// the compiler vectorises them without reassociating (fixed summation order).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace tailor::train_detail {

using linalg_progress = std::function<void(std::string_view stage, double fraction)>;

// In place: `a` (n*n, row-major, symmetric positive definite) becomes its inverse.
// Uses `work` (resized to n*n). Returns false if `a` is not positive definite.
bool spd_inverse(std::vector<float>& a, std::size_t n, std::vector<float>& work,
                 const linalg_progress& progress);

// Sum of x[k]*y[k] with eight partial sums in a fixed order.
float dot(const float* x, const float* y, std::size_t len) noexcept;

}  // namespace tailor::train_detail
