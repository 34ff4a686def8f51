// The compact path (compiled plan, eval_all_compact) against the JSON path and
// the GrowthBook SDK's answers: same FeatureResults and exposures.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

using namespace tailor;
using detail::json;

namespace {

json read_json(const std::string& relative) {
  std::ifstream in(std::string(TAILOR_SOURCE_DIR) + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// Splits a GrowthBook context into definitions and the user's attributes.
struct split_context {
  json definitions = json::object();
  json attributes = json::object();
  bool attributes_only = true;  // the context holds nothing else
};

split_context split(const json& ctx) {
  split_context s;
  for (auto it = ctx.begin(); it != ctx.end(); ++it) {
    if (it.key() == "features" || it.key() == "savedGroups" || it.key() == "contextualBandits") {
      s.definitions[it.key()] = it.value();
    } else if (it.key() == "attributes") {
      s.attributes = it.value();
    } else {
      s.attributes_only = false;
    }
  }
  return s;
}

json parsed(const result<std::string>& r) {
  REQUIRE(r.ok());
  return json::parse(r.value());
}

// Compact and JSON paths on the same definitions and attributes; returns the compact result.
json both_paths_agree(const gb_definitions& defs, const json& attributes, hash_encoding enc) {
  json user = {{"attributes", attributes}};
  if (enc == hash_encoding::utf8) user["hashEncoding"] = "utf8";
  const json want = parsed(eval_all_features(defs, user.dump()));
  const json got = parsed(eval_all_compact_json(defs, attributes.dump(), enc));
  CHECK(got == want);
  return got;
}

}  // namespace

TEST_CASE("experiment plan: differential vectors, compact path equals the SDK and the JSON path",
          "[experiment][plan]") {
  const json doc = read_json("/tests/vectors/experiment-diff.json");
  std::size_t against_sdk = 0, compared = 0;
  for (const json& c : doc.at("cases")) {
    const split_context s = split(c.at("context"));
    auto defs = load_gb_definitions(s.definitions.dump());
    REQUIRE(defs.ok());
    if (!gb_compact(defs.value())) continue;
    INFO(c.at("context").dump());
    const json got = both_paths_agree(defs.value(), s.attributes, hash_encoding::utf16);
    both_paths_agree(defs.value(), s.attributes, hash_encoding::utf8);
    ++compared;
    if (s.attributes_only) {
      CHECK(got.at("features") == c.at("results"));
      ++against_sdk;
    }
  }
  CHECK(compared == doc.at("cases").size());  // every generated definition set is compact
  CHECK(against_sdk > 500);
}

TEST_CASE("experiment plan: cases.json features through the compact path", "[experiment][plan]") {
  const json cases = read_json("/tests/vectors/growthbook/cases.json");
  std::size_t against_sdk = 0, compared = 0;
  for (const json& c : cases.at("feature")) {
    INFO(c[0].get<std::string>());
    const split_context s = split(c[1]);
    auto defs = load_gb_definitions(s.definitions.dump());
    REQUIRE(defs.ok());
    if (!gb_compact(defs.value()) || !s.attributes.is_object()) continue;
    const json got = both_paths_agree(defs.value(), s.attributes, hash_encoding::utf16);
    ++compared;
    const std::string key = c[2].get<std::string>();
    if (s.attributes_only && got.at("features").contains(key)) {
      CHECK(got.at("features").at(key) == c[3]);
      ++against_sdk;
    }
  }
  CHECK(compared >= 50);
  CHECK(against_sdk >= 45);
}

TEST_CASE("experiment plan: outcomes say what decided each feature", "[experiment][plan]") {
  const json definitions = {{"features",
                             {{"a", {{"defaultValue", 1}}},
                              {"b", {{"defaultValue", 0}, {"rules", {{{"force", "x"}, {"id", "r1"}}}}}},
                              {"c", {{"defaultValue", false},
                                     {"rules", {{{"key", "exp"}, {"variations", {"p", "q"}}, {"coverage", 1}}}}}},
                              {"d", nullptr}}}};
  auto defs = load_gb_definitions(definitions.dump());
  REQUIRE(defs.ok());
  std::vector<gb_outcome> out;
  REQUIRE(eval_all_compact(defs.value(), R"({"id":"u1"})", hash_encoding::utf16, out).ok());
  REQUIRE(out.size() == 4);
  const json plan = parsed(gb_plan_json(defs.value()));
  CHECK(plan.at("features") == json({"a", "b", "c", "d"}));
  CHECK(out[0].source == gb_source::default_value);
  CHECK(plan.at("values").at(static_cast<std::size_t>(out[0].value)) == 1);
  CHECK(out[0].flags == gb_on);
  CHECK(out[1].source == gb_source::force);
  CHECK(plan.at("rules").at(static_cast<std::size_t>(out[1].rule)).at("id") == "r1");
  CHECK(out[2].source == gb_source::experiment);
  CHECK((out[2].flags & gb_first_exposure) != 0);
  CHECK(out[2].bucket == *gb_hash("exp", "u1", 1));
  CHECK(out[3].source == gb_source::unknown_feature);
  CHECK(out[3].value == -1);
}

TEST_CASE("experiment plan: bad attributes are clear errors", "[experiment][plan]") {
  auto defs = load_gb_definitions(R"({"features":{"f":{"defaultValue":1}}})");
  REQUIRE(defs.ok());
  std::vector<gb_outcome> out;
  CHECK(eval_all_compact(defs.value(), "{", hash_encoding::utf16, out).error().code == errc::invalid_json);
  const auto s = eval_all_compact(defs.value(), "[1]", hash_encoding::utf16, out);
  CHECK(s.error().code == errc::invalid_field);
  CHECK(s.error().where == "attributes");
  CHECK(eval_all_compact(defs.value(), "null", hash_encoding::utf16, out).ok());
  auto bandit = load_gb_definitions(R"({"features":{"f":{"rules":[{"variations":[1,2],"contextualBanditRef":"b"}]}}})");
  REQUIRE(bandit.ok());
  CHECK_FALSE(gb_compact(bandit.value()));
  CHECK(eval_all_compact(bandit.value(), "{}", hash_encoding::utf16, out).error().code == errc::invalid_state);
}

TEST_CASE("experiment plan: numeric, boolean and non-ASCII ids hash as String(id)", "[experiment][plan]") {
  const json definitions = {
      {"features",
       {{"f", {{"rules", {{{"key", "e"}, {"variations", {0, 1, 2, 3}}, {"hashVersion", 2}}}}}},
        {"g", {{"rules", {{{"force", true}, {"coverage", 0.5}, {"hashAttribute", "n"}}}}}},
        {"h", {{"rules", {{{"variations", {"a", "b"}}, {"namespace", {"ns", 0, 0.6}}, {"condition", {{"c", 1}}}},
                          {{"variations", {"x", "y"}}, {"condition", {{"c", 1}}}, {"seed", "s"}}}}}}}}};
  auto defs = load_gb_definitions(definitions.dump());
  REQUIRE(defs.ok());
  const char* ids[] = {"7", "-5", "0", "42.5", "1e21", "-0", "true", "9007199254740993", "12345678901234567890",
                       "\"\\u7528\\u6237\"", "\"a\\ud83d\\ude00b\"", "[1,2]", "{\"a\":1}"};
  for (const char* id : ids) {
    INFO(id);
    const json id_value = json::parse(id);
    for (const json& c : {json(1), json(2)}) {
      const json attributes = {{"id", id_value}, {"n", id_value}, {"c", c}};
      both_paths_agree(defs.value(), attributes, hash_encoding::utf16);
      both_paths_agree(defs.value(), attributes, hash_encoding::utf8);
    }
  }
}
