#include "train/linalg.hpp"

#include <algorithm>
#include <cmath>

namespace tailor::train_detail {
namespace {

// Four dot products sharing y: each row of y is read once for four rows of x.
void dot4(const float* x0, const float* x1, const float* x2, const float* x3, const float* y,
          std::size_t len, float out[4]) noexcept {
  float s0[8] = {}, s1[8] = {}, s2[8] = {}, s3[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= len; k += 8) {
    for (int l = 0; l < 8; ++l) {
      const float yv = y[k + l];
      s0[l] += x0[k + l] * yv;
      s1[l] += x1[k + l] * yv;
      s2[l] += x2[k + l] * yv;
      s3[l] += x3[k + l] * yv;
    }
  }
  auto fold = [](const float* s) {
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  };
  float r0 = fold(s0), r1 = fold(s1), r2 = fold(s2), r3 = fold(s3);
  for (; k < len; ++k) {
    r0 += x0[k] * y[k];
    r1 += x1[k] * y[k];
    r2 += x2[k] * y[k];
    r3 += x3[k] * y[k];
  }
  out[0] = r0;
  out[1] = r1;
  out[2] = r2;
  out[3] = r3;
}

void axpy(float alpha, const float* x, float* y, std::size_t len) noexcept {
  for (std::size_t k = 0; k < len; ++k) y[k] += alpha * x[k];
}

void axpy4(const float c[4], const float* x, float* y0, float* y1, float* y2, float* y3,
           std::size_t len) noexcept {
  const float c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
  for (std::size_t k = 0; k < len; ++k) {
    const float xv = x[k];
    y0[k] += c0 * xv;
    y1[k] += c1 * xv;
    y2[k] += c2 * xv;
    y3[k] += c3 * xv;
  }
}

void report(const linalg_progress& p, std::string_view stage, std::size_t done, std::size_t n) {
  if (p && (done % 64 == 0 || done >= n)) p(stage, n ? static_cast<double>(done) / n : 1.0);
}

// Lower Cholesky factor in place (upper triangle left untouched).
bool cholesky(float* a, std::size_t n, const linalg_progress& progress) {
  for (std::size_t ib = 0; ib < n; ib += 4) {
    const std::size_t ie = std::min(n, ib + 4);
    for (std::size_t j = 0; j < ib; ++j) {
      const float* lj = a + j * n;
      float d[4] = {};
      if (ie - ib == 4) {
        dot4(a + ib * n, a + (ib + 1) * n, a + (ib + 2) * n, a + (ib + 3) * n, lj, j, d);
      } else {
        for (std::size_t r = ib; r < ie; ++r) d[r - ib] = dot(a + r * n, lj, j);
      }
      const float diag = lj[j];
      for (std::size_t r = ib; r < ie; ++r) a[r * n + j] = (a[r * n + j] - d[r - ib]) / diag;
    }
    for (std::size_t j = ib; j < ie; ++j) {
      for (std::size_t r = j; r < ie; ++r) {
        const float s = a[r * n + j] - dot(a + r * n, a + j * n, j);
        if (r == j) {
          if (!(s > 0.0f) || !std::isfinite(s)) return false;
          a[j * n + j] = std::sqrt(s);
        } else {
          a[r * n + j] = s / a[j * n + j];
        }
      }
    }
    report(progress, "cholesky", ie, n);
  }
  return true;
}

// m = L^-1 (lower), m zero-initialised, rows accumulate sum_k L[r][k] * m[k].
void lower_inverse(const float* l, float* m, std::size_t n, const linalg_progress& progress) {
  for (std::size_t ib = 0; ib < n; ib += 4) {
    const std::size_t ie = std::min(n, ib + 4);
    for (std::size_t k = 0; k < ib; ++k) {
      const float* mk = m + k * n;
      if (ie - ib == 4) {
        const float c[4] = {l[ib * n + k], l[(ib + 1) * n + k], l[(ib + 2) * n + k],
                            l[(ib + 3) * n + k]};
        axpy4(c, mk, m + ib * n, m + (ib + 1) * n, m + (ib + 2) * n, m + (ib + 3) * n, k + 1);
      } else {
        for (std::size_t r = ib; r < ie; ++r) axpy(l[r * n + k], mk, m + r * n, k + 1);
      }
    }
    for (std::size_t r = ib; r < ie; ++r) {
      float* mr = m + r * n;
      for (std::size_t k = ib; k < r; ++k) axpy(l[r * n + k], m + k * n, mr, k + 1);
      const float inv = 1.0f / l[r * n + r];
      for (std::size_t c = 0; c < r; ++c) mr[c] = -mr[c] * inv;
      mr[r] = inv;
    }
    report(progress, "inverse", ie, n);
  }
}

// p = U U^T where u = m^T is upper triangular: p[a][b] = sum_{k>=max(a,b)} u[a][k] u[b][k].
void upper_gram(const float* u, float* p, std::size_t n, const linalg_progress& progress) {
  for (std::size_t ab = 0; ab < n; ab += 4) {
    const std::size_t ae = std::min(n, ab + 4);
    for (std::size_t a = ab; a < ae; ++a) {
      for (std::size_t b = a; b < ae; ++b) {
        const float v = dot(u + a * n + b, u + b * n + b, n - b);
        p[a * n + b] = v;
        p[b * n + a] = v;
      }
    }
    if (ae - ab == 4) {
      for (std::size_t b = ae; b < n; ++b) {
        float d[4];
        dot4(u + ab * n + b, u + (ab + 1) * n + b, u + (ab + 2) * n + b, u + (ab + 3) * n + b,
             u + b * n + b, n - b, d);
        for (std::size_t a = ab; a < ae; ++a) {
          p[a * n + b] = d[a - ab];
          p[b * n + a] = d[a - ab];
        }
      }
    } else {
      for (std::size_t a = ab; a < ae; ++a) {
        for (std::size_t b = ae; b < n; ++b) {
          const float v = dot(u + a * n + b, u + b * n + b, n - b);
          p[a * n + b] = v;
          p[b * n + a] = v;
        }
      }
    }
    report(progress, "gram-inverse", ae, n);
  }
}

}  // namespace

float dot(const float* x, const float* y, std::size_t len) noexcept {
  float s[8] = {};
  std::size_t k = 0;
  for (; k + 8 <= len; k += 8) {
    for (int l = 0; l < 8; ++l) s[l] += x[k + l] * y[k + l];
  }
  float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; k < len; ++k) r += x[k] * y[k];
  return r;
}

bool spd_inverse(std::vector<float>& a, std::size_t n, std::vector<float>& work,
                 const linalg_progress& progress) {
  if (n == 0) return true;
  if (!cholesky(a.data(), n, progress)) return false;
  work.assign(n * n, 0.0f);
  lower_inverse(a.data(), work.data(), n, progress);
  // a := (L^-1)^T, the upper factor U with A^-1 = U U^T. Tiled transpose.
  constexpr std::size_t tile = 32;
  for (std::size_t i0 = 0; i0 < n; i0 += tile) {
    for (std::size_t j0 = 0; j0 <= i0; j0 += tile) {
      for (std::size_t i = i0; i < std::min(n, i0 + tile); ++i) {
        for (std::size_t j = j0; j < std::min(i + 1, j0 + tile); ++j) {
          a[j * n + i] = work[i * n + j];
          if (j != i) a[i * n + j] = 0.0f;
        }
      }
    }
  }
  upper_gram(a.data(), work.data(), n, progress);
  a.swap(work);
  return true;
}

}  // namespace tailor::train_detail
