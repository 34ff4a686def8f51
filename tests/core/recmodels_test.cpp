// Recommendation models beyond co-visitation/EASE: item embeddings (training,
// fold-in, serving), content similarity and cold items, per-category trending,
// purchase intent, the generic logistic trainer and AUC, session cases.
#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "tailor/bundle.hpp"
#include "tailor/eval.hpp"
#include "tailor/recommend.hpp"
#include "tailor/train.hpp"
#include "train/embed.hpp"

using namespace tailor;
using nlohmann::json;
using test::purchase;

namespace {

// Two worlds: users 1..4 buy from {a,b,c}, users 5..8 from {x,y,z}.
std::vector<event> two_blocks() {
  return {purchase("1", "u1", 1000, {"a", "b"}), purchase("2", "u2", 2000, {"b", "c"}),
          purchase("3", "u3", 3000, {"a", "c"}), purchase("4", "u4", 4000, {"a", "b", "c"}),
          purchase("5", "u5", 1000, {"x", "y"}), purchase("6", "u6", 2000, {"y", "z"}),
          purchase("7", "u7", 3000, {"x", "z"}), purchase("8", "u8", 4000, {"x", "y", "z"}),
          purchase("9", "u9", 4500, {"x"})};
}

model trained(const std::vector<event>& evs, uint32_t dim) {
  auto log = build_log(evs);
  REQUIRE(log.ok());
  train_options o;
  o.ease_lambda = 1.0;
  o.embedding_dim = dim;
  o.embedding_half_life_days = 0;  // binary X: exact oracles below
  auto m = train(log.value(), o);
  REQUIRE(m.ok());
  return std::move(m.value());
}

uint32_t idx(const model& m, const std::string& id) {
  return static_cast<uint32_t>(std::lower_bound(m.items.begin(), m.items.end(), id) - m.items.begin());
}

json view(const std::string& id, const std::string& item, int64_t ts) {
  return {{"type", "view"}, {"id", id}, {"ts", ts}, {"uid", "s"}, {"item_id", item}};
}

struct served {
  std::vector<uint64_t> buf;
  std::size_t n = 0;
  recommender r;
  served(const model& m, const std::vector<bundle_item>& items, const std::string& config, const item_embeddings& e) {
    auto bytes = write_bundle(m, items, config, e);
    REQUIRE(bytes.ok());
    n = bytes->size();
    buf.resize(n / 8 + 1);
    std::memcpy(buf.data(), bytes->data(), n);
    auto o = recommender::open(std::string_view(reinterpret_cast<const char*>(buf.data()), n));
    REQUIRE(o.ok());
    r = std::move(o.value());
  }
  json run(const json& req) const {
    auto d = r.recommend(req.dump());
    INFO((d.ok() ? std::string() : d.error().message + " at " + d.error().where));
    REQUIRE(d.ok());
    return json::parse(d.value());
  }
};

}  // namespace

TEST_CASE("embeddings: the Jacobi eigen-solver matches a known decomposition", "[train]") {
  // [[2,1],[1,2]]: eigenvalues 3 and 1, vectors (1,1)/sqrt2 and (1,-1)/sqrt2 (sign: largest positive).
  std::vector<double> values, vectors;
  train_detail::symmetric_eigen({2, 1, 1, 2}, 2, values, vectors);
  CHECK(values[0] == Approx(3.0));
  CHECK(values[1] == Approx(1.0));
  CHECK(std::fabs(vectors[0 * 2 + 0]) == Approx(std::sqrt(0.5)));
  CHECK(vectors[0 * 2 + 0] * vectors[1 * 2 + 0] > 0);  // first vector: same signs
  CHECK(vectors[0 * 2 + 1] * vectors[1 * 2 + 1] < 0);  // second: opposite signs
}

TEST_CASE("embeddings: full rank reproduces the input, rank 1 is the principal eigenvector", "[train]") {
  const auto evs = two_blocks();
  // Full rank (dim >= items): V V^T = I, so one item in, that item alone out.
  model full = trained(evs, 64);
  REQUIRE(full.factor_dim == 6);
  REQUIRE(full.item_factors.size() == 36);
  std::vector<history_entry> h{{idx(full, "b"), event_type::purchase, 1, 4000}};
  score_options so;
  so.method = score_method::embedding;
  std::vector<double> s;
  score_items(full, h, 4500, so, s);
  for (uint32_t i = 0; i < 6; ++i) CHECK(s[i] == Approx(i == idx(full, "b") ? 1.0 : 0.0).margin(1e-5));
  // fold_in is x V.
  std::vector<double> u;
  fold_in(full, h, 4500, so, u);
  for (uint32_t c = 0; c < 6; ++c) CHECK(u[c] == Approx(full.item_factors[idx(full, "b") * 6 + c]).margin(1e-9));

  // Rank 1: the principal eigenvector of X^T X by a power-iteration oracle.
  model one = trained(evs, 1);
  REQUIRE(one.factor_dim == 1);
  auto log = build_log(evs).value();
  std::vector<double> g(36, 0.0);  // X^T X, binary X
  for (std::size_t u2 = 0; u2 + 1 < log.user_offsets.size(); ++u2) {
    for (uint32_t r = log.user_offsets[u2]; r < log.user_offsets[u2 + 1]; ++r) {
      for (uint32_t q = log.user_offsets[u2]; q < log.user_offsets[u2 + 1]; ++q) {
        g[log.rows[r].item * 6 + log.rows[q].item] += 1;
      }
    }
  }
  std::vector<double> v(6, 1.0);
  for (int it = 0; it < 500; ++it) {
    std::vector<double> w(6, 0.0);
    double norm = 0;
    for (int i = 0; i < 6; ++i) {
      for (int j = 0; j < 6; ++j) w[i] += g[i * 6 + j] * v[j];
      norm += w[i] * w[i];
    }
    for (int i = 0; i < 6; ++i) v[i] = w[i] / std::sqrt(norm);
  }
  const double sign = one.item_factors[idx(one, "x")] < 0 ? -1.0 : 1.0;
  for (int i = 0; i < 6; ++i) CHECK(sign * one.item_factors[i] == Approx(v[i]).margin(1e-4));
  // The x/y/z block is larger (5 users), so it carries the top factor; a..c are ~0.
  CHECK(std::fabs(one.item_factors[idx(one, "a")]) < 1e-4);
}

TEST_CASE("embeddings: a low rank separates the blocks; deterministic; limits", "[train]") {
  const auto evs = two_blocks();
  model m = trained(evs, 2);
  std::vector<history_entry> h{{idx(m, "a"), event_type::purchase, 1, 4000}};
  score_options so;
  so.method = score_method::embedding;
  std::vector<double> s;
  score_items(m, h, 4500, so, s);
  for (const char* in : {"b", "c"}) {
    for (const char* out : {"x", "y", "z"}) CHECK(s[idx(m, in)] > s[idx(m, out)] + 0.1);
  }
  CHECK(trained(evs, 2).item_factors == m.item_factors);
  auto log = build_log(evs).value();
  train_options o;
  o.embedding_dim = limits::max_factor_dim;
  CHECK(train(log, o).ok());
  o.embedding_dim = limits::max_factor_dim + 1;
  CHECK(train(log, o).error().code == errc::limit_exceeded);
  o.embedding_dim = 4;
  o.embedding_iterations = limits::max_factor_iterations;
  CHECK(train(log, o).ok());
  o.embedding_iterations = limits::max_factor_iterations + 1;
  CHECK(train(log, o).error().code == errc::limit_exceeded);
  o.embedding_dim = 0;  // off
  o.embedding_iterations = 8;
  auto none = train(log, o);
  REQUIRE(none.ok());
  CHECK(none->factor_dim == 0);
  CHECK(none->item_factors.empty());
}

TEST_CASE("ranker: embedding and order_share features", "[train]") {
  model m = trained(two_blocks(), 2);
  // Three orders; a in two of them, b in one.
  std::vector<history_entry> h{{idx(m, "a"), event_type::purchase, 1, 1000},
                               {idx(m, "b"), event_type::purchase, 1, 1000},
                               {idx(m, "a"), event_type::purchase, 1, 2000},
                               {idx(m, "c"), event_type::purchase, 1, 3000}};
  std::vector<float> f;
  score_options so;
  ranker_features(m, h, 4000, so, {idx(m, "a"), idx(m, "b"), idx(m, "x")}, f);
  REQUIRE(f.size() == 3 * ranker_feature_count);
  CHECK(ranker_feature_name(10) == "embedding");
  CHECK(ranker_feature_name(11) == "order_share");
  CHECK(f[0 * ranker_feature_count + 11] == Approx(2.0 / 3.0));
  CHECK(f[1 * ranker_feature_count + 11] == Approx(1.0 / 3.0));
  CHECK(f[2 * ranker_feature_count + 11] == 0.0f);
  CHECK(f[0 * ranker_feature_count + 10] > f[2 * ranker_feature_count + 10]);
}

TEST_CASE("logistic: generic width, limits; AUC by Mann-Whitney", "[train]") {
  CHECK(roc_auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}) == Approx(0.75));
  CHECK(roc_auc({0.5f, 0.5f}, {0, 1}) == Approx(0.5));       // a tie counts one half
  CHECK(roc_auc({0.9f, 0.1f}, {1, 0}) == Approx(1.0));
  CHECK(roc_auc({0.1f, 0.2f}, {1, 1}) == Approx(0.5));       // one class: undefined -> 0.5
  // Three columns, the label is column 1 > 0.
  std::vector<float> x;
  std::vector<uint8_t> y;
  for (int i = 0; i < 200; ++i) {
    const float v = static_cast<float>((i * 37) % 200) / 100.0f - 1.0f;
    x.insert(x.end(), {0.3f, v, static_cast<float>(i % 3)});
    y.push_back(v > 0 ? 1 : 0);
  }
  auto m = train_logistic(x, 3, y, 0.1);
  REQUIRE(m.ok());
  REQUIRE(m->weights.size() == 3);
  CHECK(m->weights[1] > 5.0f);
  std::vector<float> wide(limits::max_logistic_features, 0.0f);
  CHECK(train_logistic(wide, limits::max_logistic_features, {1}, 1.0).ok());
  std::vector<float> too_wide(limits::max_logistic_features + 1, 0.0f);
  CHECK(train_logistic(too_wide, limits::max_logistic_features + 1, {1}, 1.0).error().code == errc::limit_exceeded);
  CHECK(train_logistic({1.0f, 2.0f}, 3, {1}, 1.0).error().code == errc::invalid_config);
}

TEST_CASE("intent: sessions cut before the purchase, labelled, learnable", "[train]") {
  std::vector<event> evs;
  auto add = [&](event_type t, const std::string& uid, int64_t ts, const std::string& item) {
    event e;
    e.id = "e" + std::to_string(evs.size());
    e.type = t;
    e.uid = uid;
    e.ts_ms = ts;
    if (t == event_type::purchase) {
      e.currency = "GBP";
      e.lines.push_back(line_item{item, 1, 100});
    } else if (t == event_type::search) {
      e.query = "q";
    } else {
      e.item_id = item;
      e.quantity = t == event_type::add_to_cart ? 1 : 0;
    }
    evs.push_back(std::move(e));
  };
  // 60 buyers: view, view, cart, purchase. 60 browsers: view, search, view. One session each.
  for (int u = 0; u < 60; ++u) {
    const std::string b = "b" + std::to_string(u), w = "w" + std::to_string(u);
    const int64_t t0 = 1'000'000 + u * 3'600'000;
    add(event_type::view, b, t0, "a");
    add(event_type::view, b, t0 + 60'000, "b");
    add(event_type::add_to_cart, b, t0 + 120'000, "b");
    add(event_type::purchase, b, t0 + 180'000, "b");
    add(event_type::view, w, t0, "a");
    add(event_type::search, w, t0 + 60'000, "");
    add(event_type::view, w, t0 + 120'000, "c");
  }
  // A second session of buyer b0, two hours later: returning, one past order.
  add(event_type::view, "b0", 1'000'000 + 2 * 3'600'000 + 7'200'000, "c");
  auto rows = intent_training_rows(evs);
  REQUIRE(rows.ok());
  REQUIRE(rows->labels.size() == 121);
  std::size_t buyers = 0, returning = 0;
  for (std::size_t i = 0; i < rows->labels.size(); ++i) {
    const float* x = rows->features.data() + i * intent_feature_count;
    CHECK(x[9] == 0.0f);  // "purchased" is never seen before the cut
    for (uint32_t f = 0; f < intent_feature_count; ++f) CHECK(x[f] <= intent_feature_cap(f));
    buyers += rows->labels[i];
    if (x[7] == 1.0f) {
      ++returning;
      CHECK(x[8] == 1.0f);  // one past order
      CHECK(rows->labels[i] == 0);
    }
  }
  CHECK(buyers == 60);
  CHECK(returning == 1);
  CHECK(intent_feature_name(0) == "product_views");
  CHECK(intent_feature_name(intent_feature_count).empty());
  // Deterministic for a seed.
  CHECK(intent_training_rows(evs)->features == rows->features);
  auto m = train_logistic(rows->features, intent_feature_count, rows->labels, 1.0);
  REQUIRE(m.ok());
  std::vector<float> scores;
  for (std::size_t i = 0; i < rows->labels.size(); ++i) {
    scores.push_back(ranker_score(m.value(), rows->features.data() + i * intent_feature_count));
  }
  CHECK(roc_auc(scores, rows->labels) > 0.7);
  intent_options bad;
  bad.session_gap_ms = 0;
  CHECK(intent_training_rows(evs, bad).error().code == errc::invalid_config);
}

TEST_CASE("content: tokens and TF-IDF neighbours link cold items", "[train]") {
  content_item it{"Red MUG, 12oz", "Home/Kitchen", {"brand=Acme"}};
  CHECK(content_tokens(it) ==
        std::vector<std::string>{"a:brand=Acme", "c:Home", "c:Home/Kitchen", "w:12oz", "w:mug", "w:red"});
  std::vector<content_item> items{{"red mug", "Home/Kitchen", {}},
                                  {"blue mug", "Home/Kitchen", {}},
                                  {"garden hose", "Garden", {}},
                                  {"hose reel", "Garden", {"brand=Acme"}},
                                  {"", "", {}}};
  auto nl = content_neighbours(items);
  REQUIRE(nl.ok());
  REQUIRE(nl->offsets.size() == 6);
  auto first = [&](uint32_t i) { return nl->offsets[i + 1] > nl->offsets[i] ? nl->items[nl->offsets[i]] : 99u; };
  CHECK(first(0) == 1);
  CHECK(first(1) == 0);
  CHECK(first(2) == 3);
  CHECK(nl->offsets[5] == nl->offsets[4]);  // nothing to go on: no neighbours
  for (uint32_t k = nl->offsets[0]; k < nl->offsets[1]; ++k) CHECK(nl->items[k] != 2);  // mugs never link hoses
  content_options o;
  o.top_n = limits::max_neighbours;
  CHECK(content_neighbours(items, o).ok());
  o.top_n = limits::max_neighbours + 1;
  CHECK(content_neighbours(items, o).error().code == errc::limit_exceeded);
  o.top_n = 0;
  CHECK(content_neighbours(items, o).error().code == errc::limit_exceeded);
}

TEST_CASE("add_log_items: cold items join the log, rows are remapped", "[train]") {
  auto log = build_log(two_blocks()).value();
  const auto rows_with_x = (
      std::count_if(log.rows.begin(), log.rows.end(), [&](const interaction& r) { return log.items[r.item] == "x"; }));
  REQUIRE(add_log_items(log, {"b2", "new", "a"}).ok());
  CHECK(log.items == std::vector<std::string>{"a", "b", "b2", "c", "new", "x", "y", "z"});
  CHECK(std::count_if(log.rows.begin(), log.rows.end(), [&](const interaction& r) { return log.items[r.item] == "x"; }) ==
        rows_with_x);
  auto m = train(log);
  REQUIRE(m.ok());
  CHECK(m->buyers[4] == 0.0f);
  CHECK(add_log_items(log, {""}).error().where == "items[0]");
}

TEST_CASE("recommend: embedding, content and category-trending sources with reasons", "[recommend]") {
  auto evs = two_blocks();
  auto log = build_log(evs).value();
  REQUIRE(add_log_items(log, {"cold"}).ok());  // no events: only content links it
  train_options o;
  o.ease_lambda = 1.0;
  o.embedding_dim = 2;
  model m = train(log, o).value();
  std::vector<bundle_item> items;
  std::vector<content_item> content;
  for (const auto& id : m.items) {
    const bool left = id == "a" || id == "b" || id == "c" || id == "cold";
    items.push_back(bundle_item{id, "T" + id, left ? "Home/Kitchen" : "Toys", 100, true});
    content.push_back({id == "cold" || id == "a" ? "enamel mug" : "thing " + id, items.back().category, {}});
  }
  m.content = content_neighbours(content).value();
  item_embeddings emb{m.factor_dim, m.item_factors};
  const std::string config =
      R"({"slots":{"emb":{"size":3,"anchor":"profile","sources":{"embedding":1}},)"
      R"("sim":{"size":5,"anchor":"context","sources":{"content":1}},)"
      R"("cat":{"size":3,"anchor":"profile","sources":{"category_trending":1}}}})";
  served s(m, items, config, emb);
  CHECK(s.r.bundle().format_version() == bundle_format_version);
  const json evs_a = json::array({view("v1", "a", 4000)});
  auto d = s.run({{"slot", "emb"}, {"now", 5000}, {"events", evs_a}});
  REQUIRE(d["items"].size() >= 2);
  std::set<std::string> left{"a", "b", "c"};
  for (std::size_t k = 0; k < 2; ++k) {
    CHECK(left.count(d["items"][k]["id"].get<std::string>()) == 1);
    CHECK(d["items"][k]["reasons"][0]["source"] == "embedding");
  }
  for (const auto& it : d["items"]) {
    if (it["id"] != "a") CHECK(it["reasons"][0]["because"] == "a");
  }
  // Content: the cold item is the context's neighbour (and vice versa).
  auto sim = s.run({{"slot", "sim"}, {"now", 5000}, {"context", {"a"}}});
  REQUIRE(!sim["items"].empty());
  CHECK(sim["items"][0]["id"] == "cold");
  CHECK(sim["items"][0]["reasons"][0]["source"] == "content");
  CHECK(sim["items"][0]["reasons"][0]["because"] == "a");
  auto back = s.run({{"slot", "sim"}, {"now", 5000}, {"context", {"cold"}}});
  REQUIRE(!back["items"].empty());
  CHECK(back["items"][0]["id"] == "a");
  // Category trending: the anchor's category, reason names it.
  auto cat = s.run({{"slot", "cat"}, {"now", 5000}, {"events", json::array({view("v2", "x", 4000)})}});
  REQUIRE(!cat["items"].empty());
  for (const auto& it : cat["items"]) {
    CHECK(it["reasons"][0]["source"] == "category_trending");
    CHECK(it["reasons"][0]["because"] == "Toys");
  }
  // Cold start with a category filter: that category's trending items.
  auto cold = s.run({{"slot", "emb"}, {"now", 5000}, {"filters", {{"category", "Home"}}}});
  CHECK(cold["fallback"] == "cold_start");
  REQUIRE(!cold["items"].empty());
  bool named = false;
  for (const auto& r : cold["items"][0]["reasons"]) named |= r["source"] == "category_trending" && r["because"] == "Home";
  CHECK(named);
  // Unknown source names are a config error naming the key.
  CHECK_FALSE(validate_recommend_config(R"({"slots":{"x":{"sources":{"embeddings":1}}}})").ok());
}

TEST_CASE("bundle: version 1 readers' sections; content sections need version 2", "[bundle]") {
  model m = trained(two_blocks(), 2);
  std::vector<bundle_item> items;
  for (const auto& id : m.items) items.push_back(bundle_item{id, id, "", 100, true});
  std::string bytes = write_bundle(m, items, default_recommend_config()).value();
  std::vector<uint64_t> buf(bytes.size() / 8 + 1);
  auto open_copy = [&](const std::string& b) {
    std::memcpy(buf.data(), b.data(), b.size());
    return open_bundle(std::string_view(reinterpret_cast<const char*>(buf.data()), b.size()));
  };
  REQUIRE(open_copy(bytes).ok());
  CHECK(open_copy(bytes)->content(0).count == 0);
  // The same bytes labelled version 1 carry a section id version 1 does not know.
  bytes[8] = 1;
  std::memset(bytes.data() + 24, 0, 8);
  const uint64_t h = bundle_hash_v1(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::memcpy(bytes.data() + 24, &h, 8);
  auto v1 = open_copy(bytes);
  REQUIRE_FALSE(v1.ok());
  CHECK(v1.error().message.find("unknown section id 18") != std::string::npos);
}

TEST_CASE("eval: embedding method and session cases with repeats", "[eval]") {
  const auto evs = two_blocks();
  auto log = build_log(evs).value();
  train_options o;
  o.ease_lambda = 1.0;
  o.embedding_dim = 2;
  model m = train(log, o).value();
  std::vector<shopper_truth> cases{{"u1", {"c"}}, {"u5", {"z"}}};
  eval_options eo;
  eo.ks = {1, 3};
  eo.exclude_history = true;
  eo.scoring.method = score_method::embedding;
  auto rep = evaluate_purchases(m, log, cases, eo);
  REQUIRE(rep.ok());
  CHECK(rep->method == "embedding");
  CHECK(rep->at[0].recall == Approx(1.0));  // the only unseen item of the shopper's block
  // Sessions: a repeat target is found by the blend's own-history part.
  std::vector<session_case> sc{{{"x", "y"}, "x"}};
  eval_options so;
  so.ks = {1};
  so.scoring.method = score_method::blend;
  auto srep = evaluate_sessions(m, sc, so);
  REQUIRE(srep.ok());
  CHECK(srep->at[0].hit_rate == Approx(1.0));
}

TEST_CASE("session rules: what follows in a session, weighted by distance", "[train]") {
  // Every order lists a, b, c in that order; one also d after c.
  std::vector<event> evs{purchase("1", "u1", 1000, {"a", "b", "c"}), purchase("2", "u2", 1000, {"a", "b", "c", "d"}),
                         purchase("3", "u3", 1000, {"c", "a"})};
  auto log = build_log(evs).value();
  train_options o;
  o.ease_lambda = 1.0;
  o.session_window = 2;
  model m = train(log, o).value();
  const auto& t = m.transitions;
  REQUIRE(t.offsets.size() == m.items.size() + 1);
  // From a: b at distance 1 twice (2), c at distance 2 twice (1): shares 2/3, 1/3.
  const uint32_t a = idx(m, "a");
  REQUIRE(t.offsets[a + 1] - t.offsets[a] == 2);
  CHECK(t.items[t.offsets[a]] == idx(m, "b"));
  CHECK(t.weights[t.offsets[a]] == Approx(2.0 / 3.0));
  CHECK(t.weights[t.offsets[a] + 1] == Approx(1.0 / 3.0));
  // Sessions never cross users: nothing follows u3's a.
  const uint32_t c = idx(m, "c");
  for (uint32_t k = t.offsets[c]; k < t.offsets[c + 1]; ++k) CHECK(t.items[k] != idx(m, "b"));
  // The session method ranks b first after the prefix [a].
  std::vector<history_entry> h{{a, event_type::view, 1, 1000}};
  score_options so;
  so.method = score_method::session;
  so.repeat_weight = 0;
  so.ease_weight = 0;
  so.trend_weight = 0;
  std::vector<double> s;
  score_items(m, h, 1000, so, s);
  CHECK(static_cast<uint32_t>(std::max_element(s.begin(), s.end()) - s.begin()) == idx(m, "b"));
  o.session_window = limits::max_session_window;
  CHECK(train(log, o).ok());
  o.session_window = limits::max_session_window + 1;
  CHECK(train(log, o).error().code == errc::limit_exceeded);
}

TEST_CASE("user-kNN: the nearest users vote with their similarity", "[train]") {
  model m = trained(two_blocks(), 2);
  REQUIRE(m.user_items.offsets.size() == 10);  // nine users
  REQUIRE(m.item_users.offsets.size() == m.items.size() + 1);
  // Every user row is L2-normalised.
  for (uint32_t u = 0; u < 9; ++u) {
    double norm = 0;
    for (uint32_t k = m.user_items.offsets[u]; k < m.user_items.offsets[u + 1]; ++k) {
      norm += static_cast<double>(m.user_items.weights[k]) * m.user_items.weights[k];
    }
    CHECK(norm == Approx(1.0));
  }
  std::vector<history_entry> h{{idx(m, "a"), event_type::purchase, 1, 4000}};
  score_options so;
  so.method = score_method::blend;
  so.repeat_weight = 0;
  so.ease_weight = 0;
  so.trend_weight = 0;
  so.uknn_weight = 1;
  so.uknn_k = 3;  // u1, u3, u4 share a
  std::vector<double> s;
  score_items(m, h, 4500, so, s);
  CHECK(s[idx(m, "a")] > s[idx(m, "b")]);  // all three neighbours hold a
  CHECK(s[idx(m, "b")] > 0.1);
  CHECK(s[idx(m, "c")] > 0.1);
  for (const char* out : {"x", "y", "z"}) CHECK(s[idx(m, out)] < 1e-6);
}
