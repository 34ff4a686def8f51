// The MLP ranker: one ReLU hidden layer, logistic output, trained by seeded
// mini-batch Adam. Single-threaded, fixed summation order: the same rows and
// options give the same bits on every platform.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/det_math.hpp"
#include "training_rows.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

// splitmix64: small, seedable, identical everywhere.
struct prng {
  uint64_t state;
  uint64_t next() noexcept {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() noexcept { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
};

struct adam {
  static constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  std::vector<double> m, v;
  double b1_t = 1.0, b2_t = 1.0;  // b1^t, b2^t by products (no libm pow)
  explicit adam(std::size_t n) : m(n, 0.0), v(n, 0.0) {}
  void step(std::vector<double>& w, const std::vector<double>& g, double lr) {
    b1_t *= b1;
    b2_t *= b2;
    const double c1 = 1.0 - b1_t, c2 = 1.0 - b2_t;
    for (std::size_t i = 0; i < w.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    }
  }
};

status check_mlp_input(const std::vector<float>& x, const std::vector<uint8_t>& y, const mlp_options& o,
                       const std::vector<float>& row_weights) {
  const std::size_t f = ranker_feature_count;
  if (o.hidden_units < 1 || o.hidden_units > limits::max_hidden_units) {
    return make_error(errc::limit_exceeded, "hidden_units must be in 1.." + std::to_string(limits::max_hidden_units));
  }
  if (o.epochs < 1 || o.epochs > limits::max_mlp_epochs) {
    return make_error(errc::limit_exceeded, "epochs must be in 1.." + std::to_string(limits::max_mlp_epochs));
  }
  if (o.ensemble < 1 || static_cast<uint64_t>(o.ensemble) * o.hidden_units > limits::max_hidden_units) {
    return make_error(errc::limit_exceeded,
                      "ensemble x hidden_units must be in 1.." + std::to_string(limits::max_hidden_units));
  }
  if (o.batch < 1) return make_error(errc::invalid_config, "batch must be >= 1");
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    return make_error(errc::invalid_config, "learning_rate must be > 0");
  }
  if (!(o.l2 >= 0) || !std::isfinite(o.l2)) return make_error(errc::invalid_config, "l2 must be >= 0");
  return detail::check_training_rows(x, f, y.size(), row_weights);
}

// One network from one seed (inputs checked by the caller).
ranker_model train_member(const std::vector<float>& x, const std::vector<uint8_t>& y, const mlp_options& o,
                          const std::vector<float>& row_weights, const std::vector<uint32_t>& groups, uint64_t seed) {
  const std::size_t f = ranker_feature_count, h = o.hidden_units, rows = y.size();
  // Standardise the columns; a constant column gets scale 1 (it then reads 0).
  std::vector<double> mean(f, 0.0), scale(f, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < f; ++k) mean[k] += x[r * f + k];
  }
  for (double& v : mean) v /= static_cast<double>(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < f; ++k) scale[k] += (x[r * f + k] - mean[k]) * (x[r * f + k] - mean[k]);
  }
  // A constant column carries nothing: its weights are fixed at 0, so a value seen
  // only when serving (say, a feature dropped in training) cannot move a score.
  std::vector<char> constant(f, 0);
  for (std::size_t k = 0; k < f; ++k) {
    constant[k] = !(scale[k] > 1e-12 * static_cast<double>(rows));
    scale[k] = constant[k] ? 1.0 : std::sqrt(scale[k] / static_cast<double>(rows));
  }
  std::vector<double> xs(x.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < f; ++k) xs[r * f + k] = (x[r * f + k] - mean[k]) / scale[k];
  }
  // Parameters: W1 (h x f), b1 (h), w2 (h), b2 (1), in one vector for Adam.
  const std::size_t n_w1 = h * f, o_b1 = n_w1, o_w2 = o_b1 + h, o_b2 = o_w2 + h, n = o_b2 + 1;
  std::vector<double> p(n, 0.0), g(n, 0.0);
  prng rng{seed};
  const double a1 = std::sqrt(6.0 / static_cast<double>(f + h)), a2 = std::sqrt(6.0 / static_cast<double>(h + 1));
  for (std::size_t i = 0; i < n_w1; ++i) p[i] = (2 * rng.uniform() - 1) * a1;
  for (std::size_t i = 0; i < n_w1; ++i) {
    if (constant[i % f]) p[i] = 0.0;
  }
  for (std::size_t j = 0; j < h; ++j) p[o_w2 + j] = (2 * rng.uniform() - 1) * a2;
  double positives = 0;
  for (auto v : y) positives += v ? 1 : 0;
  const double base = std::clamp(positives / static_cast<double>(rows), 1e-4, 1 - 1e-4);
  p[o_b2] = detail::det_log(base / (1 - base));
  adam opt(n);
  // Shuffled units: single rows (pointwise), or each group's rows (listwise).
  std::vector<std::size_t> unit_start{0};
  for (std::size_t r = 1; r < rows; ++r) {
    if (!o.listwise || groups[r] != groups[r - 1]) unit_start.push_back(r);
  }
  const std::size_t units = unit_start.size();
  unit_start.push_back(rows);
  std::vector<std::size_t> order(units);
  for (std::size_t u = 0; u < units; ++u) order[u] = u;
  std::vector<double> act, z;
  auto forward = [&](std::size_t r, double* a) {
    const double* xr = xs.data() + r * f;
    double out = p[o_b2];
    for (std::size_t j = 0; j < h; ++j) {
      const double* w = p.data() + j * f;
      double s = p[o_b1 + j];
      for (std::size_t k = 0; k < f; ++k) s += w[k] * xr[k];
      a[j] = s > 0 ? s : 0.0;
      out += p[o_w2 + j] * a[j];
    }
    return out;
  };
  auto backward = [&](std::size_t r, const double* a, double dz) {
    const double* xr = xs.data() + r * f;
    g[o_b2] += dz;
    for (std::size_t j = 0; j < h; ++j) {
      if (a[j] <= 0) continue;
      g[o_w2 + j] += dz * a[j];
      const double back = dz * p[o_w2 + j];
      g[o_b1 + j] += back;
      double* gw = g.data() + j * f;
      for (std::size_t k = 0; k < f; ++k) gw[k] += back * xr[k];
    }
  };
  for (uint32_t epoch = 0; epoch < o.epochs; ++epoch) {
    for (std::size_t i = units; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    for (std::size_t u = 0; u < units;) {
      std::fill(g.begin(), g.end(), 0.0);
      double weight = 0;  // rows (pointwise) or groups (listwise) in this batch
      for (std::size_t batch_rows = 0; u < units && batch_rows < o.batch; ++u) {
        const std::size_t first = unit_start[order[u]], last = unit_start[order[u] + 1];
        batch_rows += last - first;
        act.resize((last - first) * h);
        z.resize(last - first);
        for (std::size_t r = first; r < last; ++r) z[r - first] = forward(r, act.data() + (r - first) * h);
        if (!o.listwise) {
          const double rw = row_weights.empty() ? 1.0 : row_weights[first];
          backward(first, act.data(), rw * (detail::det_sigmoid(z[0]) - (y[first] ? 1.0 : 0.0)));
          weight += 1;
          continue;
        }
        // Softmax cross-entropy of the group's positives: d/dz_r = softmax_r - y_r / positives.
        double pos = 0, top = z[0];
        for (std::size_t r = first; r < last; ++r) {
          pos += y[r] ? 1 : 0;
          top = std::max(top, z[r - first]);
        }
        if (pos == 0) continue;
        double sum = 0;
        for (double& v : z) sum += (v = detail::det_exp(v - top));
        for (std::size_t r = first; r < last; ++r) {
          backward(r, act.data() + (r - first) * h, z[r - first] / sum - (y[r] ? 1.0 / pos : 0.0));
        }
        weight += 1;
      }
      if (weight == 0) continue;
      const double inv = 1.0 / weight;
      for (std::size_t i = 0; i < n; ++i) g[i] *= inv;
      for (std::size_t i = 0; i < n_w1; ++i) g[i] = constant[i % f] ? 0.0 : g[i] + o.l2 * p[i];
      for (std::size_t j = 0; j < h; ++j) g[o_w2 + j] += o.l2 * p[o_w2 + j];
      opt.step(p, g, o.learning_rate);
    }
  }
  // Fold the standardisation into the first layer: W1 (x - mean) / scale + b1.
  ranker_model m;
  m.hidden_units = static_cast<uint32_t>(h);
  m.hidden_weights.resize(n_w1);
  m.hidden_bias.resize(h);
  for (std::size_t j = 0; j < h; ++j) {
    double b = p[o_b1 + j];
    for (std::size_t k = 0; k < f; ++k) {
      const double w = p[j * f + k] / scale[k];
      m.hidden_weights[j * f + k] = static_cast<float>(w);
      b -= w * mean[k];
    }
    m.hidden_bias[j] = static_cast<float>(b);
    m.weights.push_back(static_cast<float>(p[o_w2 + j]));
  }
  m.bias = static_cast<float>(p[o_b2]);
  return m;
}

}  // namespace

result<ranker_model> train_mlp_ranker(const std::vector<float>& x, const std::vector<uint8_t>& y, const mlp_options& o,
                                      const std::vector<float>& row_weights, const std::vector<uint32_t>& groups) noexcept {
  try {
    if (auto s = check_mlp_input(x, y, o, row_weights); !s) return s.error();
    if (o.listwise && groups.size() != y.size()) {
      return make_error(errc::invalid_config, "listwise training needs one group per row");
    }
    // An ensemble averages its members' logits: one wider network whose output
    // weights are divided by the member count (still Gemm/Relu/Gemm/Sigmoid).
    ranker_model m;
    const float share = 1.0f / static_cast<float>(o.ensemble);
    for (uint32_t e = 0; e < o.ensemble; ++e) {
      const ranker_model one = train_member(x, y, o, row_weights, groups, o.seed + e);
      m.hidden_units += one.hidden_units;
      m.hidden_weights.insert(m.hidden_weights.end(), one.hidden_weights.begin(), one.hidden_weights.end());
      m.hidden_bias.insert(m.hidden_bias.end(), one.hidden_bias.begin(), one.hidden_bias.end());
      for (float w : one.weights) m.weights.push_back(o.ensemble == 1 ? w : w * share);
      m.bias += o.ensemble == 1 ? one.bias : one.bias * share;
    }
    return m;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
