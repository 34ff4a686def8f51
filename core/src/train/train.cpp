// Training: popularity, trending, co-visitation neighbours and EASE.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "common/det_math.hpp"
#include "tailor/train.hpp"
#include "train/embed.hpp"
#include "train/linalg.hpp"

namespace tailor {
namespace {

struct weighted_item {
  uint32_t item;
  float w;
};

// Per group (user or session): distinct items with summed decayed weights.
std::vector<std::vector<weighted_item>> groups_of(const interaction_log& log, const train_options& o) {
  std::vector<std::vector<weighted_item>> groups;
  const bool by_user = o.scope == covisit_scope::user;
  std::size_t k = 0;
  std::vector<float> acc(log.items.size(), 0.0f);
  std::vector<int64_t> last(log.items.size(), 0);
  std::vector<uint32_t> touched;
  while (k < log.rows.size()) {
    const uint32_t key = by_user ? log.rows[k].user : log.rows[k].session;
    std::size_t e = k;
    while (e < log.rows.size() && (by_user ? log.rows[e].user : log.rows[e].session) == key) ++e;
    touched.clear();
    for (std::size_t r = k; r < e; ++r) {
      const auto& row = log.rows[r];
      if (acc[row.item] == 0.0f) touched.push_back(row.item);
      acc[row.item] += static_cast<float>(weight_of(o.weights, row.type) *
                                          detail::half_life_decay(log.max_ts_ms - row.ts_ms, o.half_life_days));
      if (acc[row.item] == 0.0f) acc[row.item] = 1e-30f;  // keep it "touched"
      last[row.item] = std::max(last[row.item], row.ts_ms);
    }
    // Newest distinct items first, capped.
    std::sort(touched.begin(), touched.end(), [&](uint32_t a, uint32_t b) {
      return last[a] != last[b] ? last[a] > last[b] : a < b;
    });
    if (touched.size() > o.max_items_per_user) touched.resize(o.max_items_per_user);
    std::vector<weighted_item> g;
    g.reserve(touched.size());
    for (uint32_t it : touched) g.push_back({it, o.binary ? 1.0f : acc[it]});
    std::sort(g.begin(), g.end(), [](const weighted_item& a, const weighted_item& b) { return a.item < b.item; });
    for (std::size_t r = k; r < e; ++r) {
      acc[log.rows[r].item] = 0.0f;
      last[log.rows[r].item] = 0;
    }
    if (g.size() >= 1) groups.push_back(std::move(g));
    k = e;
  }
  return groups;
}

struct scored {
  uint32_t item;
  float w;
};

void append_top(std::vector<scored>& cand, uint32_t top_n, neighbour_lists& out) {
  auto better = [](const scored& a, const scored& b) { return a.w != b.w ? a.w > b.w : a.item < b.item; };
  if (cand.size() > top_n) {
    std::nth_element(cand.begin(), cand.begin() + top_n, cand.end(), better);
    cand.resize(top_n);
  }
  std::sort(cand.begin(), cand.end(), better);
  for (const auto& c : cand) {
    out.items.push_back(c.item);
    out.weights.push_back(c.w);
  }
  out.offsets.push_back(static_cast<uint32_t>(out.items.size()));
}

void covisitation(const interaction_log& log, const train_options& o, model& m,
                  const progress_fn& progress) {
  const std::size_t n = log.items.size();
  auto groups = groups_of(log, o);
  // Inverted index: groups of each item with the item's weight there.
  std::vector<std::vector<weighted_item>> by_item(n);
  std::vector<double> q(n, 0.0), s(n, 0.0);
  for (uint32_t g = 0; g < groups.size(); ++g) {
    for (const auto& wi : groups[g]) {
      by_item[wi.item].push_back({g, wi.w});
      q[wi.item] += static_cast<double>(wi.w) * wi.w;
      s[wi.item] += wi.w;
    }
  }
  const double total_groups = static_cast<double>(groups.size());
  std::vector<double> acc(n, 0.0);
  std::vector<uint32_t> touched;
  std::vector<scored> cand;
  m.covisit = {};
  m.covisit.offsets.push_back(0);
  for (uint32_t i = 0; i < n; ++i) {
    touched.clear();
    for (const auto& gi : by_item[i]) {
      for (const auto& wj : groups[gi.item]) {
        if (wj.item == i) continue;
        if (acc[wj.item] == 0.0) touched.push_back(wj.item);
        acc[wj.item] += static_cast<double>(gi.w) * wj.w;
      }
    }
    cand.clear();
    for (uint32_t j : touched) {
      const double c = acc[j];
      acc[j] = 0.0;
      double w = c;
      switch (o.norm) {
        case normalisation::none: break;
        case normalisation::cosine: w = c / std::sqrt(q[i] * q[j]); break;
        case normalisation::jaccard: w = c / (q[i] + q[j] - c); break;
        case normalisation::lift: w = c * total_groups / (s[i] * s[j]); break;
      }
      if (std::isfinite(w) && w > 0) cand.push_back({j, static_cast<float>(w)});
    }
    append_top(cand, o.top_n, m.covisit);
    if (progress && (i % 256 == 0 || i + 1 == n)) progress("co-visitation", (i + 1.0) / n);
  }
}

// Calls fn(begin, end) for each run of one shopper's rows (a shopper's rows are contiguous).
template <class Fn>
void for_each_user_run(const interaction_log& log, Fn&& fn) {
  for (std::size_t k = 0; k < log.rows.size();) {
    std::size_t e = k + 1;
    while (e < log.rows.size() && log.rows[e].user == log.rows[k].user) ++e;
    fn(k, e);
    k = e;
  }
}

// Typical repurchase interval per item: the geometric mean of the gaps (in whole
// UTC days) between a shopper's consecutive purchase days of the item, over all
// shoppers, shrunk towards the global mean log gap with a prior of 5 gaps.
void repurchase_gaps(const interaction_log& log, bool any_purchase, model& m) {
  const std::size_t n = log.items.size();
  constexpr int64_t ms_per_day = 86'400'000;
  std::vector<double> log_sum(n, 0.0), gaps(n, 0.0);
  std::vector<int64_t> last_day(n, INT64_MIN);
  std::vector<uint32_t> touched;
  for_each_user_run(log, [&](std::size_t begin, std::size_t end) {
    touched.clear();
    for (std::size_t j = begin; j < end; ++j) {
      const auto& r = log.rows[j];
      if (r.type != event_type::purchase && any_purchase) continue;
      const int64_t day = r.ts_ms >= 0 ? r.ts_ms / ms_per_day : -((-r.ts_ms + ms_per_day - 1) / ms_per_day);
      if (last_day[r.item] == INT64_MIN) {
        touched.push_back(r.item);
      } else if (day > last_day[r.item]) {
        log_sum[r.item] += detail::det_log(static_cast<double>(day - last_day[r.item]));
        gaps[r.item] += 1;
      }
      last_day[r.item] = day;
    }
    for (uint32_t i : touched) last_day[i] = INT64_MIN;
  });
  double total = 0, count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    total += log_sum[i];
    count += gaps[i];
  }
  const double global = count > 0 ? total / count : detail::det_log(30.0);
  constexpr double prior = 5.0;
  m.repeat_gap_days.assign(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    m.repeat_gap_days[i] = static_cast<float>(detail::det_exp((log_sum[i] + prior * global) / (gaps[i] + prior)));
  }
}

void user_vectors(const interaction_log& log, const train_options& o, model& m) {
  const std::size_t n = log.items.size();
  m.user_items = {};
  m.user_items.offsets.push_back(0);
  std::vector<double> acc(n, 0.0);
  std::vector<uint32_t> touched;
  std::vector<uint32_t> users_of(n + 1, 0);
  for (std::size_t u = 0; u + 1 < log.user_offsets.size(); ++u) {
    touched.clear();
    for (uint32_t r = log.user_offsets[u]; r < log.user_offsets[u + 1]; ++r) {
      const auto& row = log.rows[r];
      if (acc[row.item] == 0.0) touched.push_back(row.item);
      acc[row.item] += weight_of(o.weights, row.type) * detail::half_life_decay(log.max_ts_ms - row.ts_ms, o.user_half_life_days) + 1e-12;
    }
    std::sort(touched.begin(), touched.end());
    double norm = 0;
    for (uint32_t i : touched) norm += acc[i] * acc[i];
    norm = std::sqrt(norm);
    for (uint32_t i : touched) {
      m.user_items.items.push_back(i);
      m.user_items.weights.push_back(static_cast<float>(norm > 0 ? acc[i] / norm : 0.0));
      ++users_of[i + 1];
      acc[i] = 0.0;
    }
    m.user_items.offsets.push_back(static_cast<uint32_t>(m.user_items.items.size()));
  }
  for (std::size_t i = 0; i < n; ++i) users_of[i + 1] += users_of[i];
  m.item_users.offsets = users_of;
  m.item_users.items.assign(m.user_items.items.size(), 0);
  m.item_users.weights.assign(m.user_items.items.size(), 0.0f);
  std::vector<uint32_t> fill(users_of.begin(), users_of.end() - 1);
  for (uint32_t u = 0; u + 1 < m.user_items.offsets.size(); ++u) {
    for (uint32_t k = m.user_items.offsets[u]; k < m.user_items.offsets[u + 1]; ++k) {
      const uint32_t i = m.user_items.items[k];
      m.item_users.items[fill[i]] = u;
      m.item_users.weights[fill[i]++] = m.user_items.weights[k];
    }
  }
}

// Sequential rules: for rows r < q of one session with q - r <= window, i = item(r),
// j = item(q) gets 1/(q - r); each source row is divided by its total.
void sequential_rules(const interaction_log& log, const train_options& o, model& m, const progress_fn& progress) {
  const std::size_t n = log.items.size();
  std::vector<std::vector<std::pair<uint32_t, float>>> out(n);
  for (std::size_t r = 0; r < log.rows.size(); ++r) {
    const auto& a = log.rows[r];
    for (std::size_t q = r + 1; q < log.rows.size() && q <= r + o.session_window; ++q) {
      const auto& b = log.rows[q];
      if (b.user != a.user || b.session != a.session) break;
      out[a.item].emplace_back(b.item, 1.0f / static_cast<float>(q - r));
    }
  }
  m.transitions = {};
  m.transitions.offsets.push_back(0);
  std::vector<scored> cand;
  for (uint32_t i = 0; i < n; ++i) {
    auto& v = out[i];
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    double total = 0;
    for (const auto& e : v) total += e.second;
    cand.clear();
    for (std::size_t k = 0; k < v.size();) {
      std::size_t e = k;
      double w = 0;
      for (; e < v.size() && v[e].first == v[k].first; ++e) w += v[e].second;
      cand.push_back({v[k].first, static_cast<float>(w / total)});
      k = e;
    }
    append_top(cand, o.top_n, m.transitions);
    std::vector<std::pair<uint32_t, float>>().swap(v);
  }
  if (progress) progress("session rules", 1.0);
}

status ease(const interaction_log& log, const train_options& o, model& m, const progress_fn& progress) {
  const std::size_t n_items = log.items.size();
  // The most-bought items enter EASE.
  std::vector<uint32_t> order(n_items);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return m.buyers[a] > m.buyers[b]; });
  if (order.size() > o.ease_max_items) order.resize(o.ease_max_items);
  std::sort(order.begin(), order.end());
  m.ease_items = order;
  m.ease_index.assign(n_items, -1);
  for (uint32_t r = 0; r < order.size(); ++r) m.ease_index[order[r]] = static_cast<int32_t>(r);
  const std::size_t n = order.size();
  std::vector<float> g(n * n, 0.0f);
  // Gram matrix of the binary user x item matrix.
  // Entry of (user, item): 1, or the decay of the user's newest event on it.
  std::vector<uint32_t> items;
  std::vector<float> entry(n, 0.0f);
  for (std::size_t u = 0; u + 1 < log.user_offsets.size(); ++u) {
    items.clear();
    for (uint32_t r = log.user_offsets[u]; r < log.user_offsets[u + 1]; ++r) {
      const int32_t e = m.ease_index[log.rows[r].item];
      if (e < 0) continue;
      const float w = o.ease_half_life_days > 0
                          ? static_cast<float>(detail::half_life_decay(log.max_ts_ms - log.rows[r].ts_ms, o.ease_half_life_days))
                          : 1.0f;
      if (entry[static_cast<uint32_t>(e)] == 0.0f) items.push_back(static_cast<uint32_t>(e));
      entry[static_cast<uint32_t>(e)] = std::max(entry[static_cast<uint32_t>(e)], std::max(w, 1e-20f));
    }
    std::sort(items.begin(), items.end());
    for (uint32_t a : items) {
      float* row = g.data() + static_cast<std::size_t>(a) * n;
      const float wa = entry[a];
      for (uint32_t b : items) row[b] += wa * entry[b];
    }
    for (uint32_t a : items) entry[a] = 0.0f;
    if (progress && (u % 512 == 0)) progress("gram", static_cast<double>(u) / log.users.size());
  }
  if (progress) progress("gram", 1.0);
  for (std::size_t d = 0; d < n; ++d) g[d * n + d] += static_cast<float>(o.ease_lambda);
  std::vector<float> work;
  if (!train_detail::spd_inverse(g, n, work, progress)) {
    return make_error(errc::invalid_config, "EASE: Gram matrix is not positive definite; raise ease_lambda");
  }
  // B = I - P diag(1/diag P): B[i][j] = -P[i][j] / P[j][j], zero diagonal.
  std::vector<float> inv_diag(n);
  for (std::size_t j = 0; j < n; ++j) inv_diag[j] = 1.0f / g[j * n + j];
  for (std::size_t i = 0; i < n; ++i) {
    float* row = g.data() + i * n;
    for (std::size_t j = 0; j < n; ++j) row[j] = -row[j] * inv_diag[j];
    row[i] = 0.0f;
  }
  // Sparse top rows for the bundle, in model item indices.
  m.ease_neighbours = {};
  m.ease_neighbours.offsets.push_back(0);
  std::vector<scored> cand;
  for (uint32_t i = 0; i < n_items; ++i) {
    cand.clear();
    const int32_t e = m.ease_index[i];
    if (e >= 0) {
      const float* row = g.data() + static_cast<std::size_t>(e) * n;
      for (std::size_t j = 0; j < n; ++j) {
        if (row[j] > 0.0f) cand.push_back({order[j], row[j]});
      }
    }
    append_top(cand, o.ease_top_n, m.ease_neighbours);
  }
  m.ease_b = std::move(g);
  if (progress) progress("ease", 1.0);
  return ok_value;
}

}  // namespace

float weight_of(const event_weights& w, event_type type) noexcept {
  switch (type) {
    case event_type::view: return w.view;
    case event_type::click: return w.click;
    case event_type::add_to_cart: return w.add_to_cart;
    case event_type::purchase: return w.purchase;
    default: return 0.0f;
  }
}

std::string_view normalisation_name(normalisation n) noexcept {
  switch (n) {
    case normalisation::none: return "none";
    case normalisation::cosine: return "cosine";
    case normalisation::jaccard: return "jaccard";
    case normalisation::lift: return "lift";
  }
  return "none";
}

std::optional<normalisation> parse_normalisation(std::string_view name) noexcept {
  for (auto n : {normalisation::none, normalisation::cosine, normalisation::jaccard, normalisation::lift}) {
    if (normalisation_name(n) == name) return n;
  }
  return std::nullopt;
}

result<model> train(const interaction_log& log, const train_options& o, const progress_fn& progress) noexcept {
  try {
    if (o.top_n < 1 || o.top_n > limits::max_neighbours || o.ease_top_n > limits::max_neighbours) {
      return make_error(errc::limit_exceeded,
                        "top_n and ease_top_n must be in 1.." + std::to_string(limits::max_neighbours));
    }
    if (o.ease && (o.ease_max_items < 1 || o.ease_max_items > limits::max_ease_items)) {
      return make_error(errc::limit_exceeded,
                        "ease_max_items must be in 1.." + std::to_string(limits::max_ease_items));
    }
    if (!(o.ease_lambda > 0) || !std::isfinite(o.ease_lambda)) {
      return make_error(errc::invalid_config, "ease_lambda must be a positive number");
    }
    if (!(o.half_life_days >= 0) || !(o.trending_half_life_days >= 0) || o.max_items_per_user < 1) {
      return make_error(errc::invalid_config, "half lives must be >= 0 and max_items_per_user >= 1");
    }
    if (o.embedding_dim > limits::max_factor_dim || o.embedding_iterations > limits::max_factor_iterations) {
      return make_error(errc::limit_exceeded, "embedding_dim must be <= " + std::to_string(limits::max_factor_dim) +
                                                  " and embedding_iterations <= " +
                                                  std::to_string(limits::max_factor_iterations));
    }
    if (o.session_window > limits::max_session_window) {
      return make_error(errc::limit_exceeded, "session_window must be <= " + std::to_string(limits::max_session_window));
    }
    if (!(o.embedding_half_life_days >= 0)) return make_error(errc::invalid_config, "embedding half life must be >= 0");
    model m;
    m.items = log.items;
    m.trained_until_ms = log.max_ts_ms;
    const std::size_t n = log.items.size();
    // Popularity: distinct purchasers (distinct interactors when nothing was bought).
    m.buyers.assign(n, 0.0f);
    m.trending.assign(n, 0.0f);
    bool any_purchase = false;
    for (const auto& r : log.rows) any_purchase |= r.type == event_type::purchase;
    std::vector<uint32_t> last_user(n, UINT32_MAX);
    std::vector<double> trend(n, 0.0);
    for (const auto& r : log.rows) {
      if ((!any_purchase || r.type == event_type::purchase) && last_user[r.item] != r.user) {
        last_user[r.item] = r.user;  // rows are grouped by user
        m.buyers[r.item] += 1.0f;
      }
      trend[r.item] += weight_of(o.weights, r.type) * detail::half_life_decay(log.max_ts_ms - r.ts_ms, o.trending_half_life_days);
    }
    for (std::size_t i = 0; i < n; ++i) m.trending[i] = static_cast<float>(trend[i]);
    // Repeat propensity: buyers with purchases of the item in two or more sessions,
    // smoothed towards the global rate with a prior of 10 buyers.
    {
      std::vector<uint32_t> buyers(n, 0), repeaters(n, 0), sessions_of(n, 0), last_session(n, UINT32_MAX);
      std::vector<uint32_t> touched;
      for_each_user_run(log, [&](std::size_t begin, std::size_t end) {
        touched.clear();
        for (std::size_t j = begin; j < end; ++j) {
          const auto& r = log.rows[j];
          if (r.type != event_type::purchase && any_purchase) continue;
          if (sessions_of[r.item] == 0) touched.push_back(r.item);
          if (last_session[r.item] != r.session) {
            last_session[r.item] = r.session;
            ++sessions_of[r.item];
          }
        }
        for (uint32_t i : touched) {
          ++buyers[i];
          if (sessions_of[i] >= 2) ++repeaters[i];
          sessions_of[i] = 0;
          last_session[i] = UINT32_MAX;
        }
      });
      double tb = 0, tr = 0;
      for (std::size_t i = 0; i < n; ++i) {
        tb += buyers[i];
        tr += repeaters[i];
      }
      const double global = tb > 0 ? tr / tb : 0.0;
      constexpr double prior = 10.0;
      m.repeat_rate.assign(n, 0.0f);
      for (std::size_t i = 0; i < n; ++i) {
        m.repeat_rate[i] = static_cast<float>((repeaters[i] + prior * global) / (buyers[i] + prior));
      }
    }
    repurchase_gaps(log, any_purchase, m);
    covisitation(log, o, m, progress);
    if (o.ease && n > 0) {
      if (auto s = ease(log, o, m, progress); !s) return s.error();
    } else {
      m.ease_neighbours.offsets.assign(n + 1, 0);
      m.ease_index.assign(n, -1);
    }
    if (auto s = train_detail::factorise(log, o, m, progress); !s) return s.error();
    user_vectors(log, o, m);
    if (o.session_window > 0) {
      sequential_rules(log, o, m, progress);
    } else {
      m.transitions.offsets.assign(n + 1, 0);
    }
    return m;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while training");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
