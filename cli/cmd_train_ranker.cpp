#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

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
                 "         [--candidates 100] [training flags of tailor eval]\n"
                 "Labels are next-period purchases (the eval format) after the events' period.\n";
    return 2;
  }
  train_options topt;
  if (!train_options_from_flags(a, topt)) return 2;
  std::string text, labels, err;
  if (!read_maybe_gzip(train_path, text, err) || !read_maybe_gzip(labels_path, labels, err)) {
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
  if (!cases) return std::cerr << "tailor: " << labels_path << ": " << cases.error().where << ": " << cases.error().message << "\n", 1;
  eval_options eo;
  eo.exclude_history = flag(a, "variant", "all") == "new";
  eo.ranker_candidates = static_cast<uint32_t>(std::stoul(flag(a, "candidates", "100")));
  std::vector<float> x;
  std::vector<uint8_t> y;
  if (auto s = ranker_training_rows(m.value(), log.value(), cases.value(), eo, x, y); !s) {
    return std::cerr << "tailor: " << s.error().message << "\n", 1;
  }
  auto r = train_ranker(x, y, std::stod(flag(a, "l2", "1")));
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
