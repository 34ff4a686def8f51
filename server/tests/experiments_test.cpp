// Experiment results on the server: aggregates per variation computed by hand,
// analysis equal to the core's, variation order and weights from the config.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "experiments.hpp"
#include "tailor/event.hpp"
#include "tailor/experiment.hpp"

using namespace tailor::sync;
using json = nlohmann::json;

namespace {
std::string purchase(const char* id, const char* uid, const char* currency,
                     std::vector<tailor::line_item> lines) {
  tailor::event ev;
  ev.id = id;
  ev.type = tailor::event_type::purchase;
  ev.ts_ms = 1700000000000;
  ev.uid = uid;
  ev.order_id = std::string("o-") + id;
  ev.currency = currency;
  ev.lines = std::move(lines);
  return tailor::encode_event(ev);
}
}  // namespace

TEST_CASE("config layout: variation keys and normalized weights", "[sync]") {
  const json cfg = json::parse(R"({
    "features": {
      "checkout": {"defaultValue": "a", "rules": [
        {"force": "b"},
        {"key": "exp-checkout", "variations": ["a", "b", "c"], "weights": [2, 1, 1],
         "meta": [{"key": "control"}, {"key": "fast"}, {}]}]},
      "banner": {"defaultValue": false, "rules": [{"variations": [false, true]}]}
    },
    "experiments": [{"key": "auto-1", "variations": [{}, {}]}]
  })");
  auto l = find_experiment(cfg, "exp-checkout");
  REQUIRE(l);
  CHECK(l->variations == std::vector<std::string>{"control", "fast", "2"});
  CHECK(l->weights == std::vector<double>{0.5, 0.25, 0.25});
  auto banner = find_experiment(cfg, "banner");  // the rule's key defaults to the feature id
  REQUIRE(banner);
  CHECK(banner->variations == std::vector<std::string>{"0", "1"});
  CHECK(banner->weights == std::vector<double>{0.5, 0.5});
  CHECK(find_experiment(cfg, "auto-1"));
  CHECK_FALSE(find_experiment(cfg, "nope"));
  auto defs = gb_definitions_of(cfg);
  REQUIRE(defs);
  CHECK(json::parse(*defs).contains("features"));
  CHECK_FALSE(json::parse(*defs).contains("experiments"));
  CHECK_FALSE(gb_definitions_of(json::parse(R"({"profile":{}})")));
}

TEST_CASE("results: shoppers, conversions, revenue per variation and the core's analysis", "[sync]") {
  // u1: two EUR purchases (2 x 10.00 + 5.00); u2: none; u3: a GBP purchase
  // (converts, no EUR revenue); u4: 7.50 EUR; u5 in a variation the config lacks.
  std::vector<exposure_row> rows{
      {"u1", "0", purchase("p1", "u1", "EUR", {{"a", 2, 1000}})},
      {"u1", "0", purchase("p2", "u1", "EUR", {{"b", 1, 500}})},
      {"u2", "0", ""},
      {"u3", "1", purchase("p3", "u3", "GBP", {{"a", 1, 1000}})},
      {"u4", "1", purchase("p4", "u4", "EUR", {{"c", 3, 250}})},
      {"u5", "2", ""},
  };
  experiment_layout layout{{"0", "1"}, {0.5, 0.5}};
  auto r = experiment_results("exp", rows, layout, results_options{});
  REQUIRE(r);
  const json out = json::parse(r.value());
  CHECK(out["currency"] == "EUR");  // 3 EUR purchases vs 1 GBP
  CHECK(out["control"] == "0");
  CHECK(out["variations"] == json::parse(R"([
    {"variation":"0","exposed":2,"converted":1,"purchases":2,"revenue":25.0},
    {"variation":"1","exposed":2,"converted":2,"purchases":2,"revenue":7.5}])"));
  CHECK(out["other_variations"] == json::parse(R"([{"variation":"2","exposed":1}])"));
  const json& a = out["analysis"];
  CHECK(a["arms"][0]["conversion_rate"] == 0.5);
  CHECK(a["arms"][1]["conversion_rate"] == 1.0);
  CHECK(a["arms"][1]["uplift"].get<double>() == Approx(1.0));
  CHECK(a["arms"][0]["revenue_per_visitor"] == 12.5);
  CHECK(a["arms"][1]["revenue_per_visitor"] == 3.75);
  CHECK(a["arms"][1]["rpv_uplift"].get<double>() == Approx(-0.7));
  CHECK(a["srm"]["chi2"] == 0.0);
  CHECK(a["srm"]["detected"] == false);
  // Exactly the core's analysis of these arms (revenue_sq = 25^2 and 7.5^2).
  auto core = tailor::analyze_json(R"({"arms":[
    {"key":"0","users":2,"conversions":1,"revenue":25,"revenue_sq":625},
    {"key":"1","users":2,"conversions":2,"revenue":7.5,"revenue_sq":56.25}],
    "expected_weights":[0.5,0.5],"sequential":false})");
  REQUIRE(core);
  CHECK(a == json::parse(core.value()));

  // GBP revenue on request; sequential intervals are wider than fixed ones.
  results_options gbp;
  gbp.currency = "GBP";
  auto g = json::parse(experiment_results("exp", rows, layout, gbp).value());
  CHECK(g["variations"][1]["revenue"] == 10.0);
  CHECK(g["variations"][0]["revenue"] == 0.0);
  results_options seq;
  seq.sequential = true;
  auto s = json::parse(experiment_results("exp", rows, layout, seq).value());
  CHECK(s["analysis"]["sequential"] == true);
  CHECK(s["analysis"]["arms"][1]["rpv_ci"][1].get<double>() >
        out["analysis"]["arms"][1]["rpv_ci"][1].get<double>());
}

TEST_CASE("results without a config layout: arms by key; fewer than two, no analysis", "[sync]") {
  std::vector<exposure_row> rows{{"u1", "b", ""}, {"u2", "a", ""}, {"u3", "a", ""}};
  auto out = json::parse(experiment_results("exp", rows, std::nullopt, {}).value());
  CHECK(out["defined_in_config"] == false);
  CHECK(out["control"] == "a");
  CHECK(out["currency"] == nullptr);
  CHECK(out["variations"][0]["exposed"] == 2);
  CHECK(out["analysis"]["srm"]["chi2"].get<double>() == Approx(1.0 / 3.0));
  auto one = json::parse(experiment_results("exp", {{"u1", "a", ""}}, std::nullopt, {}).value());
  CHECK(one["analysis"] == nullptr);
  auto none = json::parse(experiment_results("exp", {}, std::nullopt, {}).value());
  CHECK(none["variations"] == json::array());
  CHECK(none["control"] == nullptr);
}
