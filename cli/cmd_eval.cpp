#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "tailor/eval.hpp"
#include "tailor/train.hpp"

namespace tailor::cli {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

progress_fn progress_printer(bool enabled) {
  if (!enabled) return {};
  auto start = std::chrono::steady_clock::now();
  return [start, last = std::string(), last_pct = -1](std::string_view stage, double f) mutable {
    const int pct = static_cast<int>(f * 100);
    if (stage == last && pct == last_pct) return;
    last = std::string(stage);
    last_pct = pct;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r  %-14s %3d%%  %6.1fs", last.c_str(), pct, s);
    if (pct >= 100) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

bool train_options_from_flags(const args& a, train_options& t) {
  double d = 0;
  d = t.ease_lambda;
  if (!number_flag(a, "lambda", d)) return false;
  t.ease_lambda = d;
  d = t.top_n;
  if (!number_flag(a, "top-n", d)) return false;
  t.top_n = static_cast<uint32_t>(d);
  d = t.ease_max_items;
  if (!number_flag(a, "ease-items", d)) return false;
  t.ease_max_items = static_cast<uint32_t>(d);
  d = t.ease_top_n;
  if (!number_flag(a, "ease-top-n", d)) return false;
  t.ease_top_n = static_cast<uint32_t>(d);
  if (!number_flag(a, "half-life", t.half_life_days)) return false;
  if (!number_flag(a, "trend-half-life", t.trending_half_life_days)) return false;
  if (!number_flag(a, "ease-half-life", t.ease_half_life_days)) return false;
  t.ease = !has_flag(a, "no-ease");
  d = t.embedding_dim;
  if (!number_flag(a, "dim", d)) return false;
  t.embedding_dim = static_cast<uint32_t>(d);
  d = t.embedding_iterations;
  if (!number_flag(a, "emb-iterations", d)) return false;
  t.embedding_iterations = static_cast<uint32_t>(d);
  if (!number_flag(a, "emb-half-life", t.embedding_half_life_days)) return false;
  d = t.session_window;
  if (!number_flag(a, "session-window", d)) return false;
  t.session_window = static_cast<uint32_t>(d);
  if (has_flag(a, "norm")) {
    auto n = parse_normalisation(flag(a, "norm"));
    if (!n) {
      std::cerr << "tailor: --norm must be none, cosine, jaccard or lift\n";
      return false;
    }
    t.norm = *n;
  }
  if (has_flag(a, "scope")) {
    const std::string s = flag(a, "scope");
    if (s != "user" && s != "session") {
      std::cerr << "tailor: --scope must be user or session\n";
      return false;
    }
    t.scope = s == "user" ? covisit_scope::user : covisit_scope::session;
  }
  if (has_flag(a, "binary")) {  // unweighted, undecayed co-counts (the classic item-kNN)
    t.binary = true;
  }
  return true;
}

// Blend weights; each flag may list several values ("0,0.1,0.3"): every
// combination is evaluated on the one trained model (a grid search).
struct grid_axis {
  const char* flag;
  double score_options::*field;
  std::vector<double> values;
};

bool score_grid_from_flags(const args& a, std::vector<grid_axis>& axes) {
  axes = {{"w-repeat", &score_options::repeat_weight, {}}, {"w-ease", &score_options::ease_weight, {}},
          {"w-knn", &score_options::knn_weight, {}},       {"w-trend", &score_options::trend_weight, {}},
          {"w-pop", &score_options::pop_weight, {}},       {"w-embed", &score_options::embed_weight, {}},
          {"w-session", &score_options::session_weight, {}},
          {"w-uknn", &score_options::uknn_weight, {}},     {"uknn-k", &score_options::uknn_k, {}},
          {"history-half-life", &score_options::history_half_life_days, {}},
          {"repeat-power", &score_options::repeat_rate_power, {}}};
  for (auto& ax : axes) {
    if (!has_flag(a, ax.flag)) continue;
    for (const auto& v : split_commas(flag(a, ax.flag))) {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (*end != '\0') {
        std::cerr << "tailor: --" << ax.flag << " expects numbers, got \"" << v << "\"\n";
        return false;
      }
      ax.values.push_back(d);
    }
  }
  return true;
}

// Every combination of the axes' values applied to base.
std::vector<std::pair<score_options, std::string>> expand_grid(const score_options& base,
                                                               const std::vector<grid_axis>& axes) {
  std::vector<std::pair<score_options, std::string>> out{{base, ""}};
  for (const auto& ax : axes) {
    if (ax.values.empty()) continue;
    std::vector<std::pair<score_options, std::string>> next;
    for (const auto& [so, label] : out) {
      for (double v : ax.values) {
        auto s2 = so;
        s2.*(ax.field) = v;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%s=%g", label.empty() ? "" : " ", ax.flag, v);
        next.emplace_back(s2, label + buf);
      }
    }
    out = std::move(next);
  }
  return out;
}

int cmd_eval(const args& a) {
  const std::string train_path = flag(a, "train"), test_path = flag(a, "test");
  if (train_path.empty() || test_path.empty()) {
    std::cerr
        << "usage: tailor eval --train EVENTS.jsonl --test CASES.tsv [--sessions]\n"
           "         [--method blend,ease,...] [--variant all,new] [--k 10,20] [--json]\n"
           "         [--sample N --seed S] [--progress]\n"
           "  training: --lambda 200 --ease-items 6000 --ease-top-n 200 --top-n 100\n"
           "            --norm cosine|jaccard|lift|none --scope user|session --binary\n"
           "            --half-life DAYS --trend-half-life DAYS --ease-half-life DAYS --no-ease\n"
           "            --dim 64 --emb-iterations 8 --emb-half-life DAYS (item embeddings; --dim 0: none)\n"
           "            --session-window 3 (sequential rules of method session; 0: none)\n"
           "  blend:    --w-repeat --w-ease --w-knn --w-trend --w-pop --w-embed --w-session --history-half-life DAYS\n"
           "            --w-uknn W --uknn-k 300 (user-kNN vote, evaluation only)\n"
           "            --repeat-power P --count-input (each weight flag takes a list: a grid)\n"
           "  methods:  popular trending repeat itemknn ease ease_sparse embedding session blend ranker (--ranker F --ranker-candidates 100)\n";
    return 2;
  }
  const bool show_progress = has_flag(a, "progress") || isatty(2);
  train_options topt;
  score_options sopt;
  std::vector<grid_axis> axes;
  if (!train_options_from_flags(a, topt) || !score_grid_from_flags(a, axes)) return 2;
  if (has_flag(a, "count-input")) sopt.presence_input = false;
  const auto grid = expand_grid(sopt, axes);
  eval_options eopt;
  eopt.ks.clear();
  for (const auto& k : split_commas(flag(a, "k", "10,20"))) eopt.ks.push_back(static_cast<uint32_t>(std::stoul(k)));
  double d = 0;
  if (!number_flag(a, "sample", d)) return 2;
  eopt.sample = static_cast<uint32_t>(d);
  d = eopt.ranker_candidates;
  if (!number_flag(a, "ranker-candidates", d)) return 2;
  if (d < 1 || d > limits::max_ranker_candidates) {
    std::cerr << "tailor: --ranker-candidates must be in 1.." << limits::max_ranker_candidates << "\n";
    return 2;
  }
  eopt.ranker_candidates = static_cast<uint32_t>(d);
  d = 42;
  if (!number_flag(a, "seed", d)) return 2;
  eopt.seed = static_cast<uint64_t>(d);

  std::string train_text, test_text, err;
  if (!read_maybe_gzip(train_path, train_text, err) || !read_maybe_gzip(test_path, test_text, err)) {
    std::cerr << "tailor: " << (err.empty() ? "cannot read input" : err) << "\n";
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto batch = decode_event_lines(train_text);
  if (!batch) {
    std::cerr << "tailor: " << train_path << ": " << batch.error().message << "\n";
    return 1;
  }
  for (const auto& e : batch->rejected) {
    std::cerr << train_path << ": " << e.where << ": " << errc_name(e.code) << ": " << e.message << "\n";
  }
  auto log = build_log(batch->events);
  if (!log) {
    std::cerr << "tailor: " << log.error().message << "\n";
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  auto m = train(log.value(), topt, progress_printer(show_progress));
  if (!m) {
    std::cerr << "tailor: train: " << errc_name(m.error().code) << ": " << m.error().message << "\n";
    return 1;
  }
  auto t2 = std::chrono::steady_clock::now();
  std::cerr << "events " << batch->events.size() << " (rejected " << batch->rejected.size() << "), users "
            << log->users.size() << ", items " << log->items.size() << ", rows " << log->rows.size()
            << "; load " << std::chrono::duration<double>(t1 - t0).count() << " s, train "
            << std::chrono::duration<double>(t2 - t1).count() << " s\n";

  const bool sessions = has_flag(a, "sessions");
  std::vector<shopper_truth> pcases;
  std::vector<session_case> scases;
  if (sessions) {
    auto c = parse_session_cases(test_text);
    if (!c) {
      std::cerr << "tailor: " << test_path << ": " << c.error().where << ": " << c.error().message << "\n";
      return 1;
    }
    scases = std::move(c.value());
  } else {
    auto c = parse_purchase_cases(test_text);
    if (!c) {
      std::cerr << "tailor: " << test_path << ": " << c.error().where << ": " << c.error().message << "\n";
      return 1;
    }
    pcases = std::move(c.value());
  }
  ranker_model ranker;
  if (has_flag(a, "ranker")) {
    if (!read_ranker(flag(a, "ranker"), ranker)) return 1;
    eopt.ranker = &ranker;
  }
  const bool as_json = has_flag(a, "json");
  if (!as_json) std::printf("%-12s %-7s %6s %4s %8s %8s %8s %8s %8s %8s\n", "method", "variant", "cases", "k",
                            "recall", "ndcg", "hr", "prec", "mrr", "coverage");
  for (const auto& method : split_commas(flag(a, "method", "blend"))) {
    auto sm = parse_score_method(method);
    if (!sm) {
      std::cerr << "tailor: unknown --method \"" << method << "\"\n";
      return 2;
    }
    for (const auto& [grid_options, grid_label] : grid)
    for (const auto& variant : split_commas(flag(a, "variant", "all"))) {
      if (variant != "all" && variant != "new") {
        std::cerr << "tailor: --variant must be all or new\n";
        return 2;
      }
      eopt.scoring = grid_options;
      eopt.scoring.method = *sm;
      eopt.exclude_history = variant == "new";
      if (*sm == score_method::ranker && !eopt.ranker) {
        std::cerr << "tailor: --method ranker needs --ranker RANKER.json (tailor train-ranker)\n";
        return 2;
      }
      auto rep = sessions ? evaluate_sessions(m.value(), scases, eopt)
                          : evaluate_purchases(m.value(), log.value(), pcases, eopt);
      if (!rep) {
        std::cerr << "tailor: eval: " << errc_name(rep.error().code) << ": " << rep.error().message << "\n";
        return 1;
      }
      if (as_json) {
        std::cout << rep->to_json() << (grid_label.empty() ? "" : "\t" + grid_label) << "\n";
        continue;
      }
      for (const auto& r : rep->at) {
        std::printf("%-12s %-7s %6u %4u %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f  %s\n", method.c_str(),
                    variant.c_str(), rep->cases, r.k, r.recall, r.ndcg, r.hit_rate, r.precision, r.mrr,
                    r.coverage, grid_label.c_str());
      }
    }
  }
  return 0;
}

}  // namespace tailor::cli
