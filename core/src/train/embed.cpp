// Item embeddings by seeded subspace iteration on the decayed user x item matrix
// X (entries: 2^(-age/half-life) of the user's newest event on the item).
// Q <- orth(X^T X Q) a fixed number of times, then a Rayleigh-Ritz step on
// Q^T X^T X Q gives the top right singular vectors V; the item embeddings are
// the rows of V. A shopper's vector is x_u V (fold-in, no solve), so the score
// x_u V V^T is the projection of their history onto the top-d item space.
#include "train/embed.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/det_math.hpp"

namespace tailor::train_detail {
namespace {

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Modified Gram-Schmidt over the k columns (each of length n, column-major).
// A column that collapses is replaced by a fresh seeded one and re-orthogonalised.
void orthonormalise(std::vector<double>& q, std::size_t n, std::size_t k, uint64_t& seed) {
  for (std::size_t c = 0; c < k; ++c) {
    double* qc = q.data() + c * n;
    for (int attempt = 0; attempt < 3; ++attempt) {
      for (std::size_t p = 0; p < c; ++p) {
        const double* qp = q.data() + p * n;
        double d = 0;
        for (std::size_t i = 0; i < n; ++i) d += qp[i] * qc[i];
        for (std::size_t i = 0; i < n; ++i) qc[i] -= d * qp[i];
      }
      double norm = 0;
      for (std::size_t i = 0; i < n; ++i) norm += qc[i] * qc[i];
      norm = std::sqrt(norm);
      if (norm > 1e-12) {
        for (std::size_t i = 0; i < n; ++i) qc[i] /= norm;
        break;
      }
      for (std::size_t i = 0; i < n; ++i) qc[i] = static_cast<double>(splitmix(seed) >> 11) * 0x1.0p-53 - 0.5;
    }
  }
}

}  // namespace

void symmetric_eigen(std::vector<double> a, std::size_t k, std::vector<double>& values,
                     std::vector<double>& vectors) {
  std::vector<double> v(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i) v[i * k + i] = 1.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, diag = 0;
    for (std::size_t p = 0; p < k; ++p) {
      diag += a[p * k + p] * a[p * k + p];
      for (std::size_t q = p + 1; q < k; ++q) off += a[p * k + q] * a[p * k + q];
    }
    if (off <= 1e-30 * (diag + 1e-300)) break;
    for (std::size_t p = 0; p < k; ++p) {
      for (std::size_t q = p + 1; q < k; ++q) {
        const double apq = a[p * k + q];
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (a[q * k + q] - a[p * k + p]) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::size_t r = 0; r < k; ++r) {  // columns p, q
          const double arp = a[r * k + p], arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (std::size_t r = 0; r < k; ++r) {  // rows p, q
          const double apr = a[p * k + r], aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (std::size_t r = 0; r < k; ++r) {
          const double vrp = v[r * k + p], vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return a[x * k + x] > a[y * k + y]; });
  values.assign(k, 0.0);
  vectors.assign(k * k, 0.0);
  for (std::size_t c = 0; c < k; ++c) {
    values[c] = a[order[c] * k + order[c]];
    // Sign convention: the largest-magnitude component of each vector is positive.
    double big = 0;
    for (std::size_t r = 0; r < k; ++r) {
      if (std::fabs(v[r * k + order[c]]) > std::fabs(big)) big = v[r * k + order[c]];
    }
    const double sign = big < 0 ? -1.0 : 1.0;
    for (std::size_t r = 0; r < k; ++r) vectors[r * k + c] = sign * v[r * k + order[c]];
  }
}

status factorise(const interaction_log& log, const train_options& o, model& m, const progress_fn& progress) {
  m.factor_dim = 0;
  m.item_factors.clear();
  m.factor_strength.clear();
  const std::size_t n = log.items.size();
  if (o.embedding_dim == 0 || n == 0) return ok_value;
  // Sparse rows of X: distinct items per user with the newest event's decay.
  std::vector<uint32_t> row_off{0}, cols;
  std::vector<double> vals;
  std::vector<double> entry(n, 0.0);
  std::vector<uint32_t> touched;
  for (std::size_t u = 0; u + 1 < log.user_offsets.size(); ++u) {
    touched.clear();
    for (uint32_t r = log.user_offsets[u]; r < log.user_offsets[u + 1]; ++r) {
      const auto& row = log.rows[r];
      const double w = std::max(detail::half_life_decay(log.max_ts_ms - row.ts_ms, o.embedding_half_life_days), 1e-30);
      if (entry[row.item] == 0.0) touched.push_back(row.item);
      entry[row.item] = std::max(entry[row.item], w);
    }
    std::sort(touched.begin(), touched.end());
    for (uint32_t i : touched) {
      cols.push_back(i);
      vals.push_back(entry[i]);
      entry[i] = 0.0;
    }
    row_off.push_back(static_cast<uint32_t>(cols.size()));
  }
  const std::size_t users = row_off.size() - 1;
  const std::size_t d = std::min<std::size_t>(o.embedding_dim, n);
  const std::size_t k = std::min<std::size_t>(n, d + 16);  // oversampling
  uint64_t seed = o.embedding_seed;
  std::vector<double> q(n * k), z(users * k), w(n * k);
  for (double& x : q) x = static_cast<double>(splitmix(seed) >> 11) * 0x1.0p-53 - 0.5;
  orthonormalise(q, n, k, seed);
  auto x_times = [&](const std::vector<double>& in, std::vector<double>& out) {  // out = X in
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t c = 0; c < k; ++c) {
      const double* ic = in.data() + c * n;
      double* oc = out.data() + c * users;
      for (std::size_t u = 0; u < users; ++u) {
        double s = 0;
        for (uint32_t e = row_off[u]; e < row_off[u + 1]; ++e) s += vals[e] * ic[cols[e]];
        oc[u] = s;
      }
    }
  };
  auto xt_times = [&](const std::vector<double>& in, std::vector<double>& out) {  // out = X^T in
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t c = 0; c < k; ++c) {
      const double* ic = in.data() + c * users;
      double* oc = out.data() + c * n;
      for (std::size_t u = 0; u < users; ++u) {
        const double x = ic[u];
        for (uint32_t e = row_off[u]; e < row_off[u + 1]; ++e) oc[cols[e]] += vals[e] * x;
      }
    }
  };
  for (uint32_t it = 0; it < o.embedding_iterations; ++it) {
    x_times(q, z);
    xt_times(z, w);
    q.swap(w);
    orthonormalise(q, n, k, seed);
    if (progress) progress("embeddings", (it + 1.0) / (o.embedding_iterations + 1.0));
  }
  // Rayleigh-Ritz: B = (X Q)^T (X Q), k x k.
  x_times(q, z);
  std::vector<double> b(k * k, 0.0);
  for (std::size_t r = 0; r < k; ++r) {
    for (std::size_t c = r; c < k; ++c) {
      double s = 0;
      const double* zr = z.data() + r * users;
      const double* zc = z.data() + c * users;
      for (std::size_t u = 0; u < users; ++u) s += zr[u] * zc[u];
      b[r * k + c] = b[c * k + r] = s;
    }
  }
  std::vector<double> values, vectors;
  symmetric_eigen(std::move(b), k, values, vectors);
  m.factor_dim = static_cast<uint32_t>(d);
  m.item_factors.assign(n * d, 0.0f);
  m.factor_strength.assign(d, 0.0f);
  for (std::size_t c = 0; c < d; ++c) m.factor_strength[c] = static_cast<float>(std::sqrt(std::max(values[c], 0.0)));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < d; ++c) {
      double s = 0;
      for (std::size_t r = 0; r < k; ++r) s += q[r * n + i] * vectors[r * k + c];
      m.item_factors[i * d + c] = static_cast<float>(s);
    }
  }
  if (progress) progress("embeddings", 1.0);
  return ok_value;
}

}  // namespace tailor::train_detail
