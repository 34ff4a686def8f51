#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
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

TEST_CASE("recommend: DOM-free events give the same decision and errors as the DOM path", "[recommend][event-reader]") {
  served s;
  // "\u0065vents" is the same key to the JSON parser but sends the request down
  // the DOM path (the DOM-free reader declines escaped keys).
  auto via_dom = [](std::string text) {
    const auto at = text.find("\"events\"");
    REQUIRE(at != std::string::npos);
    return text.replace(at, 8, "\"\\u0065vents\"");
  };
  json purchase_ev{{"type", "purchase"}, {"id", "p1"}, {"ts", 6000}, {"uid", "s"}, {"currency", "GBP"},
                   {"items", {{{"item_id", "b"}, {"price", 1.5}, {"quantity", 2}}, {{"item_id", "ghost"}, {"price", 2}}}}};
  json cart_ev{{"type", "add_to_cart"}, {"id", "c1"}, {"ts", 6600}, {"uid", "s"}, {"item_id", "e"}, {"quantity", 3}};
  json removed{{"type", "remove_from_cart"}, {"id", "r1"}, {"ts", 6700}, {"uid", "s"}, {"item_id", "e"}};
  json search{{"type", "search"}, {"id", "q1"}, {"ts", 6100}, {"uid", "s"}, {"query", "mug"}};
  json evs = json::array({view_ev("v1", "d", 6500), purchase_ev, cart_ev, view_ev("v1", "a", 6400), search,
                          view_ev("v2", "c", 6500), removed, view_ev("v3", "zzz", 10)});
  for (const char* slot : {"home", "browse", "cart", "post_purchase", "similar"}) {
    for (std::size_t take = 0; take <= evs.size(); take += 2) {
      json part = json::array();
      for (std::size_t i = 0; i < take; ++i) part.push_back(evs[i]);
      const std::string req = json{{"slot", slot}, {"now", 7000}, {"events", part}, {"context", {"a"}}}.dump();
      INFO(req);
      const auto fast = s.r.recommend(req), dom = s.r.recommend(via_dom(req));
      REQUIRE(fast.ok());
      REQUIRE(dom.ok());
      CHECK(fast.value() == dom.value());
    }
  }
  // A bad event (or a bad member next to good events) is the DOM path's error.
  for (const std::string req :
       {R"({"slot":"home","now":7000,"events":[{"type":"view","id":"v","ts":1,"uid":"s","item_id":"a"},{"type":"view","id":"w","ts":1,"uid":"s"}]})",
        R"({"slot":"home","now":7000,"events":[{"type":"purchase","id":"p","ts":1,"uid":"s","currency":"GBP","items":[{"item_id":"a","price":1.234}]}]})",
        R"({"slot":"home","now":7000,"events":[{"type":"view","id":"v","ts":-1,"uid":"s","item_id":"a"}]})",
        R"({"slot":"home","now":"7000","events":[{"type":"view","id":"v","ts":1,"uid":"s","item_id":"a"}]})",
        R"({"slot":"home","now":7000,"events":[{"type":"view","id":"v","ts":1,"uid":"s","item_id":"a"}],"size":0})",
        R"({"slot":"home","now":7000,"events":[{"type":"view","id":"v","ts":1,"uid":"s","item_id":"a"}],"extra":1})"}) {
    INFO(req);
    const auto fast = s.r.recommend(req), dom = s.r.recommend(via_dom(req));
    REQUIRE_FALSE(fast.ok());
    REQUIRE_FALSE(dom.ok());
    CHECK(fast.error().code == dom.error().code);
    CHECK(fast.error().message == dom.error().message);
    CHECK(fast.error().where == dom.error().where);
  }
  auto missing = s.r.recommend(R"({"slot":"home","now":7000,"events":[{"type":"view","id":"w","ts":1,"uid":"s"}]})");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == "events[0].item_id");
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

namespace {

std::vector<float> seeded_rows(uint32_t n, uint32_t dim, uint64_t seed) {
  std::vector<float> v(static_cast<std::size_t>(n) * dim);
  for (auto& x : v) {
    float t = 0;
    for (int k = 0; k < 4; ++k) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      t += static_cast<float>(seed >> 40) / static_cast<float>(1 << 24);
    }
    x = t - 2.0f;  // roughly normal
  }
  return v;
}

// The int8 scan's scores computed the slow, obvious way.
std::vector<float> slow_scan(const std::vector<int8_t>& rows, const std::vector<float>& scales, uint32_t n, uint32_t dim,
                             const float* query) {
  float qmax = 0;
  for (uint32_t d = 0; d < dim; ++d) qmax = std::max(qmax, std::fabs(query[d]));
  std::vector<int32_t> q(dim);
  for (uint32_t d = 0; d < dim; ++d) q[d] = static_cast<int32_t>(std::clamp<long>(std::lround(query[d] * 127.0f / qmax), -127, 127));
  std::vector<float> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    int32_t s = 0;
    for (uint32_t d = 0; d < dim; ++d) s += rows[static_cast<std::size_t>(i) * dim + d] * q[d];
    out[i] = static_cast<float>(s) * scales[i];
  }
  return out;
}

uint32_t float_bits(float f) {
  uint32_t u = 0;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

}  // namespace

TEST_CASE("recommend: the SIMD int8 scan equals the scalar slow path exactly", "[recommend][topk]") {
  // 32/64/128 dims take the unrolled kernels, 48 and 80 the generic SIMD loop,
  // 37 the scalar path; 1003 rows leave a tail of 3 after groups of four.
  for (uint32_t dim : {32u, 37u, 48u, 64u, 80u, 128u}) {
    const uint32_t n = 1003;
    const auto v = seeded_rows(n, dim, dim);
    std::vector<int8_t> rows;
    std::vector<float> scales;
    quantize_rows(v.data(), n, dim, rows, scales);
    const auto q = seeded_rows(1, dim, 1000 + dim);
    embedding_index_view ix{rows.data(), scales.data(), n, dim};
    std::vector<float> fast(n, -1.0f);
    REQUIRE(embedding_scan_scores(ix, q.data(), dim, fast.data()).ok());
    const auto slow = slow_scan(rows, scales, n, dim, q.data());
    uint32_t differ = 0;
    for (uint32_t i = 0; i < n; ++i) differ += float_bits(fast[i]) != float_bits(slow[i]) ? 1 : 0;
    INFO("dim " << dim);
    CHECK(differ == 0);
  }
}

TEST_CASE("recommend: top-k recall against exact f32 and index tie-breaking", "[recommend][topk]") {
  const uint32_t n = 20000, dim = 64, k = 100;
  const auto v = seeded_rows(n, dim, 7);
  std::vector<int8_t> rows;
  std::vector<float> scales;
  quantize_rows(v.data(), n, dim, rows, scales);
  embedding_index_view ix{rows.data(), scales.data(), n, dim, v.data()};
  double hits = 0;
  const uint32_t queries = 10;
  for (uint32_t qi = 0; qi < queries; ++qi) {
    const auto q = seeded_rows(1, dim, 500 + qi);
    std::vector<std::pair<float, uint32_t>> exact;
    for (uint32_t i = 0; i < n; ++i) {
      float d = 0;
      for (uint32_t j = 0; j < dim; ++j) d += q[j] * v[static_cast<std::size_t>(i) * dim + j];
      exact.emplace_back(-d, i);
    }
    std::partial_sort(exact.begin(), exact.begin() + k, exact.end());
    auto top = embedding_top_k(ix, q.data(), dim, k);
    REQUIRE(top.ok());
    REQUIRE(top->size() == k);
    std::set<uint32_t> truth;
    for (uint32_t i = 0; i < k; ++i) truth.insert(exact[i].second);
    for (const auto& it : top.value()) hits += truth.count(it.item) ? 1 : 0;
    // The exact re-score reproduces the exact scores of what it returns.
    for (const auto& it : top.value()) {
      float d = 0;
      for (uint32_t j = 0; j < dim; ++j) d += q[j] * v[static_cast<std::size_t>(it.item) * dim + j];
      CHECK(float_bits(d) == float_bits(it.score));
    }
  }
  CHECK(hits / (queries * k) >= 0.99);
  // Identical rows score identically: the lower index wins every tie.
  std::vector<float> same(static_cast<std::size_t>(40) * dim);
  for (uint32_t i = 0; i < 40; ++i) std::copy(v.begin(), v.begin() + dim, same.begin() + static_cast<std::ptrdiff_t>(i) * dim);
  std::vector<int8_t> srows;
  std::vector<float> sscales;
  quantize_rows(same.data(), 40, dim, srows, sscales);
  embedding_index_view six{srows.data(), sscales.data(), 40, dim};
  auto tied = embedding_top_k(six, v.data(), dim, 10, 5);
  REQUIRE(tied.ok());
  REQUIRE(tied->size() == 10);
  for (uint32_t i = 0; i < 10; ++i) CHECK((*tied)[i].item == i);
  // k and margin limits: N passes, N + 1 is limit_exceeded.
  CHECK(embedding_top_k(ix, v.data(), dim, limits::max_top_k, limits::max_top_k).ok());
  CHECK(embedding_top_k(ix, v.data(), dim, 10, limits::max_top_k + 1).error().code == errc::limit_exceeded);
  CHECK(embedding_top_k(ix, v.data(), dim, limits::max_top_k + 1).error().where == "k");
}

// Golden (tests/golden/recommend/topk.out.json): the same top-k bytes natively
// (SSE2) and in wasm (SIMD128). Regenerate natively with
//   build/native/tailor_tests "[.topk-golden-write]"
namespace {
std::string topk_golden_text() {
  json out = json::object();
  for (uint32_t dim : {37u, 48u, 64u}) {
    const uint32_t n = 5003;
    const auto v = seeded_rows(n, dim, 99 + dim);
    std::vector<int8_t> rows;
    std::vector<float> scales;
    quantize_rows(v.data(), n, dim, rows, scales);
    for (bool exact : {false, true}) {
      embedding_index_view ix{rows.data(), scales.data(), n, dim, exact ? v.data() : nullptr};
      json cases = json::array();
      for (uint32_t qi = 0; qi < 3; ++qi) {
        const auto q = seeded_rows(1, dim, 7000 + qi);
        auto top = embedding_top_k(ix, q.data(), dim, 20, 30);
        json c = json::array();
        for (const auto& it : top.value()) c.push_back({it.item, float_bits(it.score)});
        cases.push_back(std::move(c));
      }
      out[std::to_string(dim) + (exact ? "_exact" : "_int8")] = std::move(cases);
    }
  }
  return out.dump() + "\n";
}
const std::string topk_golden_path = std::string(TAILOR_SOURCE_DIR) + "/tests/golden/recommend/topk.out.json";
}  // namespace

TEST_CASE("recommend: top-k golden is byte-identical on every target", "[recommend][topk][golden]") {
  std::FILE* f = std::fopen(topk_golden_path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string want;
  char buf[4096];
  for (std::size_t r; (r = std::fread(buf, 1, sizeof buf, f)) > 0;) want.append(buf, r);
  std::fclose(f);
  CHECK(topk_golden_text() == want);
}

TEST_CASE("recommend: write the top-k golden", "[.topk-golden-write]") {
  std::FILE* f = std::fopen(topk_golden_path.c_str(), "wb");
  REQUIRE(f != nullptr);
  const std::string text = topk_golden_text();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

TEST_CASE("recommend: order_share is the share of the shopper's orders holding the item", "[recommend][ranker]") {
  served s;
  auto spec = parse_ranker_spec(R"({"features":["order_share","is_own"],"candidates":50})");
  REQUIRE(spec.ok());
  auto order = [](const char* id, int64_t ts, std::vector<const char*> items) {
    json lines = json::array();
    for (const char* it : items) lines.push_back({{"item_id", it}, {"price", 1.0}});
    return json{{"type", "purchase"}, {"id", id}, {"ts", ts}, {"uid", "s"}, {"currency", "GBP"}, {"items", lines}};
  };
  // Three orders: a is in all three, b in two, c in one; d was only viewed.
  json evs = json::array({order("o1", 6000, {"a", "b"}), order("o2", 6100, {"a", "c"}), order("o3", 6200, {"a", "b"}),
                          view_ev("v1", "d", 6300)});
  auto job = s.r.prepare_ranking(json{{"slot", "home"}, {"now", 7000}, {"events", evs}, {"size", 6}}.dump(), spec.value());
  REQUIRE(job.ok());
  const std::map<std::string, float> want{{"a", 1.0f}, {"b", static_cast<float>(2.0 / 3.0)}, {"c", static_cast<float>(1.0 / 3.0)}, {"d", 0.0f}};
  std::size_t seen = 0;
  for (uint32_t r = 0; r < job->rows(); ++r) {
    const float* row = job->features().data() + static_cast<std::size_t>(r) * 2;
    const auto w = want.find(job->row_ids()[r]);
    if (w == want.end()) {
      CHECK(row[0] == 0.0f);
      continue;
    }
    ++seen;
    CHECK(row[0] == w->second);
    CHECK(row[1] == 1.0f);
  }
  CHECK(seen == want.size());
}

TEST_CASE("recommend: bring your own ranker builds features and applies rules to its scores", "[recommend][ranker]") {
  served s;
  auto spec = parse_ranker_spec(R"({"features":["blend","ease","is_own","price","in_stock"],"candidates":50})");
  REQUIRE(spec.ok());
  CHECK(spec->input == "features");
  CHECK(spec->output == "score");
  json evs = json::array({view_ev("v1", "a", 6500), view_ev("v2", "d", 6600)});
  const json req{{"slot", "home"}, {"now", 7000}, {"events", evs}, {"size", 4}};
  auto job = s.r.prepare_ranking(req.dump(), spec.value());
  REQUIRE(job.ok());
  REQUIRE(job->rows() >= 3);
  REQUIRE(job->cols() == 5);
  REQUIRE(job->features().size() == static_cast<std::size_t>(job->rows()) * 5);
  const auto& ids = job->row_ids();
  REQUIRE(ids.size() == job->rows());
  // Rows come in the built-in order (blend, normalised: the first row is 1); the
  // price column is price_minor / 100 (items a..f cost 100..600); f is out of stock
  // and filtered before the model sees it.
  CHECK(job->features()[0] == 1.0f);
  double max_blend = 0;
  for (uint32_t r = 0; r < job->rows(); ++r) {
    const float* row = job->features().data() + static_cast<std::size_t>(r) * 5;
    max_blend = std::max<double>(max_blend, row[0]);
    if (r > 0) CHECK(row[0] <= job->features()[static_cast<std::size_t>(r - 1) * 5]);
    const int letter = ids[r][0] - 'a';
    CHECK(row[3] == static_cast<float>(letter + 1));
    CHECK(row[4] == 1.0f);
    CHECK(row[2] == ((ids[r] == "a" || ids[r] == "d") ? 1.0f : 0.0f));
    CHECK(ids[r] != "f");
  }
  CHECK(max_blend == 1.0);
  // The model reverses the order: the last row becomes the first item.
  std::vector<float> scores(job->rows());
  for (uint32_t r = 0; r < job->rows(); ++r) scores[r] = static_cast<float>(r + 1) / 10.0f;
  auto d = s.r.finish_ranking(job.value(), scores.data(), scores.size());
  REQUIRE(d.ok());
  const json dec = json::parse(d.value());
  CHECK(dec["fallback"].is_null());
  REQUIRE(!dec["items"].empty());
  CHECK(dec["items"][0]["id"] == ids.back());
  CHECK(dec["items"][0]["score"] == Approx(static_cast<double>(scores.back())).epsilon(1e-6));
  bool model_reason = false;
  for (const auto& r : dec["items"][0]["reasons"]) model_reason |= r["source"] == "model";
  CHECK(model_reason);
  // A job is finished once.
  CHECK(s.r.finish_ranking(job.value(), scores.data(), scores.size()).error().code == errc::invalid_state);
  // Wrong number of scores: a clear error, and the job can still be finished.
  auto job2 = s.r.prepare_ranking(req.dump(), spec.value());
  REQUIRE(job2.ok());
  auto short_scores = s.r.finish_ranking(job2.value(), scores.data(), scores.size() - 1);
  CHECK(short_scores.error().code == errc::invalid_field);
  CHECK(short_scores.error().where == "scores");
  CHECK(s.r.finish_ranking(job2.value(), scores.data(), scores.size()).ok());
}

TEST_CASE("recommend: NaN or infinite model scores fall back to the built-in ranker", "[recommend][ranker]") {
  served s;
  auto spec = parse_ranker_spec(R"({"features":["blend"]})").value();
  json evs = json::array({view_ev("v1", "a", 6500)});
  const json req{{"slot", "home"}, {"now", 7000}, {"events", evs}, {"size", 4}};
  const json builtin = s.run(req);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    auto job = s.r.prepare_ranking(req.dump(), spec);
    REQUIRE(job.ok());
    std::vector<float> scores(job->rows(), 0.5f);
    scores.back() = bad;
    auto d = s.r.finish_ranking(job.value(), scores.data(), scores.size());
    REQUIRE(d.ok());
    const json dec = json::parse(d.value());
    CHECK(dec["fallback"] == "builtin_ranker");
    REQUIRE(dec["warnings"].size() == 1);
    CHECK(dec["warnings"][0].get<std::string>().find("row " + std::to_string(scores.size() - 1)) != std::string::npos);
    // The fallback is the built-in decision over the same (top `candidates`) rows.
    REQUIRE(dec["items"].size() == builtin["items"].size());
    for (std::size_t i = 0; i < dec["items"].size(); ++i) CHECK(dec["items"][i]["id"] == builtin["items"][i]["id"]);
  }
}

TEST_CASE("recommend: ranker spec and model signature errors are clear", "[recommend][ranker]") {
  CHECK(parse_ranker_spec("{").error().code == errc::invalid_json);
  CHECK(parse_ranker_spec("[]").error().code == errc::invalid_config);
  CHECK(parse_ranker_spec(R"({"features":[]})").error().code == errc::invalid_config);
  CHECK(parse_ranker_spec(R"({"candidates":5})").error().code == errc::missing_field);
  CHECK(parse_ranker_spec(R"({"features":["blend"],"magic":1})").error().code == errc::unknown_field);
  auto unknown = parse_ranker_spec(R"({"features":["blend","moon"]})");
  CHECK(unknown.error().code == errc::invalid_config);
  CHECK(unknown.error().where == "features[1]");
  CHECK(unknown.error().message.find("moon") != std::string::npos);
  CHECK(parse_ranker_spec(R"({"features":["blend","blend"]})").error().where == "features[1]");
  CHECK(parse_ranker_spec(R"({"features":["blend"],"candidates":1000})").ok());
  CHECK(!parse_ranker_spec(R"({"features":["blend"],"candidates":1001})").ok());
  std::string many = R"({"features":[)";
  for (uint32_t i = 0; i <= limits::max_ranker_features; ++i) many += (i ? ",\"blend\"" : "\"blend\"");
  CHECK(parse_ranker_spec(many + "]}").error().code == errc::limit_exceeded);
  // Every serving feature name is accepted.
  std::string all = R"({"features":[)";
  for (std::size_t i = 0; i < ranker_feature_names().size(); ++i) all += (i ? ",\"" : "\"") + ranker_feature_names()[i] + "\"";
  auto spec_all = parse_ranker_spec(all + "]}");
  REQUIRE(spec_all.ok());
  CHECK(spec_all->features.size() == ranker_feature_names().size());

  const auto spec = parse_ranker_spec(R"({"features":["blend","ease","price","is_own"]})").value();
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":["N",4]}],"outputs":["score"]})").ok());
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":[null,"F"]}],"outputs":["score"]})").ok());
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":[-1,4]}],"outputs":["score"]})").ok());
  auto width = check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":["N",10]}],"outputs":["score"]})");
  CHECK(width.error().code == errc::invalid_config);
  CHECK(width.error().message.find("names 4 features") != std::string::npos);
  CHECK(width.error().message.find("[N, 10]") != std::string::npos);
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":[100,4]}],"outputs":["score"]})").error().message.find(
            "fixed batch") != std::string::npos);
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":["N",4,1]}],"outputs":["score"]})").error().code ==
        errc::invalid_config);
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"x","shape":["N",4]}],"outputs":["score"]})").error().message.find(
            "no input \"features\"") != std::string::npos);
  CHECK(check_ranker_model(spec, R"({"inputs":[{"name":"features","shape":["N",4]}],"outputs":["y"]})").error().where ==
        "model.outputs");
}

TEST_CASE("recommend: bad input is a clear error or a documented fallback", "[recommend][bad-input]") {
  served s;
  // Unknown ids: ignored with a warning naming them (events, cart, context, pins);
  // silently ignored where they can only remove items (exclude, shown, dislikes).
  json evs = json::array({view_ev("v1", "ghost", 6500), view_ev("v2", "a", 6600)});
  auto d = s.run({{"slot", "home"}, {"now", 7000}, {"events", evs}, {"cart", {"phantom"}},
                  {"exclude", {"nope1"}}, {"shown", {"nope2"}}, {"dislikes", {"nope3"}}});
  CHECK(d["fallback"].is_null());
  REQUIRE(d["warnings"].size() == 2);
  CHECK(d["warnings"][0].get<std::string>().find("ghost") != std::string::npos);
  CHECK(d["warnings"][1].get<std::string>().find("phantom") != std::string::npos);
  CHECK(!d["items"].empty());
  // Only unknown items in the profile: cold start with warnings.
  auto only_ghosts = s.run({{"slot", "home"}, {"now", 7000}, {"events", json::array({view_ev("v1", "ghost", 6500)})}});
  CHECK(only_ghosts["fallback"] == "cold_start");
  CHECK(only_ghosts["warnings"].size() == 1);
  // An empty profile (no events key, or an empty array) is the cold-start fallback.
  CHECK(s.run({{"slot", "home"}, {"now", 7000}, {"events", json::array()}})["fallback"] == "cold_start");
  CHECK(s.run({{"slot", "cart"}, {"now", 7000}})["fallback"] == "cold_start");
  CHECK(s.run({{"slot", "post_purchase"}, {"now", 7000}})["fallback"] == "cold_start");
  // Malformed requests are errors naming the field.
  CHECK(s.r.recommend("[]").error().code == errc::invalid_field);
  CHECK(s.r.recommend("{\"slot\":\"home\"").error().code == errc::invalid_json);
  CHECK(s.r.recommend(R"({"slot":"nope","now":1})").error().code == errc::not_found);
  CHECK(s.r.recommend(R"({"slot":"home"})").error().code == errc::missing_field);
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"events":{}})").error().where == "events");
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"cart":[""]})").error().where == "cart[0]");
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"size":0})").error().code == errc::invalid_field);
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"size":101})").error().code == errc::invalid_field);
  CHECK(s.r.recommend(R"({"slot":"home","now":1,"size":100})").ok());
  // Id-list limits: N passes, N + 1 is limit_exceeded.
  json ids = json::array();
  for (std::size_t i = 0; i < limits::max_request_ids; ++i) ids.push_back("x" + std::to_string(i));
  CHECK(s.r.recommend(json{{"slot", "home"}, {"now", 1}, {"exclude", ids}}.dump()).ok());
  ids.push_back("one-more");
  CHECK(s.r.recommend(json{{"slot", "home"}, {"now", 1}, {"exclude", ids}}.dump()).error().code == errc::limit_exceeded);
  // A recommender that was never opened.
  recommender closed;
  CHECK(closed.recommend(R"({"slot":"home","now":1})").error().code == errc::invalid_state);
  // Empty catalogue: no items, cold start, and the ranker path has zero rows.
  served empty(default_recommend_config(), true);
  auto e = empty.run({{"slot", "home"}, {"now", 7000}, {"events", json::array({view_ev("v1", "a", 6500)})}, {"context", {"a"}}});
  CHECK(e["items"].empty());
  CHECK(e["fallback"] == "cold_start");
  CHECK(e["warnings"].size() == 1);
  auto spec = parse_ranker_spec(R"({"features":["blend","price"]})").value();
  auto job = empty.r.prepare_ranking(R"({"slot":"home","now":7000})", spec);
  REQUIRE(job.ok());
  CHECK(job->rows() == 0);
  auto none = empty.r.finish_ranking(job.value(), nullptr, 0);
  REQUIRE(none.ok());
  CHECK(json::parse(none.value())["items"].empty());
}
