// The learned ranker: features, logistic scoring, Newton training.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/det_math.hpp"
#include "tailor/repeat_features.hpp"
#include "tailor/train.hpp"
#include "training_rows.hpp"

namespace tailor {
namespace {

constexpr std::array<std::string_view, ranker_feature_count> names{
    "own_score", "own_count", "repeat_rate", "ease", "covisit",
    "trending",  "popularity", "recency",    "is_own", "blend", "embedding", "order_share",
    "orders",    "days_since_order", "shopper_items", "item_days", "days_since_item", "due", "own_due"};

constexpr double ms_per_day = 86'400'000.0;

// Solves a * x = b (n x n, symmetric positive definite) by Cholesky in double.
bool solve_spd(std::vector<double> a, std::vector<double> b, std::size_t n, std::vector<double>& x) {
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    a[j * n + j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / a[j * n + j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (std::size_t k = 0; k < i; ++k) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t k = i + 1; k < n; ++k) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  x = std::move(b);
  return true;
}

}  // namespace

std::string_view ranker_feature_name(uint32_t i) noexcept { return i < names.size() ? names[i] : ""; }

void ranker_features(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                     const score_options& o, const std::vector<uint32_t>& candidates, std::vector<float>& out) {
  const std::size_t n = m.items.size();
  std::vector<double> blend, ease;
  score_items(m, history, now_ms, o, blend);
  score_options eo = o;
  eo.method = score_method::blend;
  eo.repeat_weight = 0;
  eo.trend_weight = 0;
  eo.pop_weight = 0;
  eo.knn_weight = 0;
  eo.ease_weight = 1;
  score_items(m, history, now_ms, eo, ease);
  std::vector<double> knn;
  eo.ease_weight = 0;
  eo.knn_weight = 1;
  score_items(m, history, now_ms, eo, knn);
  std::vector<double> emb;
  eo.knn_weight = 0;
  eo.method = score_method::embedding;
  score_items(m, history, now_ms, eo, emb);
  double max_emb = 0;
  for (double v : emb) max_emb = std::max(max_emb, v);
  // Orders: distinct purchase timestamps; order_share = share of them holding the item.
  std::vector<std::pair<int64_t, uint32_t>> orders;
  for (const auto& h : history) {
    if (h.type == event_type::purchase && h.item < n) orders.emplace_back(h.ts_ms, h.item);
  }
  std::sort(orders.begin(), orders.end());
  orders.erase(std::unique(orders.begin(), orders.end()), orders.end());
  std::vector<double> in_orders(n, 0.0);
  double order_count = 0;
  for (std::size_t k = 0; k < orders.size(); ++k) {
    if (k == 0 || orders[k].first != orders[k - 1].first) order_count += 1;
    in_orders[orders[k].second] += 1;
  }
  const repeat_profile rp = repeat_profile_of(history, n, now_ms);
  std::vector<double> own(n, 0.0), count(n, 0.0), last_age(n, -1.0);
  double max_own = 0, max_ease = 0, max_blend = 0, max_trend = 0, max_pop = 0;
  for (const auto& h : history) {
    if (h.item >= n) continue;
    const double age = static_cast<double>(now_ms - h.ts_ms) / ms_per_day;
    own[h.item] += weight_of(o.weights, h.type) *
                   (age <= 0 || o.history_half_life_days <= 0 ? 1.0
                                                              : detail::det_exp2(-age / o.history_half_life_days));
    if (h.type == event_type::purchase) count[h.item] += 1;
    if (last_age[h.item] < 0 || age < last_age[h.item]) last_age[h.item] = std::max(0.0, age);
  }
  for (std::size_t i = 0; i < n; ++i) {
    max_own = std::max(max_own, own[i]);
    max_ease = std::max(max_ease, ease[i]);
    max_blend = std::max(max_blend, blend[i]);
    max_trend = std::max<double>(max_trend, m.trending[i]);
    max_pop = std::max<double>(max_pop, m.buyers[i]);
  }
  auto nz = [](double v, double mx) { return mx > 0 ? v / mx : 0.0; };
  out.assign(candidates.size() * ranker_feature_count, 0.0f);
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const uint32_t i = candidates[c];
    if (i >= n) continue;
    float* f = out.data() + c * ranker_feature_count;
    f[0] = static_cast<float>(nz(own[i], max_own));
    f[1] = static_cast<float>(detail::det_log(1.0 + count[i]));
    f[2] = i < m.repeat_rate.size() ? m.repeat_rate[i] : 0.0f;
    f[3] = static_cast<float>(nz(ease[i], max_ease));
    f[4] = static_cast<float>(knn[i]);  // co-visitation, max-normalised
    f[5] = static_cast<float>(nz(m.trending[i], max_trend));
    f[6] = static_cast<float>(detail::det_log(1.0 + m.buyers[i]) / detail::det_log(2.0 + max_pop));
    f[7] = last_age[i] < 0 ? 0.0f : static_cast<float>(detail::det_exp2(-last_age[i] / 30.0));
    f[8] = own[i] > 0 ? 1.0f : 0.0f;
    f[9] = static_cast<float>(nz(blend[i], max_blend));
    f[10] = static_cast<float>(nz(emb[i], max_emb));
    f[11] = order_count > 0 ? static_cast<float>(in_orders[i] / order_count) : 0.0f;
    repeat_features(rp, i, i < m.repeat_gap_days.size() ? m.repeat_gap_days[i] : 0.0, f + repeat_feature_first);
  }
}

float ranker_score(const ranker_model& r, const float* x) noexcept {
  float z = 0.0f;
  if (r.hidden_units == 0) {
    for (uint32_t k = 0; k < ranker_feature_count && k < r.weights.size(); ++k) z += r.weights[k] * x[k];
  } else {
    if (r.hidden_weights.size() != static_cast<std::size_t>(r.hidden_units) * ranker_feature_count ||
        r.hidden_bias.size() != r.hidden_units || r.weights.size() != r.hidden_units) {
      return std::numeric_limits<float>::quiet_NaN();  // a malformed model sinks its rows (callers check)
    }
    for (uint32_t j = 0; j < r.hidden_units; ++j) {
      const float* w = r.hidden_weights.data() + static_cast<std::size_t>(j) * ranker_feature_count;
      float a = 0.0f;
      for (uint32_t k = 0; k < ranker_feature_count; ++k) a += w[k] * x[k];
      a += r.hidden_bias[j];
      if (a > 0.0f) z += r.weights[j] * a;
    }
  }
  z += r.bias;
  return static_cast<float>(detail::det_sigmoid(static_cast<double>(z)));
}

result<ranker_model> train_ranker(const std::vector<float>& x, const std::vector<uint8_t>& y, double l2,
                                  uint32_t iterations) noexcept {
  return train_logistic(x, ranker_feature_count, y, l2, iterations);
}

result<ranker_model> train_logistic(const std::vector<float>& x, uint32_t feature_count, const std::vector<uint8_t>& y,
                                    double l2, uint32_t iterations, const std::vector<float>& row_weights) noexcept {
  try {
    const std::size_t f = feature_count;
    const std::size_t rows = y.size();
    if (f == 0 || f > limits::max_logistic_features) {
      return make_error(errc::limit_exceeded,
                        "feature_count must be in 1.." + std::to_string(limits::max_logistic_features));
    }
    if (!(l2 >= 0) || !std::isfinite(l2)) return make_error(errc::invalid_config, "l2 must be >= 0");
    if (auto checked = detail::check_training_rows(x, f, rows, row_weights); !checked) return checked.error();
    const std::size_t p = f + 1;  // + bias
    std::vector<double> w(p, 0.0);
    for (uint32_t it = 0; it < iterations; ++it) {
      std::vector<double> h(p * p, 0.0), g(p, 0.0);
      for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * f;
        double z = w[f];
        for (std::size_t k = 0; k < f; ++k) z += w[k] * xr[k];
        const double pr = detail::det_sigmoid(z);
        const double rw = row_weights.empty() ? 1.0 : row_weights[r];
        const double err = rw * (pr - (y[r] ? 1.0 : 0.0));
        const double s = rw * std::max(pr * (1.0 - pr), 1e-9);
        for (std::size_t a = 0; a < p; ++a) {
          const double xa = a < f ? xr[a] : 1.0;
          g[a] += err * xa;
          for (std::size_t b = 0; b <= a; ++b) h[a * p + b] += s * xa * (b < f ? xr[b] : 1.0);
        }
      }
      for (std::size_t a = 0; a < p; ++a) {
        for (std::size_t b = 0; b < a; ++b) h[b * p + a] = h[a * p + b];
        if (a < f) {
          h[a * p + a] += l2;
          g[a] += l2 * w[a];
        } else {
          h[a * p + a] += 1e-9;
        }
      }
      std::vector<double> step;
      if (!solve_spd(h, g, p, step)) return make_error(errc::internal, "logistic: singular Hessian");
      double change = 0;
      for (std::size_t a = 0; a < p; ++a) {
        w[a] -= step[a];
        change = std::max(change, std::fabs(step[a]));
      }
      if (change < 1e-10) break;
    }
    ranker_model m;
    for (std::size_t k = 0; k < f; ++k) m.weights.push_back(static_cast<float>(w[k]));
    m.bias = static_cast<float>(w[f]);
    return m;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

double roc_auc(const std::vector<float>& scores, const std::vector<uint8_t>& labels) {
  const std::size_t n = std::min(scores.size(), labels.size());
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney U with mid-ranks for ties.
  double pos = 0, rank_sum = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[idx[j]] == scores[idx[i]]) ++j;
    const double mid = (static_cast<double>(i) + 1.0 + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) {
      if (labels[idx[k]]) {
        pos += 1;
        rank_sum += mid;
      }
    }
    i = j;
  }
  const double neg = static_cast<double>(n) - pos;
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

}  // namespace tailor
