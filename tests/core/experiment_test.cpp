#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "common/json.hpp"
#include "experiment/growthbook.hpp"
#include "tailor/experiment.hpp"

using namespace tailor;
using detail::json;

namespace {

const json& gb_cases() {
  static const json cases = [] {
    std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/growthbook/cases.json",
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
  }();
  return cases;
}

json eval_feature_json(const json& ctx, const std::string& key) {
  auto r = eval_feature(ctx.dump(), key);
  REQUIRE(r.ok());
  return json::parse(r.value());
}

// Math.floor(n * 1e8) / 1e8, as GrowthBook's json.test.ts rounds ranges.
double round8(double n) { return std::floor(n * 1e8) / 1e8; }

}  // namespace

TEST_CASE("experiment: cases.json spec version", "[experiment]") {
  CHECK(gb_cases().at("specVersion") == "0.8.0");
}

TEST_CASE("experiment: cases.json hash", "[experiment]") {
  for (const json& c : gb_cases().at("hash")) {
    INFO(c.dump());
    auto h = experiment_detail::hash_json(c[0].get<std::string>(), c[1], c[2], hash_encoding::utf16);
    if (c[3].is_null()) CHECK_FALSE(h.has_value());
    else {
      REQUIRE(h.has_value());
      CHECK(*h == c[3].get<double>());
    }
  }
}

TEST_CASE("experiment: cases.json getBucketRange", "[experiment]") {
  for (const json& c : gb_cases().at("getBucketRange")) {
    INFO(c.dump());
    const json& in = c[1];
    const json* weights = in[2].is_null() ? nullptr : &in[2];
    const json got = experiment_detail::bucket_ranges(in[0].get<int64_t>(), &in[1], weights);
    REQUIRE(got.size() == c[2].size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(round8(got[i][0].get<double>()) == round8(c[2][i][0].get<double>()));
      CHECK(round8(got[i][1].get<double>()) == round8(c[2][i][1].get<double>()));
    }
  }
}

TEST_CASE("experiment: cases.json chooseVariation, inNamespace, getEqualWeights", "[experiment]") {
  for (const json& c : gb_cases().at("chooseVariation")) {
    INFO(c.dump());
    CHECK(experiment_detail::choose_variation(c[1].get<double>(), c[2]) == c[3].get<int64_t>());
  }
  for (const json& c : gb_cases().at("inNamespace")) {
    INFO(c.dump());
    CHECK(experiment_detail::in_namespace(c[1], c[2], hash_encoding::utf16) == c[3].get<bool>());
  }
  for (const json& c : gb_cases().at("getEqualWeights")) {
    INFO(c.dump());
    const auto w = experiment_detail::equal_weights(c[0].get<int64_t>());
    REQUIRE(w.size() == c[1].size());
    for (std::size_t i = 0; i < w.size(); ++i) CHECK(round8(w[i]) == round8(c[1][i].get<double>()));
  }
}

TEST_CASE("experiment: cases.json getQueryStringOverride", "[experiment]") {
  for (const json& c : gb_cases().at("getQueryStringOverride")) {
    INFO(c.dump());
    auto got = experiment_detail::query_string_override(c[1].get<std::string>(), c[2].get<std::string>(),
                                                        c[3].get<int64_t>());
    if (c[4].is_null()) CHECK_FALSE(got.has_value());
    else {
      REQUIRE(got.has_value());
      CHECK(*got == c[4].get<int64_t>());
    }
  }
}

TEST_CASE("experiment: cases.json feature", "[experiment]") {
  for (const json& c : gb_cases().at("feature")) {
    INFO(c[0].get<std::string>());
    const json got = eval_feature_json(c[1], c[2].get<std::string>());
    CHECK(got.at("result") == c[3]);
  }
}

TEST_CASE("experiment: cases.json contextualBandit", "[experiment]") {
  for (const json& c : gb_cases().at("contextualBandit")) {
    INFO(c[0].get<std::string>());
    const json got = eval_feature_json(c[1], c[2].get<std::string>());
    CHECK(got.at("result") == c[3]);
  }
}

TEST_CASE("experiment: cases.json run", "[experiment]") {
  for (const json& c : gb_cases().at("run")) {
    INFO(c[0].get<std::string>());
    auto r = run_experiment(c[1].dump(), c[2].dump());
    REQUIRE(r.ok());
    const json got = json::parse(r.value()).at("result");
    CHECK(got.at("value") == c[3]);
    CHECK(got.at("inExperiment") == c[4]);
    CHECK(got.at("hashUsed") == c[5]);
  }
}

TEST_CASE("experiment: cases.json stickyBucket", "[experiment]") {
  for (const json& c : gb_cases().at("stickyBucket")) {
    INFO(c[0].get<std::string>());
    json store = json::object();
    for (const json& doc : c[2]) {
      store[doc.at("attributeName").get<std::string>() + "||" + doc.at("attributeValue").get<std::string>()] = doc;
    }
    json ctx = c[1];
    ctx["stickyBucketAssignmentDocs"] = experiment_detail::load_sticky_docs(ctx, store);
    const json got = eval_feature_json(ctx, c[3].get<std::string>());
    const json& res = got.at("result");
    CHECK((res.contains("experimentResult") ? res.at("experimentResult") : json(nullptr)) == c[4]);
    CHECK(got.at("stickyBucketAssignmentDocs") == c[5]);
  }
}

TEST_CASE("experiment: cases.json decrypt", "[experiment]") {
  for (const json& c : gb_cases().at("decrypt")) {
    INFO(c[0].get<std::string>());
    auto got = gb_decrypt(c[1].get<std::string>(), c[2].get<std::string>());
    if (c[3].is_null()) {
      REQUIRE_FALSE(got.ok());
      CHECK(got.error().code == errc::invalid_config);
    } else {
      REQUIRE(got.ok());
      CHECK(got.value() == c[3].get<std::string>());
    }
  }
}

TEST_CASE("experiment: cases.json urlRedirect", "[experiment]") {
  for (const json& c : gb_cases().at("urlRedirect")) {
    INFO(c[0].get<std::string>());
    auto r = eval_auto_experiments(c[1].dump());
    REQUIRE(r.ok());
    const json got = json::parse(r.value());
    json calls = json::array();
    for (const json& t : got.at("tracked")) {
      const json& res = t.at("result");
      calls.push_back({{"inExperiment", res.at("inExperiment")},
                       {"urlRedirect", res.at("value").value("urlRedirect", json(nullptr))},
                       {"urlWithParams", got.at("redirectUrl")}});
    }
    CHECK(calls == c[2]);
  }
}

TEST_CASE("experiment: all 517 shared cases are exercised", "[experiment]") {
  std::size_t total = 0;
  for (auto it = gb_cases().begin(); it != gb_cases().end(); ++it) {
    if (it->is_array()) total += it->size();
  }
  CHECK(total == 517);
}
