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
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weights") || !j["weights"].is_array() ||
      j["weights"].size() != ranker_feature_count || !j.contains("bias") || !j["bias"].is_number()) {
    std::cerr << "tailor: " << path << ": expected {\"weights\": [" << ranker_feature_count
              << " numbers], \"bias\": number}\n";
    return false;
  }
  out.weights.clear();
  for (const auto& w : j["weights"]) {
    if (!w.is_number()) {
      std::cerr << "tailor: " << path << ": weights must be numbers\n";
      return false;
    }
    out.weights.push_back(w.get<float>());
  }
  out.bias = j["bias"].get<float>();
  return true;
}

int cmd_train_ranker(const args& a) {
  const std::string train_path = flag(a, "train"), labels_path = flag(a, "labels"), out = flag(a, "out");
  if (train_path.empty() || labels_path.empty() || out.empty()) {
    std::cerr << "usage: tailor train-ranker --train EVENTS.jsonl --labels CASES.tsv --out RANKER.json\n"
                 "         [--onnx RANKER.onnx] [--dump-rows ROWS.json] [--variant all|new] [--l2 1]\n"
                 "         [--candidates 100] [--drop FEATURE,...] [--weigh-shoppers]\n"
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
  eo.ranker_candidates = static_cast<uint32_t>(std::stoul(flag(a, "candidates", "100")));
  std::vector<float> x, row_weights;
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
    x.insert(x.end(), px.begin(), px.end());
    y.insert(y.end(), py.begin(), py.end());
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (dropped[i % ranker_feature_count]) x[i] = 0.0f;
  }
  auto r = train_logistic(x, ranker_feature_count, y, std::stod(flag(a, "l2", "1")), 25, row_weights);
  if (!r) return std::cerr << "tailor: ranker: " << r.error().message << "\n", 1;
  nlohmann::json j{{"features", nlohmann::json::array()}, {"weights", r->weights}, {"bias", r->bias}};
  for (uint32_t k = 0; k < ranker_feature_count; ++k) j["features"].push_back(std::string(ranker_feature_name(k)));
  if (!write_file(out, j.dump(2) + "\n")) return std::cerr << "tailor: cannot write " << out << "\n", 1;
  std::size_t pos = 0;
  for (auto v : y) pos += v;
  std::cout << "ranker " << out << ": " << y.size() << " rows, " << pos << " positive\n";
  for (uint32_t k = 0; k < ranker_feature_count; ++k) {
    std::printf("  %-12s %+.6f\n", std::string(ranker_feature_name(k)).c_str(), r->weights[k]);
  }
  std::printf("  %-12s %+.6f\n", "bias", r->bias);
  if (has_flag(a, "onnx")) {
    if (!export_ranker_onnx(r.value(), flag(a, "onnx"), err)) return std::cerr << "tailor: onnx: " << err << "\n", 1;
    std::cout << "onnx " << flag(a, "onnx") << "\n";
  }
  if (has_flag(a, "dump-rows")) {  // features and the core's scores, for agreement tests
    nlohmann::json d{{"feature_count", ranker_feature_count}, {"features", x}, {"scores", nlohmann::json::array()}};
    for (std::size_t i = 0; i < y.size(); ++i) d["scores"].push_back(ranker_score(r.value(), x.data() + i * ranker_feature_count));
    if (!write_file(flag(a, "dump-rows"), d.dump())) return std::cerr << "tailor: cannot write rows\n", 1;
  }
  return 0;
}

}  // namespace tailor::cli
