// Offline evaluation: test-case formats, full ranking, metrics at K.
#include "tailor/eval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "common/det_math.hpp"
#include "common/json.hpp"

namespace tailor {
namespace {

using detail::json;

struct line_view {
  std::size_t number;
  std::string_view text;
};

// Splits text into non-blank, non-comment lines.
std::vector<line_view> lines_of(std::string_view text) {
  std::vector<line_view> out;
  std::size_t pos = 0, no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos || line[0] == '#') continue;
    out.push_back({no, line});
  }
  return out;
}

status split_ids(std::string_view s, std::vector<std::string>& out, const std::string& where) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    std::size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    if (end > pos) {
      std::string_view id = s.substr(pos, end - pos);
      if (id.size() > limits::max_id_bytes) {
        return make_error(errc::limit_exceeded,
                          "item id longer than " + std::to_string(limits::max_id_bytes) + " bytes", where);
      }
      if (!detail::is_valid_utf8(id)) return make_error(errc::invalid_field, "item id is not UTF-8", where);
      out.emplace_back(id);
      if (out.size() > limits::max_eval_items_per_case) {
        return make_error(errc::limit_exceeded,
                          "more than " + std::to_string(limits::max_eval_items_per_case) + " items",
                          where);
      }
    }
    pos = end;
  }
  return ok_value;
}

status check_case_count(std::size_t n) {
  if (n > limits::max_eval_cases) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_eval_cases) + " test cases");
  }
  return ok_value;
}

// splitmix64: our own seeded generator (std distributions differ per library).
uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<std::size_t> sample_indices(std::size_t n, uint32_t sample, uint64_t seed) {
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  if (sample == 0 || sample >= n) return idx;
  uint64_t s = seed;
  for (std::size_t i = 0; i < sample; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(splitmix(s) % (n - i));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(sample);
  std::sort(idx.begin(), idx.end());
  return idx;
}

status check_options(const eval_options& o) {
  if (o.ks.empty()) return make_error(errc::invalid_config, "ks must not be empty", "ks");
  for (uint32_t k : o.ks) {
    if (k < 1 || k > limits::max_eval_k) {
      return make_error(errc::limit_exceeded, "k must be in 1.." + std::to_string(limits::max_eval_k), "ks");
    }
  }
  return ok_value;
}

// The per-case metrics that are averaged over cases (coverage is a set, not a mean).
constexpr std::array<double metrics_at_k::*, 5> averaged{&metrics_at_k::recall, &metrics_at_k::precision,
                                                        &metrics_at_k::hit_rate, &metrics_at_k::ndcg,
                                                        &metrics_at_k::mrr};

// Accumulates metrics over cases.
struct accumulator {
  std::vector<uint32_t> ks;
  std::vector<metrics_at_k> sum;
  std::vector<std::set<uint32_t>> shown;
  uint32_t cases = 0;

  explicit accumulator(const std::vector<uint32_t>& k) : ks(k), sum(k.size()), shown(k.size()) {}

  void add(const std::vector<uint32_t>& ranked, const std::vector<uint32_t>& truth) {
    for (std::size_t i = 0; i < ks.size(); ++i) {
      const auto r = rank_metrics(ranked, truth, ks[i]);
      for (auto field : averaged) sum[i].*field += r.*field;
      for (std::size_t p = 0; p < std::min<std::size_t>(ks[i], ranked.size()); ++p) shown[i].insert(ranked[p]);
    }
    ++cases;
  }

  std::vector<metrics_at_k> finish(std::size_t candidates) const {
    std::vector<metrics_at_k> out(ks.size());
    const double c = cases ? cases : 1;
    for (std::size_t i = 0; i < ks.size(); ++i) {
      out[i].k = ks[i];
      for (auto field : averaged) out[i].*field = sum[i].*field / c;
      out[i].coverage = candidates ? static_cast<double>(shown[i].size()) / candidates : 0.0;
    }
    return out;
  }
};

// One next-period case: the shopper's train history, the items excluded from
// ranking ("new": their own items) and the truth left to find (sorted, distinct).
enum class case_state { ok, unknown_user, no_truth };

struct purchase_case {
  std::vector<history_entry> hist;
  std::vector<char> excluded;
  std::vector<uint32_t> truth;

  explicit purchase_case(std::size_t items) : excluded(items, 0) {}

  case_state load(const interaction_log& log, const shopper_truth& c, bool exclude_history) {
    hist.clear();
    truth.clear();
    std::fill(excluded.begin(), excluded.end(), 0);
    auto u = log.find_user(c.uid);
    if (!u) return case_state::unknown_user;
    for (uint32_t r = log.user_offsets[*u]; r < log.user_offsets[*u + 1]; ++r) {
      const auto& row = log.rows[r];
      hist.push_back({row.item, row.type, row.quantity, row.ts_ms});
      if (exclude_history) excluded[row.item] = 1;
    }
    for (const auto& id : c.items) {
      if (auto it = log.find_item(id); it && !excluded[*it]) truth.push_back(*it);
    }
    std::sort(truth.begin(), truth.end());
    truth.erase(std::unique(truth.begin(), truth.end()), truth.end());
    return truth.empty() ? case_state::no_truth : case_state::ok;
  }
};

// Top max_k item indices by score (descending), ties by index; excluded items skipped.
void rank_top(const std::vector<double>& scores, const std::vector<char>& excluded, uint32_t max_k,
              std::vector<uint32_t>& out) {
  out.clear();
  std::vector<uint32_t> idx;
  idx.reserve(scores.size());
  for (uint32_t i = 0; i < scores.size(); ++i) {
    if (!excluded[i]) idx.push_back(i);
  }
  auto better = [&](uint32_t a, uint32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
  const std::size_t k = std::min<std::size_t>(max_k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), better);
  out.assign(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k));
}

// Re-orders the first ranker_candidates items by the ranker's probability.
void rerank(const model& m, const std::vector<history_entry>& hist, int64_t now, const eval_options& o,
            std::vector<uint32_t>& ranked) {
  if (!o.ranker) return;
  const std::size_t k = std::min<std::size_t>(ranked.size(), o.ranker_candidates);
  std::vector<uint32_t> head(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k));
  std::vector<float> feats;
  ranker_features(m, hist, now, o.scoring, head, feats);
  std::vector<std::pair<float, std::size_t>> order;
  for (std::size_t c = 0; c < k; ++c) {
    float p = ranker_score(*o.ranker, feats.data() + c * ranker_feature_count);
    if (!std::isfinite(p)) p = -1.0f;  // a NaN from a model sinks, it never reorders garbage
    order.emplace_back(p, c);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t c = 0; c < k; ++c) ranked[c] = head[order[c].second];
}

}  // namespace

status ranker_training_rows(const model& m, const interaction_log& log, const std::vector<shopper_truth>& cases,
                            const eval_options& o, std::vector<float>& features, std::vector<uint8_t>& labels,
                            std::vector<uint32_t>* case_of_row) noexcept {
  try {
    if (o.ranker_candidates < 1 || o.ranker_candidates > limits::max_ranker_candidates) {
      return make_error(errc::limit_exceeded,
                        "ranker_candidates must be in 1.." + std::to_string(limits::max_ranker_candidates));
    }
    if (m.items != log.items) return make_error(errc::invalid_config, "the model was not trained on this log");
    features.clear();
    labels.clear();
    if (case_of_row) case_of_row->clear();
    purchase_case in(m.items.size());
    std::vector<double> scores;
    std::vector<uint32_t> ranked;
    std::vector<float> f;
    score_options so = o.scoring;
    so.method = score_method::blend;
    for (std::size_t ci : sample_indices(cases.size(), o.sample, o.seed)) {
      if (in.load(log, cases[ci], o.exclude_history) != case_state::ok) continue;
      score_items(m, in.hist, log.max_ts_ms, so, scores);
      rank_top(scores, in.excluded, o.ranker_candidates, ranked);
      ranker_features(m, in.hist, log.max_ts_ms, so, ranked, f);
      features.insert(features.end(), f.begin(), f.end());
      for (uint32_t i : ranked) labels.push_back(std::binary_search(in.truth.begin(), in.truth.end(), i) ? 1 : 0);
      if (case_of_row) case_of_row->insert(case_of_row->end(), ranked.size(), static_cast<uint32_t>(ci));
    }
    return ok_value;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::vector<shopper_truth>> parse_purchase_cases(std::string_view text) noexcept {
  try {
    std::vector<shopper_truth> out;
    for (const auto& l : lines_of(text)) {
      const std::string where = "line " + std::to_string(l.number);
      auto tab = l.text.find('\t');
      if (tab == std::string_view::npos) {
        return make_error(errc::invalid_field, "expected uid<TAB>item item ...", where);
      }
      shopper_truth t;
      t.uid = std::string(l.text.substr(0, tab));
      if (t.uid.empty() || t.uid.size() > limits::max_id_bytes || !detail::is_valid_utf8(t.uid)) {
        return make_error(errc::invalid_field, "uid must be 1.." + std::to_string(limits::max_id_bytes) +
                                                   " bytes of UTF-8", where);
      }
      std::string_view rest = l.text.substr(tab + 1);
      if (rest.find('\t') != std::string_view::npos) {
        return make_error(errc::invalid_field, "more than one TAB; items are separated by spaces", where);
      }
      if (auto s = split_ids(rest, t.items, where); !s) return s.error();
      if (t.items.empty()) return make_error(errc::invalid_field, "no items after the TAB", where);
      out.push_back(std::move(t));
      if (auto s = check_case_count(out.size()); !s) return s.error();
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::vector<session_case>> parse_session_cases(std::string_view text) noexcept {
  try {
    std::vector<session_case> out;
    for (const auto& l : lines_of(text)) {
      const std::string where = "line " + std::to_string(l.number);
      auto tab = l.text.find('\t');
      if (tab == std::string_view::npos || l.text.find('\t', tab + 1) != std::string_view::npos) {
        return make_error(errc::invalid_field, "expected item item ...<TAB>target", where);
      }
      session_case c;
      if (auto s = split_ids(l.text.substr(0, tab), c.prefix, where); !s) return s.error();
      std::vector<std::string> target;
      if (auto s = split_ids(l.text.substr(tab + 1), target, where); !s) return s.error();
      if (c.prefix.empty()) return make_error(errc::invalid_field, "empty prefix", where);
      if (target.size() != 1) return make_error(errc::invalid_field, "expected exactly one target item", where);
      c.target = std::move(target[0]);
      out.push_back(std::move(c));
      if (auto s = check_case_count(out.size()); !s) return s.error();
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string format_purchase_cases(const std::vector<shopper_truth>& cases) {
  std::string out;
  for (const auto& c : cases) {
    out += c.uid;
    out += '\t';
    for (std::size_t i = 0; i < c.items.size(); ++i) {
      if (i) out += ' ';
      out += c.items[i];
    }
    out += '\n';
  }
  return out;
}

std::string format_session_cases(const std::vector<session_case>& cases) {
  std::string out;
  for (const auto& c : cases) {
    for (std::size_t i = 0; i < c.prefix.size(); ++i) {
      if (i) out += ' ';
      out += c.prefix[i];
    }
    out += '\t';
    out += c.target;
    out += '\n';
  }
  return out;
}

metrics_at_k rank_metrics(const std::vector<uint32_t>& ranked, const std::vector<uint32_t>& truth, uint32_t k) {
  metrics_at_k m;
  m.k = k;
  if (truth.empty()) return m;
  std::vector<uint32_t> t(truth);
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  const double inv_ln2 = 1.0 / detail::det_log(2.0);
  double dcg = 0, idcg = 0;
  uint32_t hits = 0;
  const std::size_t n = std::min<std::size_t>(k, ranked.size());
  for (std::size_t p = 0; p < n; ++p) {
    if (std::binary_search(t.begin(), t.end(), ranked[p])) {
      ++hits;
      dcg += 1.0 / (detail::det_log(static_cast<double>(p) + 2.0) * inv_ln2);
      if (m.mrr == 0) m.mrr = 1.0 / (static_cast<double>(p) + 1.0);
    }
  }
  for (std::size_t p = 0; p < std::min<std::size_t>(k, t.size()); ++p) {
    idcg += 1.0 / (detail::det_log(static_cast<double>(p) + 2.0) * inv_ln2);
  }
  m.recall = static_cast<double>(hits) / t.size();
  m.precision = static_cast<double>(hits) / k;
  m.hit_rate = hits ? 1.0 : 0.0;
  m.ndcg = idcg > 0 ? dcg / idcg : 0.0;
  return m;
}

std::string eval_report::to_json() const {
  json at_k = json::array();
  for (const auto& m : at) {
    at_k.push_back({{"k", m.k},
                    {"recall", detail::round_to(m.recall, 6)},
                    {"precision", detail::round_to(m.precision, 6)},
                    {"hit_rate", detail::round_to(m.hit_rate, 6)},
                    {"ndcg", detail::round_to(m.ndcg, 6)},
                    {"mrr", detail::round_to(m.mrr, 6)},
                    {"coverage", detail::round_to(m.coverage, 6)}});
  }
  return detail::dump_json(json{{"protocol", protocol},
                                {"method", method},
                                {"variant", variant},
                                {"cases", cases},
                                {"skipped_unknown_user", skipped_unknown_user},
                                {"skipped_no_truth", skipped_no_truth},
                                {"candidates", candidates},
                                {"at", at_k}});
}

result<eval_report> evaluate_purchases(const model& m, const interaction_log& log,
                                       const std::vector<shopper_truth>& cases,
                                       const eval_options& o) noexcept {
  try {
    if (auto s = check_options(o); !s) return s.error();
    if (m.items != log.items) {
      return make_error(errc::invalid_config, "the model was not trained on this interaction log");
    }
    eval_report rep;
    rep.protocol = "purchases";
    rep.method = std::string(score_method_name(o.scoring.method));
    rep.variant = o.exclude_history ? "new" : "all";
    const uint32_t max_k = *std::max_element(o.ks.begin(), o.ks.end());
    accumulator acc(o.ks);
    purchase_case in(m.items.size());
    std::vector<double> scores;
    std::vector<uint32_t> ranked;
    for (std::size_t ci : sample_indices(cases.size(), o.sample, o.seed)) {
      switch (in.load(log, cases[ci], o.exclude_history)) {
        case case_state::unknown_user: ++rep.skipped_unknown_user; continue;
        case case_state::no_truth: ++rep.skipped_no_truth; continue;
        case case_state::ok: break;
      }
      score_items(m, in.hist, log.max_ts_ms, o.scoring, scores);
      if (o.scoring.method == score_method::ranker) {
        rank_top(scores, in.excluded, std::max(max_k, o.ranker_candidates), ranked);
        rerank(m, in.hist, log.max_ts_ms, o, ranked);
        if (ranked.size() > max_k) ranked.resize(max_k);
      } else {
        rank_top(scores, in.excluded, max_k, ranked);
      }
      acc.add(ranked, in.truth);
    }
    rep.cases = acc.cases;
    rep.candidates = static_cast<uint32_t>(m.items.size());
    rep.at = acc.finish(m.items.size());
    return rep;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<eval_report> evaluate_sessions(const model& m, const std::vector<session_case>& cases,
                                      const eval_options& o) noexcept {
  try {
    if (auto s = check_options(o); !s) return s.error();
    eval_report rep;
    rep.protocol = "sessions";
    rep.method = std::string(score_method_name(o.scoring.method));
    rep.variant = o.exclude_history ? "new" : "all";
    const uint32_t max_k = *std::max_element(o.ks.begin(), o.ks.end());
    accumulator acc(o.ks);
    std::vector<history_entry> hist;
    std::vector<double> scores;
    std::vector<char> excluded(m.items.size(), 0);
    std::vector<uint32_t> ranked;
    auto find = [&](const std::string& id) -> std::optional<uint32_t> {
      auto it = std::lower_bound(m.items.begin(), m.items.end(), id);
      if (it == m.items.end() || *it != id) return std::nullopt;
      return static_cast<uint32_t>(it - m.items.begin());
    };
    for (std::size_t ci : sample_indices(cases.size(), o.sample, o.seed)) {
      const auto& c = cases[ci];
      hist.clear();
      std::fill(excluded.begin(), excluded.end(), 0);
      // The prefix as views one minute apart, ending at "now".
      const int64_t n = static_cast<int64_t>(c.prefix.size());
      for (int64_t p = 0; p < n; ++p) {
        if (auto it = find(c.prefix[static_cast<std::size_t>(p)])) {
          hist.push_back({*it, event_type::view, 1, m.trained_until_ms - (n - 1 - p) * 60'000});
          if (o.exclude_history) excluded[*it] = 1;
        }
      }
      auto target = find(c.target);
      if (!target || excluded[*target]) {
        ++rep.skipped_no_truth;
        continue;
      }
      score_items(m, hist, m.trained_until_ms, o.scoring, scores);
      rank_top(scores, excluded, max_k, ranked);
      acc.add(ranked, {*target});
    }
    rep.cases = acc.cases;
    rep.candidates = static_cast<uint32_t>(m.items.size());
    rep.at = acc.finish(m.items.size());
    return rep;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
