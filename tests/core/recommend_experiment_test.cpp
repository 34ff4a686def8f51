// Recommender configurations as experiment variations: a slot names a
// GrowthBook feature whose value picks the configuration (slot_experiment.hpp).
#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <set>
#include <string>

#include "tailor/experiment.hpp"
#include "tailor/recommend.hpp"
#include "tailor/train.hpp"

using namespace tailor;
using nlohmann::json;

namespace {

using test::purchase;

const json home_sources = {{"repeat", 1}, {"ease", 0.25}, {"trending", 0.025}};
const json patch_c = {{"size", 2}, {"sources", {{"ease", 1}, {"trending", 0}}}};

json features() {
  return {{"home-recs",
           {{"defaultValue", nullptr},
            {"rules", json::array({{{"key", "recs-home"},
                                    {"variations", json::array({nullptr, "home_b", patch_c})},
                                    {"meta", json::array({{{"key", "control"}}, {{"key", "b"}}, {{"key", "c"}}})}}})}}}};
}

// home runs the experiment; home_plain, home_b and home_c are what each variation must serve.
json experiment_config() {
  json home = {{"size", 4}, {"anchor", "profile"}, {"sources", home_sources}};
  json plain = home;
  json c = home;
  c.merge_patch(patch_c);
  home["experiment"] = "home-recs";
  return {{"slots",
           {{"home", home},
            {"home_plain", plain},
            {"home_b", {{"size", 3}, {"anchor", "profile"}, {"sources", {{"popular", 1}}}}},
            {"home_c", c}}},
          {"features", features()}};
}

struct served {
  std::vector<uint64_t> buf;
  recommender r;
  status opened;
  explicit served(const json& config) : opened(ok_value) {
    auto log = build_log({purchase("1", "u1", 1000, {"a", "b", "c"}), purchase("2", "u2", 2000, {"a", "b"}),
                          purchase("3", "u3", 3000, {"b", "c", "d"}), purchase("4", "u4", 4000, {"d", "e"}),
                          purchase("5", "u5", 5000, {"e", "f", "a"}), purchase("6", "u6", 6000, {"f", "e"})});
    train_options o;
    o.ease_lambda = 1.0;
    model m = train(log.value(), o).value();
    std::vector<bundle_item> items;
    for (std::size_t i = 0; i < m.items.size(); ++i) {
      items.push_back(bundle_item{m.items[i], "T" + m.items[i], "", static_cast<int64_t>(100 * (i + 1)), true});
    }
    auto bytes = write_bundle(m, items, config.dump()).value();
    buf.resize(bytes.size() / 8 + 1);
    std::memcpy(buf.data(), bytes.data(), bytes.size());
    auto rec = recommender::open(std::string_view(reinterpret_cast<const char*>(buf.data()), bytes.size()));
    if (rec) r = std::move(rec.value());
    else opened = rec.error();
  }
  json run(const json& req) const {
    auto d = r.recommend(req.dump());
    INFO((d.ok() ? std::string() : d.error().message + " at " + d.error().where));
    REQUIRE(d.ok());
    return json::parse(d.value());
  }
};

json request(const std::string& slot, const json& extra = json::object()) {
  json req = {{"slot", slot},
              {"now", 7000},
              {"events", json::array({{{"type", "view"}, {"id", "v1"}, {"ts", 6500}, {"uid", "s"}, {"item_id", "a"}},
                                      {{"type", "view"}, {"id", "v2"}, {"ts", 6600}, {"uid", "s"}, {"item_id", "d"}}})}};
  req.update(extra);
  return req;
}

json context_of(const std::string& uid) { return {{"attributes", {{"id", uid}}}}; }

// The experiment module's own answer for the same definitions and user (checked
// against @growthbook/growthbook in experiment_test.cpp and tests/js).
json feature_result(const std::string& uid) {
  json ctx = context_of(uid);
  ctx["features"] = features();
  return json::parse(eval_feature(ctx.dump(), "home-recs").value())["result"];
}

}  // namespace

TEST_CASE("recommend experiment: each shopper gets the configuration of their variation",
          "[recommend][experiment]") {
  served s(experiment_config());
  REQUIRE(s.opened.ok());
  const json plain = s.run(request("home_plain"));
  const json b = s.run(request("home_b"));
  const json c = s.run(request("home_c"));
  REQUIRE(plain["items"] != b["items"]);
  REQUIRE(plain["items"] != c["items"]);
  std::set<int> seen;
  for (int i = 0; i < 120; ++i) {
    const std::string uid = "shopper-" + std::to_string(i);
    INFO(uid);
    const json d = s.run(request("home", {{"experiment_context", context_of(uid)}}));
    const json fr = feature_result(uid);
    const json& x = d["experiment"];
    CHECK(d["slot"] == "home");
    CHECK(x["feature"] == "home-recs");
    CHECK(x["source"] == "experiment");
    CHECK(x["experiment_key"] == "recs-home");
    CHECK(x["in_experiment"] == true);
    const int v = x["variation_id"].get<int>();
    CHECK(v == fr["experimentResult"]["variationId"].get<int>());
    CHECK(x["variation_key"] == json::array({"control", "b", "c"})[static_cast<std::size_t>(v)]);
    seen.insert(v);
    const json& want = v == 0 ? plain : v == 1 ? b : c;
    CHECK(d["items"] == want["items"]);
    CHECK(d["warnings"] == want["warnings"]);
    CHECK(x["config"] == json::array({"default", "slot:home_b", "override"})[static_cast<std::size_t>(v)]);
    // One exposure per shopper and experiment, with the SDK's deduplication key.
    REQUIRE(x["exposure"].is_object());
    CHECK(x["exposure"]["dedupeKey"] == "id" + uid + "recs-home" + std::to_string(v));
    CHECK(x["exposure"]["featureId"] == "home-recs");
    // An assignment made elsewhere (e.g. at the edge) gives the same decision.
    const json again = s.run(request("home", {{"assignments", {{"home-recs", fr}}}}));
    CHECK(again["items"] == d["items"]);
    CHECK(again["experiment"]["variation_id"] == v);
    // Already tracked: no second exposure.
    json tracked = context_of(uid);
    tracked["trackedExperiments"] = json::array({x["exposure"]["dedupeKey"]});
    CHECK(s.run(request("home", {{"experiment_context", tracked}}))["experiment"]["exposure"].is_null());
  }
  CHECK(seen == std::set<int>{0, 1, 2});
}

TEST_CASE("recommend experiment: no context, forced values and sticky buckets", "[recommend][experiment]") {
  // Without attributes nobody is in the experiment: the default value (null) is the control.
  served s(experiment_config());
  const json plain = s.run(request("home_plain"));
  const json none = s.run(request("home"));
  CHECK(none["items"] == plain["items"]);
  CHECK(none["experiment"]["in_experiment"] == false);
  CHECK(none["experiment"]["config"] == "default");
  CHECK(none["experiment"]["exposure"].is_null());
  // A 100% rollout (force rule) serves its configuration to everyone, without exposure.
  json cfg = experiment_config();
  cfg["features"]["home-recs"]["rules"] = json::array({{{"force", "home_b"}}});
  served forced(cfg);
  const json f = forced.run(request("home", {{"experiment_context", context_of("u1")}}));
  CHECK(f["items"] == forced.run(request("home_b"))["items"]);
  CHECK(f["experiment"]["source"] == "force");
  CHECK(f["experiment"]["exposure"].is_null());
  // Sticky bucketing: the updated docs come back for the cookie.
  json sticky = context_of("u7");
  sticky["stickyBucketAssignmentDocs"] = json::object();
  const json st = s.run(request("home", {{"experiment_context", sticky}}));
  const json docs = st["experiment"]["stickyBucketAssignmentDocs"];
  REQUIRE(docs.contains("id||u7"));
  CHECK(docs["id||u7"]["assignments"]["recs-home__0"] == st["experiment"]["variation_key"]);
  CHECK_FALSE(s.run(request("home", {{"experiment_context", context_of("u7")}}))["experiment"].contains(
      "stickyBucketAssignmentDocs"));
}

TEST_CASE("recommend experiment: any problem serves the control with a warning and no exposure",
          "[recommend][experiment][bad-input]") {
  served s(experiment_config());
  const json plain = s.run(request("home_plain"));
  const json base_fr = feature_result("u1");
  auto with_value = [&](const json& value) {
    json fr = base_fr;
    fr["value"] = value;
    return s.run(request("home", {{"assignments", {{"home-recs", fr}}}}));
  };
  for (const json& bad : {json(5), json(true), json::array({1}), json("no_such_slot"),
                          json({{"size", 0}}), json({{"sources", {{"bogus", 1}}}}), json({{"experiment", "x"}})}) {
    INFO(bad.dump());
    const json d = with_value(bad);
    CHECK(d["items"] == plain["items"]);
    CHECK(d["experiment"]["config"] == "default");
    CHECK(d["experiment"]["exposure"].is_null());
    REQUIRE(d["warnings"].size() == 1);
    CHECK(d["warnings"][0].get<std::string>().find("experiment \"home-recs\"") == 0);
  }
  // A malformed context or assignment: the control, the error named in the warning.
  for (const json& extra : {json({{"experiment_context", 5}}),
                            json({{"experiment_context", {{"attributes", 5}}}}),
                            json({{"assignments", {{"home-recs", "b"}}}})}) {
    INFO(extra.dump());
    const json d = s.run(request("home", extra));
    CHECK(d["items"] == plain["items"]);
    CHECK(d["experiment"]["source"] == "error");
    CHECK(d["experiment"]["exposure"].is_null());
    CHECK(d["warnings"].size() == 1);
  }
  const json not_object = s.run(request("home", {{"assignments", 5}, {"experiment_context", context_of("u1")}}));
  CHECK(not_object["warnings"][0] == "assignments must be an object of FeatureResults; ignored");
  // Giant attributes make the request itself too large: a clear error, nothing served.
  json giant = context_of("u1");
  giant["attributes"]["blob"] = std::string(5u << 20, 'x');
  CHECK(s.r.recommend(request("home", {{"experiment_context", giant}}).dump()).error().code == errc::limit_exceeded);
  // A bundle without definitions: the feature is unknown, so the control.
  json no_defs = experiment_config();
  no_defs.erase("features");
  served u(no_defs);
  REQUIRE(u.opened.ok());
  const json d = u.run(request("home", {{"experiment_context", context_of("u1")}}));
  CHECK(d["experiment"]["source"] == "unknownFeature");
  CHECK(d["items"] == u.run(request("home_plain"))["items"]);
}

TEST_CASE("recommend experiment: bad variations in the bundle are errors naming them", "[recommend][experiment][bad-input]") {
  auto open_error = [](const json& cfg) {
    CHECK_FALSE(validate_recommend_config(cfg.dump()).ok());
    served s(cfg);
    REQUIRE_FALSE(s.opened.ok());
    return s.opened.error();
  };
  json cfg = experiment_config();
  cfg["features"]["home-recs"]["rules"][0]["variations"][2] = {{"size", 0}};
  auto e = open_error(cfg);
  CHECK(e.code == errc::invalid_field);  // the slot config's own check of `size`
  CHECK(e.where == "config.features.home-recs.rules[0].variations[2].size");
  cfg = experiment_config();
  cfg["features"]["home-recs"]["rules"][0]["variations"][1] = "nowhere";
  CHECK(open_error(cfg).where == "config.features.home-recs.rules[0].variations[1]");
  cfg = experiment_config();
  cfg["features"]["home-recs"]["defaultValue"] = 3;
  CHECK(open_error(cfg).where == "config.features.home-recs.defaultValue");
  cfg = experiment_config();
  cfg["slots"]["home"]["experiment"] = "typo";
  CHECK(open_error(cfg).where == "config.slots.home.experiment");
  cfg = experiment_config();
  cfg["slots"]["home"]["experiment"] = 7;
  CHECK(open_error(cfg).where == "config.slots.home.experiment");
  cfg = experiment_config();
  cfg["features"] = json::array();
  CHECK(open_error(cfg).where == "config.features");
  CHECK(validate_recommend_config(experiment_config().dump()).ok());
}
