#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "onnx_export.hpp"
#include "tailor/eval.hpp"
#include "tailor/train.hpp"

namespace tailor::cli {

bool train_options_from_flags(const args& a, train_options& t);

bool read_ranker(const std::string& path, ranker_model& out) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "tailor: cannot read " << path << "\n";
    return false;
  }
  auto r = parse_ranker_json(text);
  if (!r) {
    std::cerr << "tailor: " << path << ": " << (r.error().where.empty() ? "" : r.error().where + ": ") << r.error().message
              << "\n";
    return false;
  }
  out = std::move(r.value());
  return true;
}

int cmd_train_ranker(const args& a) {
  const std::string train_path = flag(a, "train"), labels_path = flag(a, "labels"), out = flag(a, "out");
  if (train_path.empty() || labels_path.empty() || out.empty()) {
    std::cerr << "usage: tailor train-ranker --train EVENTS.jsonl --labels CASES.tsv --out RANKER.json\n"
                 "         [--onnx RANKER.onnx] [--dump-rows ROWS.json] [--variant all|new] [--l2 1]\n"
                 "         [--candidates 100] [--drop FEATURE,...] [--weigh-shoppers]\n"
                 "         [--model logistic|mlp] MLP: [--hidden 8] [--ensemble 5] [--loss listwise|pointwise]\n"
                 "         [--epochs 20] [--batch 256] [--lr 0.003] [--mlp-l2 0.0001] [--seed 42]\n"
                 "         [training flags of tailor eval]\n"
                 "Labels are next-period purchases (the eval format) after the events' period;\n"
                 "--train A,B --labels LA,LB pools the rows of several periods.\n";
    return 2;
  }
  train_options topt;
  if (!train_options_from_flags(a, topt)) return 2;
  // Several periods may be pooled: --train A,B --labels A,B (pairwise).
  auto split = [](const std::string& v) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= v.size()) {
      std::size_t e = v.find(',', pos);
      if (e == std::string::npos) e = v.size();
      if (e > pos) out.push_back(v.substr(pos, e - pos));
      pos = e + 1;
    }
    return out;
  };
  const auto train_paths = split(train_path), labels_paths = split(labels_path);
  if (train_paths.size() != labels_paths.size()) {
    std::cerr << "tailor: --train and --labels must list the same number of files\n";
    return 2;
  }
  std::vector<bool> dropped(ranker_feature_count, false);
  for (const auto& name : split(flag(a, "drop", ""))) {
    uint32_t k = 0;
    while (k < ranker_feature_count && ranker_feature_name(k) != name) ++k;
    if (k == ranker_feature_count) return std::cerr << "tailor: --drop: unknown feature \"" << name << "\"\n", 2;
    dropped[k] = true;
  }
  eval_options eo;
  eo.exclude_history = flag(a, "variant", "all") == "new";
  eo.ranker_candidates = 100;
  double l2 = 1;
  if (!count_flag(a, "candidates", eo.ranker_candidates) || !number_flag(a, "l2", l2)) return 2;
  std::vector<float> x, row_weights;
  std::vector<uint32_t> groups;
  std::vector<uint8_t> y;
  std::string err;
  for (std::size_t p = 0; p < train_paths.size(); ++p) {
    std::string text, labels;
    if (!read_maybe_gzip(train_paths[p], text, err) || !read_maybe_gzip(labels_paths[p], labels, err)) {
      std::cerr << "tailor: " << err << "\n";
      return 1;
    }
    auto batch = decode_event_lines(text);
    if (!batch) return std::cerr << "tailor: " << batch.error().message << "\n", 1;
    auto log = build_log(batch->events);
    if (!log) return std::cerr << "tailor: " << log.error().message << "\n", 1;
    auto m = train(log.value(), topt, progress_printer(has_flag(a, "progress")));
    if (!m) return std::cerr << "tailor: train: " << m.error().message << "\n", 1;
    auto cases = parse_purchase_cases(labels);
    if (!cases) {
      return std::cerr << "tailor: " << labels_paths[p] << ": " << cases.error().where << ": " << cases.error().message << "\n", 1;
    }
    std::vector<float> px;
    std::vector<uint8_t> py;
    std::vector<uint32_t> case_of;
    if (auto s = ranker_training_rows(m.value(), log.value(), cases.value(), eo, px, py, &case_of); !s) {
      return std::cerr << "tailor: " << s.error().message << "\n", 1;
    }
    // --weigh-shoppers: each shopper's rows weigh 1/(their positives), as recall averages shoppers.
    std::map<uint32_t, double> positives;
    for (std::size_t i = 0; i < py.size(); ++i) positives[case_of[i]] += py[i];
    for (std::size_t i = 0; i < py.size(); ++i) {
      row_weights.push_back(has_flag(a, "weigh-shoppers") ? static_cast<float>(1.0 / std::max(1.0, positives[case_of[i]]))
                                                          : 1.0f);
    }
    for (uint32_t c : case_of) groups.push_back(static_cast<uint32_t>(p << 24) ^ c);  // periods never share a group
    x.insert(x.end(), px.begin(), px.end());
    y.insert(y.end(), py.begin(), py.end());
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (dropped[i % ranker_feature_count]) x[i] = 0.0f;
  }
  const std::string kind = flag(a, "model", "logistic");
  result<ranker_model> r = make_error(errc::invalid_config, "--model must be logistic or mlp");
  if (kind == "logistic") {
    r = train_logistic(x, ranker_feature_count, y, l2, 25, row_weights);
  } else if (kind == "mlp") {
    mlp_options mo;
    uint32_t seed = static_cast<uint32_t>(mo.seed);
    if (!count_flag(a, "hidden", mo.hidden_units) || !count_flag(a, "epochs", mo.epochs) ||
        !count_flag(a, "batch", mo.batch) || !count_flag(a, "ensemble", mo.ensemble) || !count_flag(a, "seed", seed) ||
        !number_flag(a, "lr", mo.learning_rate) || !number_flag(a, "mlp-l2", mo.l2)) {
      return 2;
    }
    mo.seed = seed;
    const std::string loss = flag(a, "loss", "listwise");
    if (loss != "listwise" && loss != "pointwise") {
      return std::cerr << "tailor: --loss must be listwise or pointwise\n", 2;
    }
    mo.listwise = loss == "listwise";
    r = train_mlp_ranker(x, y, mo, has_flag(a, "weigh-shoppers") ? row_weights : std::vector<float>{}, groups);
  }
  if (!r) return std::cerr << "tailor: ranker: " << r.error().message << "\n", 1;
  // The file, the ONNX model and the dumped rows hold the kept features only.
  std::vector<uint32_t> kept;
  for (uint32_t k = 0; k < ranker_feature_count; ++k) {
    if (!dropped[k]) kept.push_back(k);
  }
  if (kept.empty()) return std::cerr << "tailor: --drop leaves no features\n", 2;
  if (!write_file(out, ranker_to_json(r.value(), kept))) return std::cerr << "tailor: cannot write " << out << "\n", 1;
  std::size_t pos = 0;
  for (auto v : y) pos += v;
  std::cout << "ranker " << out << ": " << kind << ", " << y.size() << " rows, " << pos << " positive\n";
  if (r->hidden_units == 0) {
    for (uint32_t k = 0; k < ranker_feature_count; ++k) {
      std::printf("  %-16s %+.6f\n", std::string(ranker_feature_name(k)).c_str(), r->weights[k]);
    }
    std::printf("  %-16s %+.6f\n", "bias", r->bias);
  }
  std::vector<float> train_scores;
  for (std::size_t i = 0; i < y.size(); ++i) train_scores.push_back(ranker_score(r.value(), x.data() + i * ranker_feature_count));
  std::printf("  training AUC %.4f\n", roc_auc(train_scores, y));
  if (has_flag(a, "onnx")) {
    if (!export_ranker_onnx(r.value(), kept, flag(a, "onnx"), err)) return std::cerr << "tailor: onnx: " << err << "\n", 1;
    std::cout << "onnx " << flag(a, "onnx") << "\n";
  }
  if (has_flag(a, "dump-rows")) {  // features and the core's scores, for agreement tests
    std::vector<float> kept_x;
    for (std::size_t i = 0; i < y.size(); ++i) {
      for (uint32_t k : kept) kept_x.push_back(x[i * ranker_feature_count + k]);
    }
    nlohmann::json d{{"feature_count", kept.size()}, {"features", kept_x}, {"scores", nlohmann::json::array()}};
    d["scores"] = train_scores;
    if (!write_file(flag(a, "dump-rows"), d.dump())) return std::cerr << "tailor: cannot write rows\n", 1;
  }
  return 0;
}

}  // namespace tailor::cli
