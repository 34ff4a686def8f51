// Deterministic elementary functions. glibc's and Emscripten's libm may round
// exp/log/pow differently in the last bit; these use only + - * / and are
// therefore identical natively and in wasm (with -ffp-contract=off).
#pragma once

#include <cstdint>

namespace tailor::detail {

// 2^x for x in [-1074, 1023]; relative error below 1e-15.
double det_exp2(double x) noexcept;

// e^x, via det_exp2.
double det_exp(double x) noexcept;

// Natural logarithm for x > 0; relative error below 1e-15.
double det_log(double x) noexcept;

// 1 / (1 + e^-x).
double det_sigmoid(double x) noexcept;

// 2^(-age / half-life): 1 for age <= 0 or no half-life, 0 beyond 1000 half-lives.
double half_life_decay(int64_t age_ms, double half_life_days) noexcept;

// Rounds to a fixed number of decimals (for stable decision JSON).
double round_to(double x, int decimals) noexcept;

}  // namespace tailor::detail
