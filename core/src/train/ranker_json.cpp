// The ranker file: versioned JSON, read by feature name so that files written
// for fewer features (format version 1) keep loading as features are added.
#include <cmath>
#include <string>

#include "common/json.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr int64_t format_version = 2;
constexpr uint32_t v1_feature_count = 12;  // v1 files without names list these, in order

result<std::vector<float>> numbers(const json& v, const std::string& where, std::size_t expected) {
  if (!v.is_array()) return make_error(errc::invalid_field, "expected an array of numbers", where);
  if (v.size() != expected) {
    return make_error(errc::invalid_field, "expected " + std::to_string(expected) + " numbers, got " +
                                               std::to_string(v.size()), where);
  }
  std::vector<float> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) return make_error(errc::invalid_field, "expected a number", detail::path_index(where, i));
    const float f = v[i].get<float>();
    if (!std::isfinite(f)) return make_error(errc::invalid_field, "out of float range", detail::path_index(where, i));
    out.push_back(f);
  }
  return out;
}

result<float> number(const json& obj, const char* key) {
  if (!obj.contains(key)) return make_error(errc::missing_field, "missing", key);
  if (!obj[key].is_number()) return make_error(errc::invalid_field, "expected a number", key);
  const float f = obj[key].get<float>();
  if (!std::isfinite(f)) return make_error(errc::invalid_field, "out of float range", key);
  return f;
}

// Column of each of the file's features in the core's feature order.
result<std::vector<uint32_t>> columns_of(const json& j, int64_t version, std::size_t weights) {
  std::vector<uint32_t> cols;
  if (!j.contains("features")) {
    if (version >= 2) return make_error(errc::missing_field, "missing", "features");
    if (weights != v1_feature_count) {
      return make_error(errc::invalid_field, "a ranker without \"features\" must hold " + std::to_string(v1_feature_count) +
                                                 " weights (format version 1)", "weights");
    }
    for (uint32_t k = 0; k < v1_feature_count; ++k) cols.push_back(k);
    return cols;
  }
  const json& f = j["features"];
  if (!f.is_array() || f.empty() || f.size() > ranker_feature_count) {
    return make_error(errc::invalid_field, "expected 1.." + std::to_string(ranker_feature_count) + " feature names", "features");
  }
  std::vector<char> used(ranker_feature_count, 0);
  for (std::size_t i = 0; i < f.size(); ++i) {
    const std::string where = detail::path_index("features", i);
    if (!f[i].is_string()) return make_error(errc::invalid_field, "expected a feature name", where);
    const std::string name = f[i].get<std::string>();
    uint32_t k = 0;
    while (k < ranker_feature_count && ranker_feature_name(k) != name) ++k;
    if (k == ranker_feature_count) return make_error(errc::invalid_field, "unknown feature \"" + name + "\"", where);
    if (used[k]) return make_error(errc::duplicate_id, "feature \"" + name + "\" listed twice", where);
    used[k] = 1;
    cols.push_back(k);
  }
  return cols;
}

}  // namespace

result<ranker_model> parse_ranker_json(std::string_view text) noexcept {
  try {
    auto parsed = detail::parse_json(text);
    if (!parsed) return parsed.error();
    const json& j = parsed.value();
    if (!j.is_object()) return make_error(errc::invalid_field, "a ranker is a JSON object", "");
    int64_t version = 1;
    if (j.contains("format") && (!j["format"].is_string() || j["format"].get<std::string>() != "tailor-ranker")) {
      return make_error(errc::invalid_field, "expected \"tailor-ranker\"", "format");
    }
    if (j.contains("version")) {
      if (!j["version"].is_number_integer()) return make_error(errc::invalid_field, "expected an integer", "version");
      version = j["version"].get<int64_t>();
      if (version < 1 || version > format_version) {
        return make_error(errc::invalid_config, "ranker format version " + std::to_string(version) +
                                                    " is not one this tailor reads (1.." + std::to_string(format_version) + ")",
                          "version");
      }
    }
    std::string kind = "logistic";
    if (j.contains("kind")) {
      if (!j["kind"].is_string()) return make_error(errc::invalid_field, "expected \"logistic\" or \"mlp\"", "kind");
      kind = j["kind"].get<std::string>();
      if (kind != "logistic" && kind != "mlp") {
        return make_error(errc::invalid_field, "unknown kind \"" + kind + "\" (expected \"logistic\" or \"mlp\")", "kind");
      }
    }
    if (!j.contains("weights")) return make_error(errc::missing_field, "missing", "weights");
    if (!j["weights"].is_array()) return make_error(errc::invalid_field, "expected an array of numbers", "weights");
    ranker_model r;
    auto bias = number(j, "bias");
    if (!bias) return bias.error();
    r.bias = bias.value();
    if (kind == "logistic") {
      auto cols = columns_of(j, version, j["weights"].size());
      if (!cols) return cols.error();
      auto w = numbers(j["weights"], "weights", cols->size());
      if (!w) return w.error();
      r.weights.assign(ranker_feature_count, 0.0f);
      for (std::size_t i = 0; i < cols->size(); ++i) r.weights[(*cols)[i]] = (*w)[i];
      return r;
    }
    if (!j.contains("hidden") || !j["hidden"].is_object()) {
      return make_error(errc::missing_field, "an mlp ranker needs {\"weights\": [[...]], \"bias\": [...]}", "hidden");
    }
    const json& hid = j["hidden"];
    if (!hid.contains("weights") || !hid["weights"].is_array() || hid["weights"].empty() ||
        hid["weights"].size() > limits::max_hidden_units) {
      return make_error(errc::invalid_field, "expected 1.." + std::to_string(limits::max_hidden_units) + " rows", "hidden.weights");
    }
    const std::size_t h = hid["weights"].size();
    auto cols = columns_of(j, version, 0);
    if (!cols) return cols.error();
    r.hidden_units = static_cast<uint32_t>(h);
    r.hidden_weights.assign(h * ranker_feature_count, 0.0f);
    for (std::size_t u = 0; u < h; ++u) {
      auto row = numbers(hid["weights"][u], detail::path_index("hidden.weights", u), cols->size());
      if (!row) return row.error();
      for (std::size_t i = 0; i < cols->size(); ++i) r.hidden_weights[u * ranker_feature_count + (*cols)[i]] = (*row)[i];
    }
    if (!hid.contains("bias")) return make_error(errc::missing_field, "missing", "hidden.bias");
    auto hb = numbers(hid["bias"], "hidden.bias", h);
    if (!hb) return hb.error();
    r.hidden_bias = std::move(hb.value());
    auto w = numbers(j["weights"], "weights", h);
    if (!w) return w.error();
    r.weights = std::move(w.value());
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string ranker_to_json(const ranker_model& r, const std::vector<uint32_t>& columns) {
  std::vector<uint32_t> cols = columns;
  if (cols.empty()) {
    for (uint32_t k = 0; k < ranker_feature_count; ++k) cols.push_back(k);
  }
  auto pick = [&](const std::vector<float>& row_major, uint32_t row) {
    std::vector<float> out;
    for (uint32_t c : cols) out.push_back(row_major[static_cast<std::size_t>(row) * ranker_feature_count + c]);
    return out;
  };
  json j{{"format", "tailor-ranker"},
         {"version", format_version},
         {"kind", r.hidden_units ? "mlp" : "logistic"},
         {"features", json::array()},
         {"weights", r.hidden_units ? r.weights : pick(r.weights, 0)},
         {"bias", r.bias}};
  for (uint32_t c : cols) j["features"].push_back(std::string(ranker_feature_name(c)));
  if (r.hidden_units) {
    json rows = json::array();
    for (uint32_t u = 0; u < r.hidden_units; ++u) rows.push_back(pick(r.hidden_weights, u));
    j["hidden"] = json{{"weights", rows}, {"bias", r.hidden_bias}};
  }
  return j.dump(2) + "\n";
}

}  // namespace tailor
