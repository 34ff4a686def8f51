#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "condition/condition_impl.hpp"
#include "condition/js_value.hpp"
#include "condition/regex.hpp"
#include "tailor/condition.hpp"

using namespace tailor;
using detail::json;

namespace {

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// Evaluates condition JSON text on attribute JSON text (both must be valid).
bool eval_text(const std::string& cond, const std::string& attrs) {
  auto c = compile_condition(cond);
  REQUIRE(c.ok());
  auto a = parse_attributes(attrs);
  REQUIRE(a.ok());
  return evaluate(*c, *a);
}

}  // namespace

// GrowthBook's shared SDK vectors, imported unmodified.
TEST_CASE("condition: GrowthBook cases.json evalCondition", "[condition]") {
  const json cases = read_json_file(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/growthbook/cases.json");
  // The spec version these vectors were recorded with; a new file must be reviewed.
  REQUIRE(cases.at("specVersion") == "0.8.0");
  const json& list = cases.at("evalCondition");
  REQUIRE(list.size() == 248);
  int passed = 0;
  for (const json& tc : list) {
    const std::string name = tc.at(0).get<std::string>();
    INFO(name);
    auto cond = detail::compile_condition_value(tc.at(1), "");
    REQUIRE(cond.ok());
    const attributes attrs = detail::make_attributes(tc.at(2));
    const bool expected = tc.at(3).get<bool>();
    bool got = false;
    if (tc.size() > 4) {
      auto groups = detail::make_saved_groups(tc.at(4), "");
      REQUIRE(groups.ok());
      got = evaluate(*cond, attrs, *groups);
    } else {
      got = evaluate(*cond, attrs);
      // Text path agrees with the value path.
      CHECK(eval_text(detail::dump_json(tc.at(1)), detail::dump_json(tc.at(2))) == expected);
    }
    CHECK(got == expected);
    if (got == expected) ++passed;
  }
  CHECK(passed == 248);
}

// Differential vectors from the JS SDK (tests/oracles/condition-oracle.mjs).
TEST_CASE("condition: differential vectors from the GrowthBook SDK", "[condition]") {
  const json doc = read_json_file(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/condition-diff.json");
  const json& cases = doc.at("cases");
  REQUIRE(cases.size() == doc.at("count").get<std::size_t>());
  REQUIRE(cases.size() >= 1000);
  std::size_t mismatches = 0, trues = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& tc = cases[i];
    auto cond = detail::compile_condition_value(tc.at("condition"), "");
    REQUIRE(cond.ok());
    const attributes attrs = detail::make_attributes(tc.at("attributes"));
    bool got = false;
    if (tc.contains("savedGroups")) {
      auto groups = detail::make_saved_groups(tc.at("savedGroups"), "");
      REQUIRE(groups.ok());
      got = evaluate(*cond, attrs, *groups);
    } else {
      got = evaluate(*cond, attrs);
    }
    const bool expected = tc.at("expected").get<bool>();
    if (expected) ++trues;
    if (got != expected) {
      ++mismatches;
      if (mismatches <= 20) {
        FAIL_CHECK("case " << i << ": got " << got << " want " << expected << "\n  condition "
                           << tc.at("condition").dump() << "\n  attributes "
                           << tc.at("attributes").dump()
                           << (tc.contains("savedGroups") ? "\n  groups " + tc.at("savedGroups").dump()
                                                          : std::string()));
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(trues == doc.at("trueCount").get<std::size_t>());
}

TEST_CASE("condition: compile errors name the problem and the place", "[condition]") {
  auto not_json = compile_condition("{\"a\":");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.error().code == errc::invalid_condition);
  CHECK_FALSE(not_json.error().where.empty());

  auto not_object = compile_condition("[1,2]");
  REQUIRE_FALSE(not_object.ok());
  CHECK(not_object.error().code == errc::invalid_condition);

  auto scalar = detail::compile_condition_value(json("x"), "features.f.rules[0].condition");
  REQUIRE_FALSE(scalar.ok());
  CHECK(scalar.error().code == errc::invalid_condition);
  CHECK(scalar.error().where == "features.f.rules[0].condition");

  CHECK_FALSE(parse_attributes("[]").ok());
  CHECK_FALSE(parse_attributes("{").ok());
  CHECK(compile_condition("{}").ok());
}

namespace {
// {"a":{"$elemMatch":{"$elemMatch":...{"$eq":1}}}} with `levels` nested objects in all.
std::string nested_condition(std::size_t levels) {
  std::string open, close;
  for (std::size_t i = 1; i < levels; ++i) {
    open += i == 1 ? "{\"a\":" : "{\"$elemMatch\":";
    close += "}";
  }
  return open + "{\"$eq\":1}" + close;
}
}  // namespace

TEST_CASE("condition: nesting limit at N and N+1", "[condition]") {
  const std::size_t n = limits::max_condition_depth;
  auto at_limit = compile_condition(nested_condition(n));
  REQUIRE(at_limit.ok());
  auto over = compile_condition(nested_condition(n + 1));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
  // The value path (used by other modules) enforces the same limit.
  auto over_value = detail::compile_condition_value(json::parse(nested_condition(n + 1), nullptr, true, false), "c");
  REQUIRE_FALSE(over_value.ok());
  CHECK(over_value.error().code == errc::limit_exceeded);
  CHECK(over_value.error().where == "c");
}

TEST_CASE("condition: regex pattern length limit at N and N+1", "[condition]") {
  const std::string ok_pattern(limits::max_regex_pattern_bytes, 'a');
  auto ok = compile_condition(R"({"s":{"$regex":")" + ok_pattern + "\"}}");
  REQUIRE(ok.ok());
  CHECK(eval_text(R"({"s":{"$regex":")" + ok_pattern + "\"}}", R"({"s":")" + ok_pattern + "\"}"));
  auto over = compile_condition(R"({"x":{"$or":1},"s":{"$regexi":")" + ok_pattern + "a\"}}");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
  CHECK(over.error().where == "s.$regexi");
  // Counted repetition that expands past the program cap is refused too.
  auto huge = compile_condition(R"x({"s":{"$regex":"(((a{100}){100}){100})"}})x");
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().code == errc::limit_exceeded);
}

TEST_CASE("condition: regex subject length limit at N and N+1", "[condition]") {
  const std::string at(limits::max_regex_subject_bytes, 'x');
  CHECK(eval_text(R"({"s":{"$regex":"x$"}})", R"({"s":")" + at + "\"}"));
  CHECK_FALSE(eval_text(R"({"s":{"$regex":"x$"}})", R"({"s":")" + at + "x\"}"));
}

TEST_CASE("condition: catastrophic patterns run in linear time", "[condition]") {
  // Backtracking engines take exponential time on these; the Pike VM does not.
  const std::string subject = std::string(limits::max_regex_subject_bytes - 1, 'a') + "!";
  const std::string attrs = R"({"s":")" + subject + "\"}";
  CHECK_FALSE(eval_text(R"({"s":{"$regex":"(a+)+$"}})", attrs));
  CHECK_FALSE(eval_text(R"({"s":{"$regex":"^(a|aa)+$"}})", attrs));
  CHECK_FALSE(eval_text(R"({"s":{"$regex":"(a*)*b"}})", attrs));
  CHECK_FALSE(eval_text(R"({"s":{"$regex":"^(\\w+\\s?)*$"}})", attrs));
  CHECK(eval_text(R"({"s":{"$regex":"(a+)+!$"}})", attrs));
  CHECK(eval_text(R"({"s":{"$regexi":"(A|AA)+!"}})", attrs));
}

TEST_CASE("condition: unsupported and invalid regexes are false", "[condition]") {
  for (const char* p : {"(?=a)", "(?!b)", "(?<=a)b", "(?<!a)b", "(a)\\\\1", "(?<n>a)\\\\k<n>",
                        "[", "(", "a)", "*", "a**", "a{2,1}", "[z-a]", "\\\\", "{1}"}) {
    INFO(p);
    CHECK(compile_condition(std::string(R"({"s":{"$regex":")") + p + "\"}}").ok());
    CHECK_FALSE(eval_text(std::string(R"({"s":{"$regex":")") + p + "\"}}", R"({"s":"aab"})"));
    // $not of an invalid regex is true: false is the regex's answer, not an error.
    CHECK(eval_text(std::string(R"({"s":{"$not":{"$regex":")") + p + "\"}}}", R"({"s":"aab"})"));
  }
  // Non-string operands: the SDK's `regex.replace` throws inside its try: false.
  CHECK_FALSE(eval_text(R"({"s":{"$regex":null}})", R"({"s":"null"})"));
  CHECK_FALSE(eval_text(R"({"s":{"$regex":1}})", R"({"s":"1"})"));
}

TEST_CASE("condition: regex engine follows JS without the u flag", "[condition]") {
  using condition_detail::js_regex;
  using condition_detail::to_utf16;
  struct rc {
    const char* pattern;
    bool icase;
    const char* subject;
    bool expected;
  };
  const rc cases[] = {
      {"^.$", false, "\xF0\x9F\x98\x80", false},  // one emoji is two code units
      {"^..$", false, "\xF0\x9F\x98\x80", true},
      {"^\xF0\x9F\x98\x80+$", false, "\xF0\x9F\x98\x80\xED\xB8\x80", false},
      {"a{", false, "a{", true},
      {"a{1", false, "a{1", true},
      {"x{2}", false, "xx", true},
      {"^x{2}$", false, "xxx", false},
      {"]", false, "]", true},
      {"\\cA", false, "\x01", true},
      {"\\c", false, "\\c", true},
      {"[\\b]", false, "\b", true},
      {"\\bfoo\\b", false, "a foo b", true},
      {"\\Boo", false, "foo", true},
      {"\\Bfoo", false, "foo", false},
      {"\\u00e9", false, "\xC3\xA9", true},
      {"\\x41", false, "A", true},
      {"\\u{41}", false, "A", false},
      {"\\u{2}", false, "uu", true},
      {"\\01", false, "\x01", true},
      {"\\8", false, "8", true},
      {"[\\w-.]+$", false, "a-b.c", true},
      {"[^]", false, "\n", true},
      {"[]", false, "a", false},
      {".", false, "\n", false},
      {".", false, "\xE2\x80\xA8", false},
      {"\\s", false, "\xE3\x80\x80", true},  // U+3000
      {"STRASSE", true, "stra\xC3\x9F" "e", false},
      {"\xC3\x9F", true, "\xE1\xBA\x9E", false},  // no non-u full folding
      {"\xCF\x83", true, "\xCE\xA3", true},       // sigma / SIGMA
      {"\xCF\x82", true, "\xCE\xA3", true},       // final sigma canonicalizes to SIGMA
      {"s", true, "\xC5\xBF", false},             // long s: non-ASCII never maps onto ASCII
      {"[a-z]+$", true, "ABC", true},
      {"[^a-z]", true, "ABC", false},
      {"\\w", true, "\xE2\x84\xAA", false},       // Kelvin sign
      {"(?:ab|cd)+e", false, "xabcde", true},
      {"(?<name>x)y", false, "xy", true},
      {"a+?b", false, "aaab", true},
      {"^(?:a|b)*?$", false, "abab", true},
  };
  for (const rc& c : cases) {
    INFO(c.pattern << " /" << (c.icase ? "i" : "") << " on " << c.subject);
    const js_regex re = js_regex::compile(c.pattern, c.icase);
    REQUIRE(re.valid());
    CHECK(re.test(to_utf16(c.subject)) == c.expected);
  }
}

TEST_CASE("condition: JS number and string coercions", "[condition]") {
  using condition_detail::js_number_to_string;
  using condition_detail::js_string_to_number;
  CHECK(js_number_to_string(0.1 + 0.2) == "0.30000000000000004");
  CHECK(js_number_to_string(1e21) == "1e+21");
  CHECK(js_number_to_string(1e-7) == "1e-7");
  CHECK(js_number_to_string(123e-20) == "1.23e-18");
  CHECK(js_number_to_string(0.000001) == "0.000001");
  CHECK(js_number_to_string(-1.5) == "-1.5");
  CHECK(js_number_to_string(-0.0) == "0");
  CHECK(js_number_to_string(9007199254740993.0) == "9007199254740992");
  CHECK(js_number_to_string(1e300) == "1e+300");
  CHECK(js_number_to_string(123456789012345680000.0) == "123456789012345680000");
  CHECK(js_string_to_number(" 5 ") == 5);
  CHECK(js_string_to_number("") == 0);
  CHECK(js_string_to_number("0x1A") == 26);
  CHECK(js_string_to_number("0b11") == 3);
  CHECK(js_string_to_number("-Infinity") < -1e308);
  CHECK(std::isnan(js_string_to_number("1e")));
  CHECK(std::isnan(js_string_to_number("-0x1")));
  CHECK(std::isnan(js_string_to_number("inf")));
  CHECK(js_string_to_number(".5") == 0.5);
  CHECK(js_string_to_number("5.") == 5);
  CHECK(js_string_to_number("\xC2\xA0" "7\xE2\x80\xA8") == 7);  // NBSP, LINE SEPARATOR
  CHECK(condition_detail::js_to_lower("\xCE\xA3\xCE\x91\xCE\xA3") == "\xCF\x83\xCE\xB1\xCF\x82");  // ΣΑΣ -> σας
  CHECK(condition_detail::js_to_lower("\xC4\xB0") == "i\xCC\x87");  // İ -> i̇
  // UTF-16 order: U+FF61 sorts after U+1F600 in UTF-8 but before it in UTF-16.
  CHECK(condition_detail::js_string_compare("\xEF\xBD\xA1", "\xF0\x9F\x98\x80") > 0);
}

TEST_CASE("condition: $not inverts every generated condition", "[condition]") {
  const json doc = read_json_file(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/condition-diff.json");
  std::size_t checked = 0;
  for (const json& tc : doc.at("cases")) {
    if (tc.at("threw").get<bool>()) continue;  // a throw is false under $not too
    const json wrapped = {{"$not", tc.at("condition")}};
    auto plain = detail::compile_condition_value(tc.at("condition"), "");
    auto inverted = detail::compile_condition_value(wrapped, "");
    REQUIRE(plain.ok());
    if (!inverted.ok()) continue;  // one level deeper may cross the nesting limit
    const attributes attrs = detail::make_attributes(tc.at("attributes"));
    saved_groups groups;
    if (tc.contains("savedGroups")) groups = std::move(detail::make_saved_groups(tc.at("savedGroups"), "").value());
    CHECK(evaluate(*plain, attrs, groups) != evaluate(*inverted, attrs, groups));
    ++checked;
  }
  CHECK(checked > 1000);
}

TEST_CASE("condition: hostile inputs end with an answer, not a hang", "[condition]") {
  // Giant attribute array against a giant $in list: the step budget stops it.
  json big_attr = json::array();
  json big_list = json::array();
  for (int i = 0; i < 100000; ++i) {
    big_attr.push_back(i);
    big_list.push_back(-i - 1);
  }
  auto cond = detail::compile_condition_value(json{{"xs", {{"$in", big_list}}}}, "");
  REQUIRE(cond.ok());
  CHECK_FALSE(evaluate(*cond, detail::make_attributes(json{{"xs", big_attr}})));
  // A small case of the same shape is answered exactly.
  auto small = detail::compile_condition_value(json{{"xs", {{"$in", json::array({-5, 3})}}}}, "");
  REQUIRE(small.ok());
  CHECK(evaluate(*small, detail::make_attributes(json{{"xs", big_attr}})));

  // Saved groups that fan out exponentially: g0 -> g1 twice -> g2 twice ...
  json groups = json::object();
  for (int i = 0; i < 40; ++i) {
    const std::string next = "g" + std::to_string(i + 1);
    groups["g" + std::to_string(i)] = {
        {"type", "condition"},
        {"condition", {{"$or", json::array({{{"$savedGroup", {{"id", next}}}, {"never", 1}},
                                            {{"$savedGroup", {{"id", next}}}}})}}}};
  }
  groups["g40"] = {{"type", "condition"}, {"condition", {{"x", 1}}}};
  auto sg = detail::make_saved_groups(groups, "");
  REQUIRE(sg.ok());
  auto fan = detail::compile_condition_value(json{{"$savedGroup", {{"id", "g0"}}}}, "");
  REQUIRE(fan.ok());
  CHECK_FALSE(evaluate(*fan, detail::make_attributes(json{{"x", 2}}), *sg));

  // JS throws on these; Tailor answers false (and $not of a throw is still false).
  CHECK_FALSE(eval_text(R"({"$or":null})", "{}"));
  CHECK_FALSE(eval_text(R"({"$not":{"$and":null}})", "{}"));
  CHECK_FALSE(eval_text(R"({"a":{"$elemMatch":null}})", R"({"a":[1]})"));
  // ... and these are plain JS answers.
  CHECK(eval_text(R"({"$or":[]})", "{}"));
  CHECK(eval_text(R"({"$or":5})", "{}"));
  // $and over a string: each character is a condition {"0": char} (checked with the SDK).
  CHECK_FALSE(eval_text(R"({"$and":"ab"})", R"({"0":"a","1":"b"})"));
  CHECK(eval_text(R"({"$and":"aa"})", R"({"0":"a"})"));
  CHECK_FALSE(eval_text(R"({"$not":"ab"})", R"({"0":"a","1":"b"})"));
}

TEST_CASE("condition: dotted paths see arrays and the prototype as JS does", "[condition]") {
  const std::string attrs = R"({"tags":["a","b"],"o":{"k":1},"s":"str"})";
  CHECK(eval_text(R"({"tags.length":2})", attrs));
  CHECK(eval_text(R"({"tags.1":"b"})", attrs));
  CHECK(eval_text(R"({"tags.01":null})", attrs));
  CHECK(eval_text(R"({"s.length":null})", attrs));  // strings are not objects to getPath
  CHECK(eval_text(R"({"o.toString":{"$exists":true}})", attrs));
  CHECK(eval_text(R"({"o.toString":{"$type":"unknown"}})", attrs));
  CHECK(eval_text(R"({"missing":0})", attrs));        // null * 1 === 0
  CHECK(eval_text(R"({"missing":{"$regex":"^nul"}})", attrs));  // String(null)
  CHECK(eval_text(R"({"tags":"a,b"})", attrs));       // [..] + ""
  CHECK(eval_text(R"({"o":{"k":1}})", attrs));        // JSON.stringify equality
  CHECK_FALSE(eval_text(R"({"o":{"$eq":{"k":1}}})", attrs));  // === on objects
}

TEST_CASE("condition: Number#toString and ToNumber match node", "[condition]") {
  const json doc = read_json_file(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/js-numbers.json");
  auto from_hex = [](const std::string& h) {
    const uint64_t bits = std::stoull(h, nullptr, 16);
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  };
  for (const json& p : doc.at("toString")) {
    const double x = from_hex(p.at(0).get<std::string>());
    INFO(p.at(1).get<std::string>());
    CHECK(condition_detail::js_number_to_string(x) == p.at(1).get<std::string>());
  }
  for (const json& p : doc.at("toNumber")) {
    const std::string want = p.at(1).get<std::string>();
    const double got = condition_detail::js_string_to_number(p.at(0).get<std::string>());
    INFO("Number(\"" << p.at(0).get<std::string>() << "\")");
    if (want == "NaN") CHECK(std::isnan(got));
    else CHECK(got == from_hex(want));
  }
}
