#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <set>
#include <string>

#include "tailor/recommend.hpp"

using namespace tailor;
using nlohmann::json;

namespace {

using test::purchase;

struct served {
  std::vector<uint64_t> buf;
  std::size_t n = 0;
  recommender r;
  explicit served(std::string config = default_recommend_config(), bool empty = false) {
    std::vector<event> evs;
    if (!empty) {
      evs = {purchase("1", "u1", 1000, {"a", "b", "c"}), purchase("2", "u2", 2000, {"a", "b"}),
             purchase("3", "u3", 3000, {"b", "c", "d"}), purchase("4", "u4", 4000, {"d", "e"}),
             purchase("5", "u5", 5000, {"e", "f", "a"}), purchase("6", "u6", 6000, {"f", "e"})};
    }
    auto log = build_log(evs);
    train_options o;
    o.ease_lambda = 1.0;
    model m = train(log.value(), o).value();
    std::vector<bundle_item> items;
    const char* cats[] = {"Home/Kitchen", "Home/Kitchen", "Home/Garden", "Toys", "", "Toys"};
    for (std::size_t i = 0; i < m.items.size(); ++i) {
      items.push_back(bundle_item{m.items[i], "T" + m.items[i], cats[i], static_cast<int64_t>(100 * (i + 1)), i != 5});
    }
    auto bytes = write_bundle(m, items, config).value();
    n = bytes.size();
    buf.resize(n / 8 + 1);
    std::memcpy(buf.data(), bytes.data(), n);
    r = recommender::open(std::string_view(reinterpret_cast<const char*>(buf.data()), n)).value();
  }
  json run(const json& req) const {
    auto d = r.recommend(req.dump());
    INFO((d.ok() ? std::string() : d.error().message + " at " + d.error().where));
    REQUIRE(d.ok());
    return json::parse(d.value());
  }
  std::vector<std::string> ids(const json& req) const {
    std::vector<std::string> out;
    const json d = run(req);
    for (const auto& it : d["items"]) out.push_back(it["id"].get<std::string>());
    return out;
  }
};

json view_ev(const std::string& id, const std::string& item, int64_t ts) {
  return {{"type", "view"}, {"id", id}, {"ts", ts}, {"uid", "s"}, {"item_id", item}};
}

}  // namespace

TEST_CASE("recommend: similar items come from the anchor's neighbours, with reasons", "[recommend]") {
  served s;
  auto d = s.run({{"slot", "similar"}, {"now", 7000}, {"context", {"a"}}, {"size", 3}});
  REQUIRE(d["items"].size() >= 1);
  CHECK(d["fallback"].is_null());
  // b is bought with a most often; a itself (the context item) is excluded.
  CHECK(d["items"][0]["id"] == "b");
  for (const auto& it : d["items"]) {
    CHECK(it["id"] != "a");
    CHECK(it["id"] != "f");  // out of stock (in_stock_only)
    bool has_because = false;
    for (const auto& r : it["reasons"]) has_because |= r.contains("because") && r["because"] == "a";
    CHECK(has_because);
  }
  // Deterministic: the same request gives the same bytes.
  json req{{"slot", "similar"}, {"now", 7000}, {"context", {"a"}}};
  CHECK(s.r.recommend(req.dump()).value() == s.r.recommend(req.dump()).value());
}

TEST_CASE("recommend: cold start, unknown ids and empty catalogue are documented fallbacks", "[recommend]") {
  served s;
  auto cold = s.run({{"slot", "home"}, {"now", 7000}});
  CHECK(cold["fallback"] == "cold_start");
  CHECK(cold["items"].size() == 5);  // 6 items, f out of stock
  CHECK(cold["items"][0]["reasons"][0]["source"] == "trending");
  auto unknown = s.run({{"slot", "similar"}, {"now", 7000}, {"context", {"nope"}}});
  CHECK(unknown["fallback"] == "cold_start");
  REQUIRE(unknown["warnings"].size() == 1);
  CHECK(unknown["warnings"][0].get<std::string>().find("nope") != std::string::npos);
  served empty(default_recommend_config(), true);
  auto e = empty.run({{"slot", "home"}, {"now", 1}});
  CHECK(e["items"].empty());
  CHECK(e["fallback"] == "cold_start");
}

TEST_CASE("recommend: profile events drive home; purchases and cart obey rules", "[recommend]") {
  served s;
  json evs = json::array({view_ev("v1", "d", 6500),
                          {{"type", "add_to_cart"}, {"id", "c1"}, {"ts", 6600}, {"uid", "s"}, {"item_id", "e"}}});
  auto d = s.run({{"slot", "home"}, {"now", 7000}, {"events", evs}});
  CHECK(d["fallback"].is_null());
  for (const auto& it : d["items"]) CHECK(it["id"] != "e");  // in cart: excluded
  CHECK(d["items"][0]["id"] == "d");                         // own history (repeat) first
  // "browse" excludes purchased items.
  json bought = json::array({{{"type", "purchase"}, {"id", "p"}, {"ts", 6000}, {"uid", "s"}, {"currency", "GBP"},
                              {"items", {{{"item_id", "b"}, {"price", 1.0}}}}}});
  for (const auto& id : s.ids({{"slot", "browse"}, {"now", 7000}, {"events", bought}})) CHECK(id != "b");
  // post_purchase anchors on the last order.
  auto post = s.run({{"slot", "post_purchase"}, {"now", 7000}, {"events", bought}});
  REQUIRE(!post["items"].empty());
  CHECK(post["items"][0]["reasons"][0]["because"] == "b");
  // A bad event is an error naming it.
  auto bad = s.r.recommend(json{{"slot", "home"}, {"now", 1}, {"events", {{{"type", "view"}}}}}.dump());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where.rfind("events[0]", 0) == 0);
}

TEST_CASE("recommend: filters, exclusions, shown, dislikes, size", "[recommend]") {
  served s;
  json base{{"slot", "home"}, {"now", 7000}};
  json r = base;
  r["filters"] = {{"category", "Home"}};
  for (const auto& id : s.ids(r)) CHECK((id == "a" || id == "b" || id == "c"));
  r["filters"] = {{"min_price_minor", 200}, {"max_price_minor", 300}};
  for (const auto& id : s.ids(r)) CHECK((id == "b" || id == "c"));
  r["filters"] = {{"in_stock", false}};
  auto all6 = s.ids(r);
  CHECK(all6.size() == 6);
  r = base;
  r["exclude"] = {"a", "b"};
  r["shown"] = {"c"};
  for (const auto& id : s.ids(r)) CHECK((id != "a" && id != "b" && id != "c"));
  r = base;
  r["size"] = 2;
  CHECK(s.ids(r).size() == 2);
  r["size"] = limits::max_rec_size + 1;
  CHECK(s.r.recommend(r.dump()).error().code == errc::invalid_field);
  r["size"] = limits::max_rec_size;
  CHECK(s.r.recommend(r.dump()).ok());
  r = base;
  r["dislikes"] = {"d"};
  auto d = s.run(r);
  for (const auto& it : d["items"]) CHECK(it["id"] != "d");
  CHECK(s.r.recommend(R"({"slot":"nope","now":1})").error().code == errc::not_found);
  CHECK(s.r.recommend(R"({"slot":"home"})").error().code == errc::missing_field);
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"bogus":1})").error().code == errc::unknown_field);
  CHECK(s.r.recommend("not json").error().code == errc::invalid_json);
  json many{{"slot", "home"}, {"now", 1}, {"exclude", json::array()}};
  for (std::size_t i = 0; i < limits::max_request_ids; ++i) many["exclude"].push_back("x");
  CHECK(s.r.recommend(many.dump()).ok());
  many["exclude"].push_back("x");
  CHECK(s.r.recommend(many.dump()).error().code == errc::limit_exceeded);
}

TEST_CASE("recommend: pins, boosts, buries and category caps from the slot config", "[recommend]") {
  const std::string cfg = R"({"slots":{"home":{"size":4,"sources":{"popular":1},
    "rules":{"pins":[{"item":"e","position":0},{"item":"ghost","position":1}],
             "boosts":[{"item":"d","factor":100}],
             "buries":[{"category":"Home/Kitchen"}],
             "max_per_category":1}}}})";
  served s(cfg);
  auto d = s.run({{"slot", "home"}, {"now", 7000}, {"events", json::array({view_ev("v", "a", 6000)})}});
  std::vector<std::string> ids;
  for (const auto& it : d["items"]) ids.push_back(it["id"]);
  REQUIRE(ids.size() == 4);
  CHECK(ids[0] == "e");  // pinned
  CHECK(d["items"][0]["reasons"][0]["source"] == "pinned");
  CHECK(ids[1] == "d");  // boosted x100
  // Buried Home/Kitchen items come last, and at most one of them (category cap).
  CHECK(ids[3] == "a");
  CHECK(std::count(ids.begin(), ids.end(), "b") == 0);
  CHECK(d["warnings"].size() == 1);  // the unknown pinned item
  CHECK(validate_recommend_config(R"({"slots":{"x":{"size":0}}})").error().code == errc::invalid_field);
  CHECK(validate_recommend_config(R"({"slots":{"x":{"anchor":"moon"}}})").error().code == errc::invalid_config);
  CHECK(validate_recommend_config(R"({"slots":{"x":{"sources":{"magic":1}}}})").error().code == errc::unknown_field);
  CHECK(validate_recommend_config(R"({"slots":{"x":{"rules":{"boosts":[{"item":"a","category":"b","factor":1}]}}}})")
            .error().code == errc::invalid_config);
  CHECK(validate_recommend_config(default_recommend_config()).ok());
}

TEST_CASE("recommend: int8 top-k agrees with the exact slow path", "[recommend]") {
  const uint32_t n = 3000, dim = 37;  // dim not a multiple of 16: exercises the tail
  std::vector<float> v(static_cast<std::size_t>(n) * dim);
  uint64_t s = 5;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(static_cast<int64_t>(s >> 40) - (1 << 23)) / static_cast<float>(1 << 23);
  }
  std::vector<int8_t> rows;
  std::vector<float> scales;
  quantize_rows(v.data(), n, dim, rows, scales);
  embedding_index_view ix{rows.data(), scales.data(), n, dim};
  std::vector<float> q(v.begin(), v.begin() + dim);
  auto top = embedding_top_k(ix, q.data(), dim, 50);
  REQUIRE(top.ok());
  REQUIRE(top->size() == 50);
  // Slow path: exact f32 dot products.
  std::vector<std::pair<float, uint32_t>> exact;
  for (uint32_t i = 0; i < n; ++i) {
    float d = 0;
    for (uint32_t j = 0; j < dim; ++j) d += q[j] * v[static_cast<std::size_t>(i) * dim + j];
    exact.emplace_back(-d, i);
  }
  std::sort(exact.begin(), exact.end());
  std::set<uint32_t> truth;
  for (int i = 0; i < 50; ++i) truth.insert(exact[static_cast<std::size_t>(i)].second);
  int hits = 0;
  for (const auto& it : top.value()) hits += truth.count(it.item) ? 1 : 0;
  CHECK(hits >= 48);
  CHECK(top->front().item == 0);  // the query is row 0
  for (std::size_t i = 1; i < top->size(); ++i) CHECK((*top)[i - 1].score >= (*top)[i].score);
  // Bad input: wrong dimension, NaN query, huge k.
  CHECK(embedding_top_k(ix, q.data(), dim - 1, 5).error().code == errc::invalid_field);
  q[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK(embedding_top_k(ix, q.data(), dim, 5).error().where == "query[3]");
  CHECK(embedding_top_k(ix, v.data(), dim, limits::max_rec_size * 10 + 1).error().code == errc::limit_exceeded);
  CHECK(embedding_top_k(ix, v.data(), dim, limits::max_rec_size * 10).ok());
  // With exact rows the re-score is exact: the first 50 match the slow path's order.
  embedding_index_view with_exact{rows.data(), scales.data(), n, dim, v.data()};
  q[3] = v[3];
  auto ex = embedding_top_k(with_exact, q.data(), dim, 50, 200);
  REQUIRE(ex.ok());
  int exact_hits = 0;
  for (const auto& it : ex.value()) exact_hits += truth.count(it.item) ? 1 : 0;
  CHECK(exact_hits == 50);
  // dim 64 (the SIMD path in wasm) agrees with the scalar path's answer natively.
  std::vector<int8_t> r64;
  std::vector<float> s64;
  quantize_rows(v.data(), 1000, 64, r64, s64);
  embedding_index_view ix64{r64.data(), s64.data(), 1000, 64, v.data()};
  auto t64 = embedding_top_k(ix64, v.data() + 64 * 7, 64, 10, 100);
  REQUIRE(t64.ok());
  CHECK(t64->front().item == 7);
  embedding_index_view empty{nullptr, nullptr, 0, dim};
  CHECK(embedding_top_k(empty, v.data(), dim, 5)->empty());
}
