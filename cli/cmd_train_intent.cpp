#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "tailor/profile.hpp"
#include "tailor/train.hpp"

namespace tailor::cli {
namespace {

// The profile module's default intent weights (the hand-set baseline), read from
// the encoded default profile config.
ranker_model default_intent() {
  ranker_model m;
  auto j = nlohmann::json::parse(encode_profile_config(profile_config{}));
  m.bias = j["intent"]["bias"].get<float>();
  for (uint32_t k = 0; k < intent_feature_count; ++k) {
    m.weights.push_back(j["intent"]["weights"][std::string(intent_feature_name(k))].get<float>());
  }
  return m;
}

float score_row(const ranker_model& m, const float* x) {
  double z = m.bias;
  for (uint32_t k = 0; k < intent_feature_count; ++k) z += static_cast<double>(m.weights[k]) * x[k];
  return static_cast<float>(z);  // a logit ranks like the probability
}

}  // namespace

int cmd_train_intent(const args& a) {
  const std::string events_path = flag(a, "events"), out = flag(a, "out");
  if (events_path.empty() || out.empty()) {
    std::cerr << "usage: tailor train-intent --events EVENTS.jsonl --out INTENT.json\n"
                 "         [--holdout 0.2] [--l2 1] [--seed 42] [--session-gap-minutes 30]\n"
                 "Learns P(purchase in the session) from sessions cut at a seeded random point\n"
                 "before their first purchase; the newest --holdout share of sessions (by start)\n"
                 "is held out and its AUC reported. INTENT.json's \"intent\" object drops into a\n"
                 "profile config unchanged.\n";
    return 2;
  }
  double holdout = 0.2, l2 = 1, seed = 42, gap = 30;
  try {
    holdout = std::stod(flag(a, "holdout", "0.2"));
    l2 = std::stod(flag(a, "l2", "1"));
    seed = std::stod(flag(a, "seed", "42"));
    gap = std::stod(flag(a, "session-gap-minutes", "30"));
  } catch (const std::exception&) {
    std::cerr << "tailor: --holdout, --l2, --seed and --session-gap-minutes expect numbers\n";
    return 2;
  }
  if (!(holdout > 0 && holdout < 1) || !(gap > 0)) {
    std::cerr << "tailor: --holdout must be in (0,1) and --session-gap-minutes > 0\n";
    return 2;
  }
  std::string text, err;
  if (!read_maybe_gzip(events_path, text, err)) return std::cerr << "tailor: " << err << "\n", 1;
  auto batch = decode_event_lines(text);
  if (!batch) return std::cerr << "tailor: " << batch.error().message << "\n", 1;
  intent_options io;
  io.seed = static_cast<uint64_t>(seed);
  io.session_gap_ms = static_cast<int64_t>(gap * 60000.0);
  auto rows = intent_training_rows(batch->events, io);
  if (!rows) return std::cerr << "tailor: intent: " << rows.error().message << "\n", 1;
  const std::size_t n = rows->labels.size();
  if (n < 10) return std::cerr << "tailor: intent: only " << n << " sessions; need at least 10\n", 1;
  // Time-based split: sessions starting at or after the cut are held out.
  std::vector<int64_t> starts = rows->start_ms;
  std::sort(starts.begin(), starts.end());
  const int64_t cut = starts[static_cast<std::size_t>(static_cast<double>(n) * (1.0 - holdout))];
  std::vector<float> xtr, xte;
  std::vector<uint8_t> ytr, yte;
  for (std::size_t i = 0; i < n; ++i) {
    const bool test = rows->start_ms[i] >= cut;
    auto& x = test ? xte : xtr;
    x.insert(x.end(), rows->features.begin() + static_cast<std::ptrdiff_t>(i * intent_feature_count),
             rows->features.begin() + static_cast<std::ptrdiff_t>((i + 1) * intent_feature_count));
    (test ? yte : ytr).push_back(rows->labels[i]);
  }
  auto m = train_logistic(xtr, intent_feature_count, ytr, l2);
  if (!m) return std::cerr << "tailor: intent: " << m.error().message << "\n", 1;
  const ranker_model base = default_intent();
  auto auc_of = [&](const ranker_model& r, const std::vector<float>& x, const std::vector<uint8_t>& y) {
    std::vector<float> s(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) s[i] = score_row(r, x.data() + i * intent_feature_count);
    return roc_auc(s, y);
  };
  const double auc_train = auc_of(m.value(), xtr, ytr), auc_test = auc_of(m.value(), xte, yte);
  const double auc_default = auc_of(base, xte, yte);
  double pos_test = 0;
  for (uint8_t y : yte) pos_test += y;
  nlohmann::json weights = nlohmann::json::object();
  for (uint32_t k = 0; k < intent_feature_count; ++k) weights[std::string(intent_feature_name(k))] = m->weights[k];
  nlohmann::json j{{"intent", {{"bias", m->bias}, {"weights", weights}}},
                   {"sessions", {{"train", ytr.size()}, {"holdout", yte.size()}}},
                   {"holdout_purchase_rate", yte.empty() ? 0.0 : pos_test / static_cast<double>(yte.size())},
                   {"auc", {{"train", auc_train}, {"holdout", auc_test}, {"holdout_default_weights", auc_default}}}};
  if (!write_file(out, j.dump(2) + "\n")) return std::cerr << "tailor: cannot write " << out << "\n", 1;
  std::printf("sessions %zu (train %zu, holdout %zu, holdout purchase rate %.4f)\n", n, ytr.size(), yte.size(),
              yte.empty() ? 0.0 : pos_test / static_cast<double>(yte.size()));
  std::printf("AUC train %.4f, holdout %.4f (profile default weights on holdout: %.4f)\n", auc_train, auc_test,
              auc_default);
  return 0;
}

}  // namespace tailor::cli
