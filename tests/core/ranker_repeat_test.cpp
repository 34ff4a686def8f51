// The ranker's repeat-purchase features, the MLP ranker and the ranker file:
// expected values on tiny hand-made histories and hand-computed forward passes.
#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "tailor/train.hpp"

using namespace tailor;
using test::purchase;

namespace {

constexpr int64_t day = 86'400'000;

uint32_t idx(const model& m, const std::string& id) {
  return static_cast<uint32_t>(std::lower_bound(m.items.begin(), m.items.end(), id) - m.items.begin());
}

// u1 buys a on days 10, 12, 16 (gaps 2 and 4); u2 buys a twice on day 10 (no gap)
// and b on days 11 and 31 (gap 20); u3 buys c, d and e once.
model repeat_model() {
  std::vector<event> evs{purchase("1", "u1", 10 * day, {"a"}),     purchase("2", "u1", 12 * day, {"a"}),
                         purchase("3", "u1", 16 * day, {"a"}),     purchase("4", "u2", 10 * day, {"a"}),
                         purchase("5", "u2", 10 * day + 3600000, {"a"}), purchase("6", "u2", 11 * day, {"b"}),
                         purchase("7", "u2", 31 * day, {"b"}),     purchase("8", "u3", 5 * day, {"c", "d", "e"})};
  auto log = build_log(evs);
  REQUIRE(log.ok());
  train_options o;
  o.ease_lambda = 1.0;
  o.embedding_dim = 0;
  auto m = train(log.value(), o);
  REQUIRE(m.ok());
  return std::move(m.value());
}

// The mean log gap over all shoppers' gaps: (ln 2 + ln 4 + ln 20) / 3.
const double global_log_gap = std::log(160.0) / 3;

}  // namespace

TEST_CASE("train: the typical repurchase gap per item (geometric mean shrunk to the global one)", "[train][ranker]") {
  const model m = repeat_model();
  REQUIRE(m.repeat_gap_days.size() == m.items.size());
  CHECK(m.repeat_gap_days[idx(m, "a")] == Approx(std::exp((std::log(8.0) + 5 * global_log_gap) / 7)));
  CHECK(m.repeat_gap_days[idx(m, "b")] == Approx(std::exp((std::log(20.0) + 5 * global_log_gap) / 6)));
  CHECK(m.repeat_gap_days[idx(m, "c")] == Approx(std::exp(global_log_gap)));  // no gaps: the global one
}

TEST_CASE("ranker: repeat-purchase features on a hand-made history", "[train][ranker]") {
  const model m = repeat_model();
  // Orders on days 0, 4, 10 (a and b), 20, 34 (a twice in one order); c only viewed.
  std::vector<history_entry> h{{idx(m, "d"), event_type::purchase, 1, 0 * day},
                               {idx(m, "d"), event_type::purchase, 1, 4 * day},
                               {idx(m, "a"), event_type::purchase, 1, 10 * day},
                               {idx(m, "b"), event_type::purchase, 1, 10 * day},
                               {idx(m, "a"), event_type::purchase, 1, 20 * day},
                               {idx(m, "a"), event_type::purchase, 1, 34 * day},
                               {idx(m, "a"), event_type::purchase, 1, 34 * day},
                               {idx(m, "c"), event_type::view, 1, 35 * day}};
  const int64_t now = 40 * day + day / 2;
  std::vector<float> f;
  score_options so;
  const std::vector<uint32_t> cands{idx(m, "a"), idx(m, "b"), idx(m, "c"), idx(m, "d"), idx(m, "e")};
  ranker_features(m, h, now, so, cands, f);
  REQUIRE(f.size() == cands.size() * ranker_feature_count);
  auto at = [&](std::size_t c, const char* name) {
    uint32_t k = 0;
    while (k < ranker_feature_count && ranker_feature_name(k) != name) ++k;
    REQUIRE(k < ranker_feature_count);
    return static_cast<double>(f[c * ranker_feature_count + k]);
  };
  // Shopper-level: the same for every candidate.
  for (std::size_t c = 0; c < cands.size(); ++c) {
    CHECK(at(c, "orders") == Approx(std::log(6.0)));
    CHECK(at(c, "days_since_order") == Approx(std::log(7.5)));  // 40.5 - 34 days
    CHECK(at(c, "shopper_items") == Approx(std::log(5.0)));     // a, b, c, d
  }
  const double gap_a = m.repeat_gap_days[idx(m, "a")], gap_b = m.repeat_gap_days[idx(m, "b")],
               gap_d = m.repeat_gap_days[idx(m, "d")];
  // a: days 10, 20, 34; 6 days ago; own mean gap 12.
  CHECK(at(0, "item_days") == Approx(std::log(4.0)));
  CHECK(at(0, "days_since_item") == Approx(std::log(7.0)));
  CHECK(at(0, "due") == Approx(std::log(7.0 / (gap_a + 1))));
  CHECK(at(0, "own_due") == Approx(std::log(7.0 / 13.0)));
  // b: one day, 30 days ago; no own gap.
  CHECK(at(1, "item_days") == Approx(std::log(2.0)));
  CHECK(at(1, "days_since_item") == Approx(std::log(31.0)));
  CHECK(at(1, "due") == Approx(std::log(31.0 / (gap_b + 1))));
  CHECK(at(1, "own_due") == 0.0);
  // c: viewed, never bought; e: never touched. Both read as "400 days ago".
  for (std::size_t c : {2u, 4u}) {
    CHECK(at(c, "item_days") == 0.0);
    CHECK(at(c, "days_since_item") == Approx(std::log(401.0)));
    CHECK(at(c, "due") == 0.0);
    CHECK(at(c, "own_due") == 0.0);
  }
  // d: days 0 and 4, 36 days ago; own gap 4.
  CHECK(at(3, "item_days") == Approx(std::log(3.0)));
  CHECK(at(3, "days_since_item") == Approx(std::log(37.0)));
  CHECK(at(3, "due") == Approx(std::log(37.0 / (gap_d + 1))));
  CHECK(at(3, "own_due") == Approx(std::log(37.0 / 5.0)));
  // A shopper with no purchase: no orders, "never" for the last order.
  std::vector<history_entry> viewer{{idx(m, "a"), event_type::view, 1, 39 * day}};
  ranker_features(m, viewer, now, so, {idx(m, "a")}, f);
  CHECK(f[12] == 0.0f);
  CHECK(f[13] == Approx(std::log(401.0)));
  CHECK(f[14] == Approx(std::log(2.0)));
  CHECK(f[15] == 0.0f);
}

TEST_CASE("ranker: the MLP forward pass equals a hand computation", "[train][ranker]") {
  ranker_model r;
  r.hidden_units = 2;
  r.hidden_weights.assign(2 * ranker_feature_count, 0.0f);
  r.hidden_weights[0] = 1.0f;                          // unit 0: x0 - 2 x1 + 0.5
  r.hidden_weights[1] = -2.0f;
  r.hidden_weights[ranker_feature_count + 1] = 3.0f;   // unit 1: 3 x1 - 1
  r.hidden_bias = {0.5f, -1.0f};
  r.weights = {2.0f, -1.5f};
  r.bias = 0.25f;
  std::vector<float> x(ranker_feature_count, 7.0f);  // other columns weigh 0
  auto expect = [](double h0, double h1) {
    const double z = 2.0 * std::max(0.0, h0) - 1.5 * std::max(0.0, h1) + 0.25;
    return 1.0 / (1.0 + std::exp(-z));
  };
  x[0] = 1.0f;
  x[1] = 0.5f;  // h = (0.5, 0.5)
  CHECK(ranker_score(r, x.data()) == Approx(expect(0.5, 0.5)).epsilon(1e-6));
  x[0] = 0.2f;
  x[1] = 1.0f;  // h0 = -1.3 -> 0, h1 = 2
  CHECK(ranker_score(r, x.data()) == Approx(expect(-1.3, 2.0)).epsilon(1e-6));
  x[0] = 3.0f;
  x[1] = 0.0f;  // h0 = 3.5, h1 = -1 -> 0
  CHECK(ranker_score(r, x.data()) == Approx(expect(3.5, -1.0)).epsilon(1e-6));
  // A malformed model scores NaN (the evaluator sinks such rows), it never reads out of bounds.
  r.hidden_bias.pop_back();
  CHECK(std::isnan(ranker_score(r, x.data())));
}

TEST_CASE("ranker: the MLP learns an interaction a logistic model cannot", "[train][ranker]") {
  // Label = (x0 > 0.5) xor (x1 > 0.5): no linear model ranks it better than chance.
  std::vector<float> x;
  std::vector<uint8_t> y;
  uint64_t s = 7;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(s >> 40) / static_cast<float>(1 << 24);
  };
  for (int r = 0; r < 4000; ++r) {
    std::vector<float> row(ranker_feature_count, 0.0f);
    row[0] = next();
    row[1] = next();
    row[2] = 1.0f;  // constant: its weights stay 0
    y.push_back((row[0] > 0.5f) != (row[1] > 0.5f) ? 1 : 0);
    x.insert(x.end(), row.begin(), row.end());
  }
  auto auc = [&](const ranker_model& m) {
    std::vector<float> scores;
    for (std::size_t i = 0; i < y.size(); ++i) scores.push_back(ranker_score(m, x.data() + i * ranker_feature_count));
    return roc_auc(scores, y);
  };
  mlp_options o;
  o.hidden_units = 8;
  o.epochs = 30;
  o.learning_rate = 0.01;
  o.listwise = false;
  o.ensemble = 1;
  auto mlp = train_mlp_ranker(x, y, o);
  REQUIRE(mlp.ok());
  auto linear = train_ranker(x, y, 1.0);
  REQUIRE(linear.ok());
  CHECK(auc(mlp.value()) > 0.95);
  CHECK(auc(linear.value()) < 0.6);
  for (uint32_t j = 0; j < o.hidden_units; ++j) CHECK(mlp->hidden_weights[j * ranker_feature_count + 2] == 0.0f);
  // Deterministic for a seed; another seed starts elsewhere.
  auto again = train_mlp_ranker(x, y, o);
  CHECK(again->hidden_weights == mlp->hidden_weights);
  CHECK(again->weights == mlp->weights);
  o.seed = 43;
  CHECK(train_mlp_ranker(x, y, o)->hidden_weights != mlp->hidden_weights);
  // Bad input: named errors, limits at N and N + 1.
  o.seed = 42;
  o.epochs = 1;
  x[3 * ranker_feature_count + 1] = std::numeric_limits<float>::infinity();
  auto bad = train_mlp_ranker(x, y, o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "rows[3]");
  CHECK(bad.error().message.find("own_count") != std::string::npos);
  x[3 * ranker_feature_count + 1] = 0.0f;
  o.hidden_units = limits::max_hidden_units;
  CHECK(train_mlp_ranker(std::vector<float>(x.begin(), x.begin() + 10 * ranker_feature_count),
                         std::vector<uint8_t>(y.begin(), y.begin() + 10), o).ok());
  o.hidden_units = limits::max_hidden_units + 1;
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::limit_exceeded);
  o.hidden_units = limits::max_hidden_units / 2;
  o.ensemble = 3;  // 1.5 x the limit in all
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::limit_exceeded);
  o.ensemble = 1;
  o.hidden_units = 0;
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::limit_exceeded);
  o.hidden_units = 4;
  o.epochs = limits::max_mlp_epochs + 1;
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::limit_exceeded);
  o.epochs = 1;
  o.learning_rate = 0;
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::invalid_config);
  o.learning_rate = 0.01;
  CHECK(train_mlp_ranker({}, {}, o).error().code == errc::invalid_config);
  CHECK(train_mlp_ranker(x, std::vector<uint8_t>(y.begin(), y.end() - 1), o).error().code == errc::invalid_config);
}

TEST_CASE("ranker file: version 2 round trip; version 1 files load by feature name", "[train][ranker]") {
  ranker_model lin;
  for (uint32_t k = 0; k < ranker_feature_count; ++k) lin.weights.push_back(0.125f * static_cast<float>(k) - 1.0f / 3.0f);
  lin.bias = -2.5f;
  auto back = parse_ranker_json(ranker_to_json(lin));
  REQUIRE(back.ok());
  CHECK(back->hidden_units == 0);
  CHECK(back->weights == lin.weights);
  CHECK(back->bias == lin.bias);

  ranker_model mlp;
  mlp.hidden_units = 3;
  for (uint32_t i = 0; i < 3 * ranker_feature_count; ++i) mlp.hidden_weights.push_back(std::sin(static_cast<float>(i)));
  mlp.hidden_bias = {0.1f, -0.2f, 1.0f / 7.0f};
  mlp.weights = {1.5f, -0.75f, 0.3f};
  mlp.bias = 0.01f;
  auto mback = parse_ranker_json(ranker_to_json(mlp));
  REQUIRE(mback.ok());
  CHECK(mback->hidden_units == 3);
  CHECK(mback->hidden_weights == mlp.hidden_weights);  // bit-exact floats
  CHECK(mback->hidden_bias == mlp.hidden_bias);
  CHECK(mback->weights == mlp.weights);
  CHECK(mback->bias == mlp.bias);

  // Version 1 as written before: twelve named weights; the new features weigh 0.
  auto v1 = parse_ranker_json(R"({"features":["own_score","own_count","repeat_rate","ease","covisit","trending",
    "popularity","recency","is_own","blend","embedding","order_share"],
    "weights":[1,2,3,4,5,6,7,8,9,10,11,12],"bias":-1})");
  REQUIRE(v1.ok());
  REQUIRE(v1->weights.size() == ranker_feature_count);
  CHECK(v1->weights[11] == 12.0f);
  CHECK(v1->weights[12] == 0.0f);
  CHECK(v1->weights[ranker_feature_count - 1] == 0.0f);
  // Without names: twelve weights in the version 1 order.
  auto bare = parse_ranker_json(R"({"weights":[1,2,3,4,5,6,7,8,9,10,11,12],"bias":0})");
  REQUIRE(bare.ok());
  CHECK(bare->weights[0] == 1.0f);
  CHECK(bare->weights[11] == 12.0f);
  // Named subset in another order.
  auto subset = parse_ranker_json(R"({"features":["blend","is_own"],"weights":[2,-1],"bias":0})");
  REQUIRE(subset.ok());
  CHECK(subset->weights[9] == 2.0f);
  CHECK(subset->weights[8] == -1.0f);
  CHECK(subset->weights[0] == 0.0f);

  auto err = [](const char* text) { return parse_ranker_json(text).error(); };
  CHECK(err(R"({"version":3,"features":["blend"],"weights":[1],"bias":0})").where == "version");
  CHECK(err(R"({"version":3,"features":["blend"],"weights":[1],"bias":0})").message.find("version 3") != std::string::npos);
  CHECK(err(R"({"format":"other","weights":[1],"bias":0})").where == "format");
  CHECK(err(R"({"version":2,"weights":[1],"bias":0})").where == "features");
  CHECK(err(R"({"weights":[1,2,3],"bias":0})").where == "weights");
  CHECK(err(R"({"features":["blend","nope"],"weights":[1,2],"bias":0})").where == "features[1]");
  CHECK(err(R"({"features":["blend","blend"],"weights":[1,2],"bias":0})").code == errc::duplicate_id);
  CHECK(err(R"({"features":["blend"],"weights":[1,2],"bias":0})").where == "weights");
  CHECK(err(R"({"features":["blend"],"weights":[1]})").where == "bias");
  CHECK(err(R"({"features":["blend"],"weights":["1"],"bias":0})").where == "weights[0]");
  CHECK(err(R"({"kind":"tree","features":["blend"],"weights":[1],"bias":0})").where == "kind");
  CHECK(err(R"({"kind":"mlp","features":["blend"],"weights":[1],"bias":0})").where == "hidden");
  CHECK(err(R"({"kind":"mlp","features":["blend","is_own"],"weights":[1],"bias":0,
               "hidden":{"weights":[[1]],"bias":[0]}})").where == "hidden.weights[0]");
  CHECK(err(R"({"kind":"mlp","features":["blend"],"weights":[1,2],"bias":0,
               "hidden":{"weights":[[1]],"bias":[0]}})").where == "weights");
  CHECK(err(R"({"kind":"mlp","features":["blend"],"weights":[1],"bias":0,
               "hidden":{"weights":[[1]]}})").where == "hidden.bias");
  CHECK(err(R"({"features":["blend"],"weights":[1e300],"bias":0})").where == "weights[0]");  // inf as a float
  CHECK(err(R"({"features":["blend"],"weights":[1],"bias":-1e39})").where == "bias");
  CHECK(err("[1,2]").code == errc::invalid_field);
  CHECK(err("{").code == errc::invalid_json);
  auto ok_mlp = parse_ranker_json(R"({"kind":"mlp","features":["blend"],"weights":[2],"bias":0,
                                      "hidden":{"weights":[[1]],"bias":[-0.5]}})");
  REQUIRE(ok_mlp.ok());
  std::vector<float> x(ranker_feature_count, 0.0f);
  x[9] = 1.5f;  // blend: h = 1, z = 2
  CHECK(ranker_score(ok_mlp.value(), x.data()) == Approx(1.0 / (1.0 + std::exp(-2.0))));
}

TEST_CASE("ranker: listwise MLP ensembles learn the order within each group", "[train][ranker]") {
  // Groups of 10 rows (one shopper each); the positive is the row with the largest
  // x0; x1 is the group's size of basket, constant within a group and useless for
  // ordering it, but it shifts every row's base rate (what a pointwise loss would fit).
  std::vector<float> x;
  std::vector<uint8_t> y;
  std::vector<uint32_t> groups;
  uint64_t s = 11;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(s >> 40) / static_cast<float>(1 << 24);
  };
  constexpr uint32_t group_count = 300, per_group = 10;
  for (uint32_t g = 0; g < group_count; ++g) {
    const float basket = next();
    std::vector<float> x0(per_group);
    for (float& v : x0) v = next();
    const auto best = static_cast<std::size_t>(std::max_element(x0.begin(), x0.end()) - x0.begin());
    for (uint32_t r = 0; r < per_group; ++r) {
      std::vector<float> row(ranker_feature_count, 0.0f);
      row[0] = x0[r];
      row[1] = basket;
      x.insert(x.end(), row.begin(), row.end());
      y.push_back(r == best ? 1 : 0);
      groups.push_back(g);
    }
  }
  mlp_options o;  // the defaults: listwise, 8 hidden units, an ensemble of 5
  REQUIRE(o.listwise);
  auto m = train_mlp_ranker(x, y, o, {}, groups);
  REQUIRE(m.ok());
  CHECK(m->hidden_units == o.hidden_units * o.ensemble);
  CHECK(m->weights.size() == m->hidden_units);
  uint32_t top1 = 0;
  for (uint32_t g = 0; g < group_count; ++g) {
    std::size_t arg = 0;
    float best = -1;
    for (uint32_t r = 0; r < per_group; ++r) {
      const float p = ranker_score(m.value(), x.data() + (g * per_group + r) * ranker_feature_count);
      if (p > best) best = p, arg = r;
    }
    top1 += y[g * per_group + arg];
  }
  CHECK(top1 > group_count * 9 / 10);
  // The ensemble is the members' mean logit: member e is the network trained from seed + e.
  mlp_options one = o;
  one.ensemble = 1;
  one.seed = o.seed + 1;
  auto second = train_mlp_ranker(x, y, one, {}, groups);
  REQUIRE(second.ok());
  const std::size_t width = static_cast<std::size_t>(o.hidden_units) * ranker_feature_count;
  CHECK(std::equal(second->hidden_weights.begin(), second->hidden_weights.end(), m->hidden_weights.begin() + width));
  CHECK(m->weights[o.hidden_units] == second->weights[0] * (1.0f / 5.0f));
  // Listwise training without one group per row is an error.
  CHECK(train_mlp_ranker(x, y, o).error().code == errc::invalid_config);
}
