// Scoring a shopper's history against every item: the offline full ranking.
#include <algorithm>
#include <array>
#include <cmath>

#include "common/det_math.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

constexpr std::array<std::string_view, 10> method_names{"popular", "trending",    "repeat", "itemknn",
                                                        "ease",    "ease_sparse", "blend",  "ranker",
                                                        "embedding", "session"};

// Scales v so its maximum is 1 (no-op when all are <= 0).
void normalise_max(std::vector<double>& v) {
  double mx = 0;
  for (double x : v) mx = std::max(mx, x);
  if (mx > 0) {
    for (double& x : v) x /= mx;
  }
}

}  // namespace

std::string_view score_method_name(score_method m) noexcept {
  return method_names[static_cast<std::size_t>(m)];
}

std::optional<score_method> parse_score_method(std::string_view name) noexcept {
  for (std::size_t i = 0; i < method_names.size(); ++i) {
    if (method_names[i] == name) return static_cast<score_method>(i);
  }
  return std::nullopt;
}

void fold_in(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
             const score_options& o, std::vector<double>& out) {
  const std::size_t n = m.items.size();
  const std::size_t d = m.factor_dim;
  out.assign(d, 0.0);
  if (d == 0 || m.item_factors.size() != n * d) return;
  // Input per distinct item: the newest event's decay (presence) or the decayed weighted count.
  std::vector<std::pair<uint32_t, double>> input;
  for (const auto& h : history) {
    if (h.item >= n) continue;
    const double dec = detail::half_life_decay(now_ms - h.ts_ms, o.history_half_life_days);
    input.emplace_back(h.item, o.presence_input ? dec : weight_of(o.weights, h.type) * dec);
  }
  std::sort(input.begin(), input.end());
  for (std::size_t a = 0; a < input.size();) {
    std::size_t b = a;
    double x = 0;
    for (; b < input.size() && input[b].first == input[a].first; ++b) {
      x = o.presence_input ? std::max(x, input[b].second) : x + input[b].second;
    }
    const float* v = m.item_factors.data() + static_cast<std::size_t>(input[a].first) * d;
    for (std::size_t c = 0; c < d; ++c) out[c] += x * v[c];
    a = b;
  }
}

void score_items(const model& m, const std::vector<history_entry>& history, int64_t now_ms,
                 const score_options& o, std::vector<double>& out) {
  const std::size_t n = m.items.size();
  out.assign(n, 0.0);
  // Distinct history items with recency-weighted strength and purchase counts.
  std::vector<double> own(n, 0.0);
  std::vector<double> bought(n, 0.0);
  std::vector<double> presence(n, 0.0);
  std::vector<uint32_t> distinct;
  for (const auto& h : history) {
    if (h.item >= n) continue;
    if (own[h.item] == 0.0 && bought[h.item] == 0.0) distinct.push_back(h.item);
    const double w = weight_of(o.weights, h.type) * detail::half_life_decay(now_ms - h.ts_ms, o.history_half_life_days);
    own[h.item] += w;
    presence[h.item] = std::max(presence[h.item], detail::half_life_decay(now_ms - h.ts_ms, o.history_half_life_days));
    if (h.type == event_type::purchase) bought[h.item] += 1.0;
  }
  std::sort(distinct.begin(), distinct.end());
  double max_buyers = 0;
  for (float b : m.buyers) max_buyers = std::max<double>(max_buyers, b);

  const std::vector<double>& input = o.presence_input ? presence : own;
  auto add_neighbours = [&](const neighbour_lists& nl, std::vector<double>& acc, bool weighted) {
    if (nl.offsets.size() != n + 1) return;
    for (uint32_t h : distinct) {
      const double x = weighted ? input[h] : 1.0;
      for (uint32_t k = nl.offsets[h]; k < nl.offsets[h + 1]; ++k) acc[nl.items[k]] += x * nl.weights[k];
    }
  };
  auto add_ease_dense = [&](std::vector<double>& acc, bool weighted) {
    const std::size_t e = m.ease_items.size();
    if (e == 0 || m.ease_b.size() != e * e) return;
    std::vector<double> row_acc(e, 0.0);
    for (uint32_t h : distinct) {
      const int32_t r = m.ease_index[h];
      if (r < 0) continue;
      const double x = weighted ? input[h] : 1.0;
      const float* row = m.ease_b.data() + static_cast<std::size_t>(r) * e;
      for (std::size_t j = 0; j < e; ++j) row_acc[j] += x * row[j];
    }
    for (std::size_t j = 0; j < e; ++j) acc[m.ease_items[j]] += row_acc[j];
  };

  auto add_embedding = [&](std::vector<double>& acc) {
    const std::size_t d = m.factor_dim;
    if (d == 0 || m.item_factors.size() != n * d) return;
    std::vector<double> u;
    fold_in(m, history, now_ms, o, u);
    for (std::size_t i = 0; i < n; ++i) {
      const float* v = m.item_factors.data() + i * d;
      double s = 0;
      for (std::size_t c = 0; c < d; ++c) s += u[c] * v[c];
      acc[i] += s;
    }
  };

  switch (o.method) {
    case score_method::embedding:
      add_embedding(out);
      return;
    case score_method::popular:
      for (std::size_t i = 0; i < n; ++i) out[i] = m.buyers[i];
      return;
    case score_method::trending:
      for (std::size_t i = 0; i < n; ++i) out[i] = m.trending[i];
      return;
    case score_method::repeat:
      // Own purchase count first; popularity (< 1) breaks ties and fills the rest.
      for (std::size_t i = 0; i < n; ++i) out[i] = bought[i] + m.buyers[i] / (max_buyers + 1.0);
      return;
    case score_method::itemknn:
      add_neighbours(m.covisit, out, false);
      return;
    case score_method::ease:
      add_ease_dense(out, false);
      return;
    case score_method::ease_sparse:
      add_neighbours(m.ease_neighbours, out, false);
      return;
    case score_method::ranker:  // the blend; evaluation re-ranks its top candidates
    case score_method::session:
    case score_method::blend: {
      std::vector<double> part(n, 0.0);
      auto mix = [&](double w) {
        if (w == 0) return;
        normalise_max(part);
        for (std::size_t i = 0; i < n; ++i) out[i] += w * part[i];
        std::fill(part.begin(), part.end(), 0.0);
      };
      if (o.repeat_weight != 0) {
        for (uint32_t h : distinct) {
          part[h] = own[h];
          if (o.repeat_rate_power != 0 && h < m.repeat_rate.size() && m.repeat_rate[h] > 0) {
            part[h] *= detail::det_exp(o.repeat_rate_power * detail::det_log(m.repeat_rate[h]));
          }
        }
        mix(o.repeat_weight);
      }
      if (o.ease_weight != 0) {
        if (!m.ease_b.empty()) {
          add_ease_dense(part, true);
        } else {
          add_neighbours(m.ease_neighbours, part, true);
        }
        mix(o.ease_weight);
      }
      if (o.knn_weight != 0) {
        add_neighbours(m.covisit, part, true);
        mix(o.knn_weight);
      }
      if (o.method == score_method::session && o.session_weight != 0 && m.transitions.offsets.size() == n + 1) {
        // Newest history rows first: weight 1, 1/2, 1/3, ... per position back.
        std::vector<const history_entry*> recent;
        for (const auto& h : history) {
          if (h.item < n) recent.push_back(&h);
        }
        std::stable_sort(recent.begin(), recent.end(),
                         [](const history_entry* a, const history_entry* b) { return a->ts_ms > b->ts_ms; });
        for (std::size_t p = 0; p < recent.size() && p < limits::max_session_window; ++p) {
          const uint32_t h = recent[p]->item;
          const double x = 1.0 / static_cast<double>(p + 1);
          for (uint32_t k = m.transitions.offsets[h]; k < m.transitions.offsets[h + 1]; ++k) {
            part[m.transitions.items[k]] += x * m.transitions.weights[k];
          }
        }
        mix(o.session_weight);
      }
      if (o.uknn_weight != 0 && m.item_users.offsets.size() == n + 1 && !distinct.empty()) {
        // The shopper's vector: decayed weighted counts, L2-normalised.
        double norm = 0;
        for (uint32_t h : distinct) norm += own[h] * own[h];
        norm = std::sqrt(norm);
        const std::size_t users = m.user_items.offsets.size() - 1;
        std::vector<double> sim(users, 0.0);
        std::vector<uint32_t> near;
        for (uint32_t h : distinct) {
          const double q = norm > 0 ? own[h] / norm : 0.0;
          for (uint32_t k = m.item_users.offsets[h]; k < m.item_users.offsets[h + 1]; ++k) {
            const uint32_t v = m.item_users.items[k];
            if (sim[v] == 0.0) near.push_back(v);
            sim[v] += q * m.item_users.weights[k];
          }
        }
        const std::size_t k = std::min<std::size_t>(near.size(), static_cast<std::size_t>(std::max(1.0, o.uknn_k)));
        std::partial_sort(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(k), near.end(),
                          [&](uint32_t a, uint32_t b) { return sim[a] != sim[b] ? sim[a] > sim[b] : a < b; });
        for (std::size_t r = 0; r < k; ++r) {
          const uint32_t v = near[r];
          for (uint32_t e = m.user_items.offsets[v]; e < m.user_items.offsets[v + 1]; ++e) {
            part[m.user_items.items[e]] += sim[v] * m.user_items.weights[e];
          }
        }
        mix(o.uknn_weight);
      }
      if (o.embed_weight != 0) {
        add_embedding(part);
        mix(o.embed_weight);
      }
      if (o.trend_weight != 0) {
        for (std::size_t i = 0; i < n; ++i) part[i] = m.trending[i];
        mix(o.trend_weight);
      }
      if (o.pop_weight != 0) {
        for (std::size_t i = 0; i < n; ++i) part[i] = m.buyers[i];
        mix(o.pop_weight);
      }
      // Popularity as the last tie-break among equal scores.
      for (std::size_t i = 0; i < n; ++i) out[i] += 1e-9 * m.buyers[i] / (max_buyers + 1.0);
      return;
    }
  }
}

}  // namespace tailor
