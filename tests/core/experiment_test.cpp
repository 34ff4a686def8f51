#include <catch2/catch.hpp>

#include <fstream>
#include <optional>
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

// Differential vectors from the SDK (tests/oracles/experiment-oracle.mjs):
// identical FeatureResult, so identical variation, value, inExperiment, hashUsed.
TEST_CASE("experiment: differential vectors from the GrowthBook SDK", "[experiment]") {
  std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/experiment-diff.json", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const json doc = json::parse(ss.str());
  std::size_t evaluations = 0, mismatches = 0;
  for (const json& c : doc.at("cases")) {
    auto r = eval_all_features(c.at("context").dump());
    REQUIRE(r.ok());
    const json got = json::parse(r.value()).at("features");
    for (auto it = c.at("results").begin(); it != c.at("results").end(); ++it) {
      ++evaluations;
      if (got.at(it.key()) != it.value()) {
        ++mismatches;
        if (mismatches <= 5) {
          FAIL_CHECK(it.key() << "\n  context " << c.at("context").dump() << "\n  want " << it.value().dump()
                              << "\n  got  " << got.at(it.key()).dump());
        }
      }
    }
  }
  CHECK(evaluations == doc.at("evaluations").get<std::size_t>());
  CHECK(mismatches == 0);

  // The compiled path (definitions loaded once, small user contexts) agrees.
  std::size_t compiled_mismatches = 0;
  for (const json& c : doc.at("cases")) {
    json defs = json::object();
    json user = c.at("context");
    for (const char* k : {"features", "savedGroups", "contextualBandits"}) {
      if (user.contains(k)) {
        defs[k] = user[k];
        user.erase(k);
      }
    }
    auto d = load_gb_definitions(defs.dump());
    REQUIRE(d.ok());
    auto r = eval_all_features(d.value(), user.dump());
    REQUIRE(r.ok());
    if (json::parse(r.value()).at("features") != c.at("results")) ++compiled_mismatches;
  }
  CHECK(compiled_mismatches == 0);
}

TEST_CASE("experiment: hashing non-ASCII ids, UTF-16 by default and UTF-8 on request", "[experiment]") {
  // U+1F600 is the surrogate pair D83D DE00 in UTF-16 and F0 9F 98 80 in UTF-8.
  uint32_t h16 = 0x811c9dc5u, h8 = 0x811c9dc5u;
  for (uint32_t u : {0xD83Du, 0xDE00u}) h16 = (h16 ^ u) * 16777619u;
  for (uint32_t b : {0xF0u, 0x9Fu, 0x98u, 0x80u}) h8 = (h8 ^ b) * 16777619u;
  CHECK(fnv1a32("\xF0\x9F\x98\x80") == h16);
  CHECK(fnv1a32("\xF0\x9F\x98\x80", hash_encoding::utf8) == h8);
  CHECK(fnv1a32("abc") == fnv1a32("abc", hash_encoding::utf8));  // ASCII: identical
  CHECK_FALSE(gb_hash("s", "x", 3).has_value());
}

TEST_CASE("experiment: published Unicode hash vectors (utf16 = GrowthBook, utf8 mode)", "[experiment]") {
  std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/hash-unicode.json", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const json doc = json::parse(ss.str());
  std::size_t differ = 0;
  for (const json& v : doc.at("vectors")) {
    const std::string seed = v.at("seed"), id = v.at("id");
    const auto version = v.at("version").get<int32_t>();
    INFO(id << " / " << seed << " v" << version);
    CHECK(gb_hash(seed, id, version, hash_encoding::utf16) == v.at("utf16").get<double>());
    CHECK(gb_hash(seed, id, version, hash_encoding::utf8) == v.at("utf8").get<double>());
    if (v.at("utf16") != v.at("utf8")) ++differ;
  }
  CHECK(differ > 0);  // the modes really differ on non-ASCII ids
  // The context switch selects the mode for whole evaluations.
  const std::string ctx16 = R"({"attributes":{"id":"用户123"}})";
  const std::string ctx8 = R"({"attributes":{"id":"用户123"},"hashEncoding":"utf8"})";
  const std::string exp = R"({"key":"","variations":[0,1],"ranges":[[0,1],[1,1]],"hashVersion":1})";
  CHECK(json::parse(run_experiment(ctx16, exp).value())["result"]["bucket"] == 0.784);
  CHECK(json::parse(run_experiment(ctx8, exp).value())["result"]["bucket"] == 0.455);
}

TEST_CASE("experiment: bad input is a clear error or a documented safe default", "[experiment]") {
  CHECK(eval_feature("{", "f").error().code == errc::invalid_json);
  CHECK(eval_feature("[]", "f").error().code == errc::invalid_config);
  CHECK(eval_feature(R"({"attributes":5})", "f").error().where == "attributes");
  CHECK(eval_feature(R"({"features":[]})", "f").error().where == "features");
  auto deep = eval_feature(R"({"savedGroups":{"g":{"type":"condition","condition":{"s":{"$regex":")" +
                               std::string(300, 'a') + "\"}}}}}", "f");
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == errc::limit_exceeded);
  CHECK(run_experiment("{}", R"({"key":"k"})").error().where == "variations");
  // Weights that do not sum to 1 and coverage outside [0,1] are normalized as the SDK does.
  auto r = run_experiment(R"({"attributes":{"id":"1"}})",
                          R"({"key":"k","variations":[0,1],"weights":[0.9,0.9],"coverage":7})");
  REQUIRE(r.ok());
  CHECK(json::parse(r.value())["result"]["inExperiment"] == true);
  // Unknown operators in a rule's condition: the rule does not match.
  auto u = eval_feature(R"({"attributes":{"id":"1"},"features":{"f":{"defaultValue":1,
      "rules":[{"condition":{"id":{"$bogus":1}},"force":2}]}}})", "f");
  REQUIRE(u.ok());
  CHECK(json::parse(u.value())["result"]["value"] == 1);
  // Garbage rules never crash.
  for (const char* rules : {R"([null,1,"x",[],{}])", R"([{"variations":"ab"}])",
                            R"([{"variations":[1,2],"ranges":"x","meta":5,"namespace":[1]}])",
                            R"([{"variations":[1,2],"weights":["a","b"],"hashVersion":"2"}])",
                            R"([{"force":1,"range":[0],"coverage":"x"}])",
                            R"([{"parentConditions":[{"id":"f"}],"force":1}])"}) {
    INFO(rules);
    auto g = eval_feature(std::string(R"({"attributes":{"id":"1"},"features":{"f":{"rules":)") + rules + "}}}", "f");
    CHECK(g.ok());
  }
}

TEST_CASE("experiment: sticky cookie round-trips, evicts LRU and rejects tampering", "[experiment]") {
  const json docs = {{"id||用户1", {{"attributeName", "id"}, {"attributeValue", "用户1"},
                                   {"assignments", {{"exp|a__0", "1"}, {"exp=b__2", "control"}}}}},
                     {"deviceId||d 1", {{"attributeName", "deviceId"}, {"attributeValue", "d 1"},
                                        {"assignments", {{"checkout__0", "v~2"}}}}}};
  auto cookie = sticky_cookie_encode(docs.dump(), "[]");
  REQUIRE(cookie.ok());
  CHECK(cookie->size() <= sticky_cookie_max_bytes);
  for (char c : *cookie) CHECK(std::string_view(" \",;\\").find(c) == std::string_view::npos);
  auto back = sticky_cookie_decode(*cookie);
  REQUIRE(back.ok());
  CHECK(json::parse(*back)["stickyBucketAssignmentDocs"] == docs);

  // LRU: with many assignments the cookie stays within budget and keeps the newest.
  json many = json::object();
  json recent = json::array();
  for (int i = 0; i < 200; ++i) {
    const std::string exp = "experiment-" + std::to_string(i) + "__0";
    many["id||u1"]["attributeName"] = "id";
    many["id||u1"]["attributeValue"] = "u1";
    many["id||u1"]["assignments"][exp] = std::to_string(i % 3);
    recent.push_back({"id||u1", exp});
  }
  auto big = sticky_cookie_encode(many.dump(), recent.dump());
  REQUIRE(big.ok());
  CHECK(big->size() <= sticky_cookie_max_bytes);
  CHECK(big->size() > sticky_cookie_max_bytes - 64);
  const json kept = json::parse(*sticky_cookie_decode(*big))["stickyBucketAssignmentDocs"]["id||u1"]["assignments"];
  CHECK(kept.contains("experiment-199__0"));
  CHECK_FALSE(kept.contains("experiment-0__0"));
  // A smaller budget keeps a suffix of the same order.
  auto small = sticky_cookie_encode(many.dump(), recent.dump(), 200);
  REQUIRE(small.ok());
  CHECK(small->size() <= 200);

  // Every truncation and every single-byte change is rejected (or decodes identically).
  const std::string good = *cookie;
  for (std::size_t n = 0; n < good.size(); ++n) {
    CHECK_FALSE(sticky_cookie_decode(good.substr(0, n)).ok());
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto r = sticky_cookie_decode(bad);
    if (r.ok()) CHECK(json::parse(*r) == json::parse(*back));
    else CHECK((r.error().code == errc::invalid_state || r.error().code == errc::limit_exceeded));
  }
  CHECK(sticky_cookie_decode(std::string(sticky_cookie_max_bytes + 1, 'a')).error().code == errc::limit_exceeded);
  CHECK(sticky_cookie_decode("s2.x~00000000").error().code == errc::invalid_state);
  CHECK(sticky_cookie_encode("[]", "[]").error().code == errc::invalid_field);
}

namespace {

json read_vector(const std::string& name) {
  std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/tests/vectors/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

json decoded(const std::string& cookie) {
  if (cookie.empty()) return {{"stickyBucketAssignmentDocs", json::object()}, {"order", json::array()}};
  auto d = sticky_cookie_decode(cookie);
  REQUIRE(d.ok());
  return json::parse(d.value());
}

// One page: every feature evaluated with the sticky docs and their order, then
// the docs encoded in the order the evaluation returns (what both JS callers do).
json page_view(const gb_definitions& defs, const json& attributes, json& docs, json& order) {
  const json user = {{"attributes", attributes}, {"stickyBucketAssignmentDocs", docs}, {"stickyBucketOrder", order}};
  auto out = eval_all_features(defs, user.dump());
  REQUIRE(out.ok());
  json r = json::parse(out.value());
  docs = r["stickyBucketAssignmentDocs"];
  order = r["stickyBucketOrder"];
  return r;
}

std::string cookie_of(const json& docs, const json& order) {
  auto c = sticky_cookie_encode(docs.dump(), order.dump());
  REQUIRE(c.ok());
  return c.value();
}

}  // namespace

TEST_CASE("experiment: the sticky cookie's LRU order is the core's (tests/vectors/sticky-lru.json)", "[experiment]") {
  const json v = read_vector("sticky-lru.json");
  const json& steps = v["steps"];
  // As the edge worker does: through the cookie on every page.
  std::string cookie;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    INFO("edge, step " << i + 1);
    auto defs = load_gb_definitions(v["definitions"][step["definitions"].get<std::string>()].dump());
    REQUIRE(defs.ok());
    json state = decoded(cookie);
    const json out = page_view(defs.value(), {{"id", v["uid"]}, {"path", step["path"]}},
                               state["stickyBucketAssignmentDocs"], state["order"]);
    CHECK(out["features"]["hero"]["value"] == step["hero"]);
    cookie = cookie_of(state["stickyBucketAssignmentDocs"], state["order"]);
    CHECK(cookie == step["cookie"].get<std::string>());
    CHECK(out["stickyBucketOrder"] == decoded(step["cookie"])["order"]);
  }
  // As the SDK does: docs and order kept in memory while the definitions stay,
  // read from the cookie when a new page brings new definitions.
  json docs = json::object(), order = json::array();
  std::string loaded;
  std::optional<gb_definitions> defs;
  cookie.clear();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    INFO("sdk, step " << i + 1);
    if (step["definitions"] != loaded) {
      loaded = step["definitions"].get<std::string>();
      auto d = load_gb_definitions(v["definitions"][loaded].dump());
      REQUIRE(d.ok());
      defs = std::move(d.value());
      const json state = decoded(cookie);
      docs = state["stickyBucketAssignmentDocs"];
      order = state["order"];
    }
    page_view(*defs, {{"id", v["uid"]}, {"path", step["path"]}}, docs, order);
    cookie = cookie_of(docs, order);
    CHECK(cookie == step["cookie"].get<std::string>());
  }
  // The former JS rules wrote the same assignments in another order where noted.
  for (const json& step : steps) {
    for (const char* former : {"former_sdk_rule_cookie", "former_edge_rule_cookie"}) {
      if (!step.contains(former)) continue;
      INFO(former);
      CHECK(step[former] != step["cookie"]);
      CHECK(decoded(step[former])["stickyBucketAssignmentDocs"] == decoded(step["cookie"])["stickyBucketAssignmentDocs"]);
    }
  }
}

TEST_CASE("experiment: stickyBucketOrder in is checked; out lists every assignment once", "[experiment]") {
  const json doc = {{"attributeName", "id"}, {"attributeValue", "u"},
                    {"assignments", {{"a__0", "x"}, {"b__0", "y"}, {"c__0", "z"}}}};
  const json docs = {{"id||u", doc}, {"deviceId||d", {{"attributeName", "deviceId"}, {"attributeValue", "d"},
                                                      {"assignments", {{"a__0", "x"}}}}}};
  json ctx = {{"attributes", {{"id", "u"}}}, {"features", json::object()}, {"stickyBucketAssignmentDocs", docs}};
  // Unlisted first (in the docs' order), then by last listing; pairs the docs do not hold are dropped.
  ctx["stickyBucketOrder"] = json::parse(R"([["id||u","c__0"],["id||u","a__0"],["id||u","gone__0"],["id||u","c__0"]])");
  auto r = eval_all_features(ctx.dump());
  REQUIRE(r.ok());
  CHECK(json::parse(r.value())["stickyBucketOrder"] ==
        json::parse(R"([["deviceId||d","a__0"],["id||u","b__0"],["id||u","a__0"],["id||u","c__0"]])"));
  // Without an order every assignment is unlisted; without docs there is no order.
  ctx.erase("stickyBucketOrder");
  CHECK(json::parse(eval_all_features(ctx.dump()).value())["stickyBucketOrder"] ==
        json::parse(R"([["deviceId||d","a__0"],["id||u","a__0"],["id||u","b__0"],["id||u","c__0"]])"));
  ctx.erase("stickyBucketAssignmentDocs");
  CHECK_FALSE(json::parse(eval_all_features(ctx.dump()).value()).contains("stickyBucketOrder"));
  // A bad order is an error naming where.
  const std::pair<const char*, const char*> bad_orders[] = {
      {"5", "stickyBucketOrder"}, {R"([["a","b"],["a"]])", "stickyBucketOrder[1]"},
      {R"([["a",1]])", "stickyBucketOrder[0]"}, {R"(["a||b"])", "stickyBucketOrder[0]"}};
  for (const auto& [bad, where] : bad_orders) {
    INFO(bad);
    ctx["stickyBucketOrder"] = json::parse(bad);
    auto e = eval_all_features(ctx.dump());
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == errc::invalid_field);
    CHECK(e.error().where == where);
  }
  ctx["stickyBucketOrder"] = nullptr;
  CHECK(eval_all_features(ctx.dump()).ok());
}

TEST_CASE("experiment: a sticky assignment read from the fallback doc counts as used", "[experiment]") {
  // Assigned while anonymous (deviceId), now signed in: the read doc and the written one are both used.
  const json features = json::parse(R"({"f":{"defaultValue":0,"rules":[{"key":"e","variations":[0,1],
    "hashAttribute":"id","fallbackAttribute":"deviceId","meta":[{"key":"a"},{"key":"b"}]}]},
    "g":{"defaultValue":0,"rules":[{"key":"old","variations":[0,1],"meta":[{"key":"a"},{"key":"b"}]}]}})");
  const json docs = json::parse(R"({"deviceId||d1":{"attributeName":"deviceId","attributeValue":"d1",
    "assignments":{"e__0":"b","z__0":"a"}}})");
  const json ctx = {{"attributes", {{"id", "u1"}, {"deviceId", "d1"}}}, {"features", features},
                    {"stickyBucketAssignmentDocs", docs},
                    {"stickyBucketOrder", json::parse(R"([["deviceId||d1","e__0"],["deviceId||d1","z__0"]])")}};
  auto r = eval_all_features(ctx.dump());
  REQUIRE(r.ok());
  const json out = json::parse(r.value());
  CHECK(out["features"]["f"]["experimentResult"]["stickyBucketUsed"] == true);
  CHECK(out["features"]["f"]["value"] == 1);
  CHECK(out["stickyBucketOrder"] == json::parse(R"([["deviceId||d1","z__0"],["deviceId||d1","e__0"],
    ["id||u1","e__0"],["id||u1","old__0"]])"));
}

TEST_CASE("experiment: analysis matches textbook values", "[experiment]") {
  // 10% vs 12% on 1000 visitors each. Expected values from the closed forms
  // (delta method; erfc for the normal CDF; chi-square df=1 p = erfc(sqrt(x/2))).
  std::vector<arm_stats> arms = {{"control", 1000, 100, 2000.0, 50000.0}, {"b", 1000, 120, 2600.0, 70000.0}};
  auto r = analyze(arms, {});
  REQUIRE(r.ok());
  const arm_result& b = r->arms[1];
  CHECK(b.conversion_rate == Approx(0.12));
  CHECK(b.revenue_per_visitor == Approx(2.6));
  CHECK(b.uplift == Approx(0.2));
  CHECK(b.ci_low == Approx(-0.10058461614448233).epsilon(1e-9));
  CHECK(b.ci_high == Approx(0.5005846161444824).epsilon(1e-9));
  CHECK(b.chance_to_beat_control == Approx(0.9229071385515082).epsilon(1e-6));
  CHECK(b.rpv_uplift == Approx(0.3));
  CHECK(r->srm_p_value == Approx(1.0));
  CHECK_FALSE(r->srm_detected);

  // SRM: 5000 vs 5200 on a 50/50 split: chi2 = 3.92157, p = 0.04767.
  arms = {{"a", 5000, 10, 0, 0}, {"b", 5200, 10, 0, 0}};
  analysis_options srm;
  srm.srm_threshold = 0.05;
  auto s = analyze(arms, srm);
  REQUIRE(s.ok());
  CHECK(s->srm_chi2 == Approx(3.9215686274509802));
  CHECK(s->srm_p_value == Approx(0.04767038065616144).epsilon(1e-6));
  CHECK(s->srm_detected);
  // df = 2: p = exp(-chi2/2); 3 arms with chi2 = 6.
  arms = {{"a", 1000, 0, 0, 0}, {"b", 1000, 0, 0, 0}, {"c", 1000, 0, 0, 0}};
  srm.expected_weights = {0.5, 0.25, 0.25};
  auto t = analyze(arms, srm);
  REQUIRE(t.ok());
  // expected 1500/750/750: chi2 = 500^2/1500 + 2 * 250^2/750 = 333.33
  CHECK(t->srm_chi2 == Approx(1000.0 / 3.0));
  CHECK(t->srm_p_value == Approx(std::exp(-t->srm_chi2 / 2)).margin(1e-12));

  // Sequential intervals are wider than fixed-horizon ones and contain them.
  arms = {{"control", 1000, 100, 0, 0}, {"b", 1000, 120, 0, 0}};
  analysis_options seq;
  seq.sequential = true;
  auto q = analyze(arms, seq);
  REQUIRE(q.ok());
  CHECK(q->arms[1].ci_low < -0.10058461614448233);
  CHECK(q->arms[1].ci_high > 0.5005846161444824);

  CHECK(analyze({{"a", 1, 2, 0, 0}, {"b", 1, 0, 0, 0}}, {}).error().where == "arms[0]");
  CHECK(analyze({{"a", 1, 0, 0, 0}}, {}).error().code == errc::invalid_config);
}

TEST_CASE("experiment: Thompson sampling bandit weights", "[experiment]") {
  const std::vector<arm_stats> arms = {{"a", 1000, 100, 0, 0}, {"b", 1000, 150, 0, 0}, {"c", 1000, 90, 0, 0}};
  bandit_options opt;
  opt.seed = fnv1a32("exp-1/2026-11-28");
  auto w = bandit_weights(arms, opt);
  REQUIRE(w.ok());
  double sum = 0;
  for (double x : *w) {
    sum += x;
    CHECK(x >= opt.exploration_floor);
  }
  CHECK(sum == Approx(1.0));
  CHECK((*w)[1] > 0.95);  // b is clearly best
  auto again = bandit_weights(arms, opt);
  CHECK(again.value() == w.value());  // deterministic given the seed
  opt.seed += 1;
  auto other = bandit_weights(arms, opt);
  REQUIRE(other.ok());
  // Identical arms share traffic evenly (within Monte Carlo error).
  const std::vector<arm_stats> same = {{"a", 500, 50, 0, 0}, {"b", 500, 50, 0, 0}};
  opt.draws = 20000;
  auto even = bandit_weights(same, opt);
  REQUIRE(even.ok());
  CHECK((*even)[0] == Approx(0.5).margin(0.02));
  opt.exploration_floor = 0.6;
  CHECK(bandit_weights(same, opt).error().code == errc::invalid_config);
  opt.exploration_floor = 0.01;
  opt.draws = max_bandit_draws + 1;
  CHECK(bandit_weights(same, opt).error().code == errc::invalid_config);
}

// Byte-identical decisions on every target: the same goldens are checked
// natively, in wasm (this file) and through the JS API (experiment-diff.test.mjs).
TEST_CASE("experiment: bandit and analysis goldens", "[experiment]") {
  auto slurp = [](const std::string& name) {
    std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/tests/golden/experiment/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  };
  auto b = bandit_json(slurp("bandit.in.json"));
  REQUIRE(b.ok());
  CHECK(b.value() == slurp("bandit.out.json"));
  auto a = analyze_json(slurp("analyze.in.json"));
  REQUIRE(a.ok());
  CHECK(a.value() == slurp("analyze.out.json"));
}

TEST_CASE("experiment: exposures are deduplicated per shopper and experiment", "[experiment]") {
  // Two features running the same experiment: one exposure. A tracked key: none.
  const json ctx = {{"attributes", {{"id", "123"}}},
                    {"features", {{"a", {{"rules", json::array({{{"key", "exp"}, {"variations", {"x", "y"}}}})}}},
                                  {"b", {{"rules", json::array({{{"key", "exp"}, {"variations", {"x", "y"}}}})}}}}}};
  const json out = json::parse(eval_all_features(ctx.dump()).value());
  REQUIRE(out.at("exposures").size() == 1);
  const json& e = out["exposures"][0];
  CHECK(e["experimentKey"] == "exp");
  CHECK(e["dedupeKey"] == "id123exp" + std::to_string(e["variationId"].get<int>()));
  json again = ctx;
  again["trackedExperiments"] = json::array({e["dedupeKey"]});
  CHECK(json::parse(eval_all_features(again.dump()).value()).at("exposures").empty());
  json other = ctx;
  other["attributes"]["id"] = "456";
  other["trackedExperiments"] = json::array({e["dedupeKey"]});
  CHECK(json::parse(eval_all_features(other.dump()).value()).at("exposures").size() == 1);
}
