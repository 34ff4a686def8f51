// Bad input to experiment evaluation (issue 5): malformed definitions, unknown
// operators, hostile regular expressions, giant attribute objects. Each gets a
// clear error or the documented safe default, never a crash or a hang. The
// same binary runs natively and as wasm (1 MiB stack there), so deep inputs
// prove the parser and evaluator do not recurse on them.
#include <catch2/catch.hpp>

#include <string>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

using namespace tailor;
using detail::json;

namespace {

// A feature whose force rule applies when `condition` matches: value 2, else 1.
std::string forced_if(const json& condition, const json& attributes) {
  json ctx = {{"attributes", attributes},
              {"features", {{"f", {{"defaultValue", 1}, {"rules", json::array({{{"condition", condition}, {"force", 2}}})}}}}}};
  return ctx.dump();
}

json value_of(const std::string& ctx) {
  auto r = eval_feature(ctx, "f");
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return json::parse(r.value())["result"]["value"];
}

std::string nested(std::size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

}  // namespace

TEST_CASE("experiment bad input: malformed definitions are errors naming the field", "[experiment][bad-input]") {
  auto err = [](std::string_view defs) {
    auto d = load_gb_definitions(defs);
    REQUIRE_FALSE(d.ok());
    return d.error();
  };
  CHECK(err("").code == errc::invalid_json);
  CHECK(err("{\"features\":").code == errc::invalid_json);
  CHECK(err("[]").code == errc::invalid_config);
  CHECK(err(R"({"features":5})").where == "features");
  CHECK(err(R"({"savedGroups":[]})").where == "savedGroups");
  auto g = load_gb_definitions(R"({"savedGroups":{"g":5}})");
  CHECK((g.ok() || g.error().code != errc::internal));
  // A regex pattern over the limit inside a rule's condition is named by its rule.
  const std::string long_pattern = R"({"features":{"f":{"rules":[{"condition":{"id":{"$regex":")" +
                                   std::string(limits::max_regex_pattern_bytes + 1, 'a') + R"("}},"force":1}]}}})";
  auto e = err(long_pattern);
  CHECK(e.code == errc::limit_exceeded);
  CHECK(e.where.find("features.f.rules[0].condition") == 0);
  // At the limit it loads.
  const std::string at_limit = R"({"features":{"f":{"rules":[{"condition":{"id":{"$regex":")" +
                               std::string(limits::max_regex_pattern_bytes, 'a') + R"("}},"force":1}]}}})";
  CHECK(load_gb_definitions(at_limit).ok());
  // Shapes the SDK throws on (`"force" in 5`) or skips load and evaluate without error.
  auto d = load_gb_definitions(R"({"features":{"a":5,"b":{"rules":5},"c":{"defaultValue":7,"rules":[5,"x",null,{"variations":{}}]}}})");
  REQUIRE(d.ok());
  auto all = eval_all_features(d.value(), R"({"attributes":{"id":"1"}})");
  REQUIRE(all.ok());
  CHECK(json::parse(all.value())["features"]["a"]["value"].is_null());
}

TEST_CASE("experiment bad input: unknown operators make the condition false", "[experiment][bad-input]") {
  const json attrs = {{"x", 1}, {"tags", {"a", "b"}}};
  CHECK(value_of(forced_if({{"x", {{"$bogus", 1}}}}, attrs)) == 1);
  CHECK(value_of(forced_if({{"x", {{"$eq", 1}, {"$bogus", 1}}}}, attrs)) == 1);
  CHECK(value_of(forced_if({{"$and", {{{"x", 1}}, {{"x", {{"$bogus", 1}}}}}}}, attrs)) == 1);
  CHECK(value_of(forced_if({{"$or", {{{"x", {{"$bogus", 1}}}}, {{"x", 1}}}}}, attrs)) == 2);
  CHECK(value_of(forced_if({{"tags", {{"$elemMatch", {{"$bogus", "a"}}}}}}, attrs)) == 1);
  // Top-level unknown operators are attribute names in GrowthBook: "$bogus" is a missing attribute.
  CHECK(value_of(forced_if({{"$bogus", 1}}, attrs)) == 1);
  // An operator value of the wrong type is false too, never an error.
  CHECK(value_of(forced_if({{"x", {{"$in", 5}}}}, attrs)) == 1);
  CHECK(value_of(forced_if({{"x", {{"$size", "x"}}}}, attrs)) == 1);
}

TEST_CASE("experiment bad input: hostile regular expressions answer in linear time", "[experiment][bad-input]") {
  // Patterns that backtrack exponentially in a backtracking engine, on subjects at
  // the subject limit. The Pike VM answers each in O(pattern x subject) steps.
  const std::string as(limits::max_regex_subject_bytes - 1, 'a');
  const std::string subject = as + "!";
  // Expected answers are JavaScript's (a starred group also matches empty at the end).
  for (const auto& [pattern, matches] : std::initializer_list<std::pair<const char*, bool>>{
           {"(a+)+$", false}, {"(a|a)*$", true}, {"(a*)*$", true}, {"(a|aa)+$", false}, {"([a-z]+)*$", true},
           {"(a+){1,20}$", false}, {"(.*a){12}$", false}, {"^(a?){30}a{30}$", false}, {"(x+x+)+y", false},
           {"(\\w+\\s?)*$", true}, {"^(\\w+\\s?)*$", false}}) {
    INFO(pattern);
    CHECK(value_of(forced_if({{"id", {{"$regex", pattern}}}}, {{"id", subject}})) == (matches ? 2 : 1));
  }
  // Matching answers stay right on long subjects.
  CHECK(value_of(forced_if({{"id", {{"$regex", "(a+)+$"}}}}, {{"id", as}})) == 2);
  CHECK(value_of(forced_if({{"id", {{"$regexi", "^(A|a)+$"}}}}, {{"id", as}})) == 2);
  // Over the subject limit: false (documented), whatever the pattern.
  CHECK(value_of(forced_if({{"id", {{"$regex", "a"}}}}, {{"id", std::string(limits::max_regex_subject_bytes + 1, 'a')}})) == 1);
  CHECK(value_of(forced_if({{"id", {{"$regex", "a"}}}}, {{"id", std::string(limits::max_regex_subject_bytes, 'a')}})) == 2);
  // Invalid patterns, backreferences and lookaround: false, as the SDK treats invalid ones.
  for (const char* pattern : {"(", "[", "a{2,1}", "(a)\\1", "(?=a)a", "(?<=a)b", "*"}) {
    INFO(pattern);
    CHECK(value_of(forced_if({{"id", {{"$regex", pattern}}}}, {{"id", "aab"}})) == 1);
  }
}

TEST_CASE("experiment bad input: giant attribute objects", "[experiment][bad-input]") {
  const std::string features = R"("features":{"f":{"defaultValue":1,"rules":[{"condition":{"k99999":"v"},"force":2}]}})";
  // 100,000 keys (about 1.5 MB): evaluated, and the last key is found.
  std::string many = R"({"attributes":{)";
  for (int i = 0; i < 100000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  many += "}," + features + "}";
  CHECK(value_of(many) == 2);
  // A 10 MB string: over the 4 MiB context limit, a clear error before any work.
  const std::string huge = R"({"attributes":{"id":")" + std::string(10u << 20, 'x') + "\"}," + features + "}";
  auto h = eval_all_features(huge);
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().code == errc::limit_exceeded);
  auto defs = load_gb_definitions("{" + features + "}");
  REQUIRE(defs.ok());
  CHECK(eval_all_features(defs.value(), huge).error().code == errc::limit_exceeded);
  // Nesting 100,000 deep (arrays and objects): limit_exceeded, no stack overflow.
  for (const std::string& deep : {nested(100000, '[', ']'), std::string(R"({"a":)") + nested(50000, '[', ']') + "}"}) {
    const std::string ctx = R"({"attributes":{"deep":)" + deep + "}," + features + "}";
    auto r = eval_feature(ctx, "f");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::limit_exceeded);
    CHECK(eval_feature(defs.value(), ctx, "f").error().code == errc::limit_exceeded);
  }
  std::string objects;
  for (int i = 0; i < 40000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(40000, '}');
  CHECK(eval_feature(R"({"attributes":)" + objects + "}", "f").error().code == errc::limit_exceeded);
  // Just under the depth limit is fine.
  CHECK(eval_feature(R"({"attributes":{"d":)" + nested(limits::max_json_depth - 3, '[', ']') + "}}", "f").ok());
  // A 100,000-element attribute array against a large $in list: bounded work, an answer.
  std::string arr = R"({"attributes":{"tags":[)";
  for (int i = 0; i < 100000; ++i) arr += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  arr += R"(]},"features":{"f":{"defaultValue":1,"rules":[{"condition":{"tags":{"$in":[)";
  for (int i = 0; i < 20000; ++i) arr += (i ? ",\"x" : "\"x") + std::to_string(i) + "\"";
  arr += R"(]}},"force":2}]}}})";
  CHECK(value_of(arr) == 1);
}
