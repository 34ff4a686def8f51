#include "common/det_math.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace tailor::detail {
namespace {

constexpr double ln2 = 0.69314718055994530942;

// Builds 2^k exactly from the exponent bits (k within the normal range).
double pow2i(int k) noexcept {
  uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

}  // namespace

double det_exp2(double x) noexcept {
  if (std::isnan(x)) return x;
  if (x >= 1024.0) return HUGE_VAL;
  if (x < -1074.0) return 0.0;
  // x = k + f with f in [-0.5, 0.5]; 2^f = e^(f ln2) by its Taylor series.
  double kf = std::floor(x + 0.5);
  int k = static_cast<int>(kf);
  double r = (x - kf) * ln2;  // |r| <= 0.347
  double term = 1.0;
  double sum = 1.0;
  for (int i = 1; i <= 18; ++i) {
    term = term * r / i;
    sum += term;
  }
  // Split the scaling so subnormal results stay exact multiplications.
  if (k < -1021) return sum * pow2i(k + 600) * pow2i(-600);
  if (k > 1023) return sum * pow2i(k - 1) * 2.0;
  return sum * pow2i(k);
}

double det_exp(double x) noexcept { return det_exp2(x / ln2); }

double det_log(double x) noexcept {
  if (std::isnan(x) || x < 0.0) return std::nan("");
  if (x == 0.0) return -HUGE_VAL;
  if (std::isinf(x)) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  double term = s;
  double sum = 0.0;
  for (int i = 1; i <= 41; i += 2) {
    sum += term / i;
    term *= s2;
  }
  return 2.0 * sum + e * ln2;
}

double det_sigmoid(double x) noexcept {
  if (x >= 0) return 1.0 / (1.0 + det_exp(-x));
  double z = det_exp(x);
  return z / (1.0 + z);
}

double half_life_decay(int64_t age_ms, double half_life_days) noexcept {
  constexpr double ms_per_day = 86'400'000.0;
  if (age_ms <= 0 || half_life_days <= 0) return 1.0;
  const double x = static_cast<double>(age_ms) / (half_life_days * ms_per_day);
  if (x > 1000) return 0.0;
  return det_exp2(-x);
}

double round_to(double x, int decimals) noexcept {
  double scale = 1.0;
  for (int i = 0; i < decimals; ++i) scale *= 10.0;
  double r = std::round(x * scale) / scale;
  return r == 0.0 ? 0.0 : r;  // no "-0" in output
}

}  // namespace tailor::detail
