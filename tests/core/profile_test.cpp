#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/det_math.hpp"
#include "tailor/catalog.hpp"
#include "tailor/profile.hpp"

using namespace tailor;
using nlohmann::json;

namespace {

constexpr int64_t day = 86'400'000;
constexpr int64_t minute = 60'000;
constexpr int64_t t0 = 1'700'000'000'000;

const char* const catalog_csv =
    "id,title,category,brand,price,currency,tags\n"
    "A,Red mug,Home>Kitchen>Mugs,Acme,12.50,GBP,red|ceramic\n"
    "B,Tea,Food>Drinks,Leaf,4,GBP,organic\n"
    "C,Kettle,Home>Kitchen,Acme,30,GBP,steel\n"
    "D,Sofa,Home>Living,Comfy,400,GBP,\n";

std::shared_ptr<const catalog> sample_catalog() {
  auto c = parse_catalog_csv(catalog_csv);
  REQUIRE(c.ok());
  return std::make_shared<const catalog>(std::move(c.value()));
}

profiler make_profiler(const std::string& config_json) {
  auto cfg = parse_profile_config(config_json);
  if (!cfg) FAIL(cfg.error().message << " at " << cfg.error().where);
  auto p = profiler::create(sample_catalog(), std::move(cfg.value()));
  REQUIRE(p.ok());
  return std::move(p.value());
}

event ev(const std::string& text) {
  auto e = decode_event(text);
  if (!e) FAIL(e.error().message << " at " << e.error().where << " in " << text);
  return e.value();
}

event view(const std::string& id, int64_t ts, const std::string& item, const std::string& uid = "u") {
  return ev(R"({"type":"view","id":")" + id + R"(","ts":)" + std::to_string(ts) + R"(,"uid":")" +
            uid + R"(","item_id":")" + item + R"("})");
}

json fold_json(const profiler& p, const profile_state& st, int64_t now) {
  auto out = p.fold(st, now);
  REQUIRE(out.ok());
  return json::parse(out.value());
}

// splitmix64: explicit, seeded randomness for the property tests.
struct rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

std::vector<event> random_events(rng& r, int n) {
  static const char* items[] = {"A", "B", "C", "D", "X"};
  std::vector<event> out;
  for (int i = 0; i < n; ++i) {
    const std::string id = "e" + std::to_string(r.below(n * 2));  // ids collide on purpose
    const int64_t ts = t0 + r.below(40) * 7 * minute;
    const std::string item = items[r.below(5)];
    const std::string head = R"({"id":")" + id + R"(","ts":)" + std::to_string(ts) + R"(,"uid":"u")";
    switch (r.below(7)) {
      case 0: out.push_back(ev(head + R"(,"type":"view","item_id":")" + item + "\"}")); break;
      case 1: out.push_back(ev(head + R"(,"type":"click","item_id":")" + item + "\"}")); break;
      case 2: out.push_back(ev(head + R"(,"type":"add_to_cart","quantity":2,"item_id":")" + item + "\"}")); break;
      case 3: out.push_back(ev(head + R"(,"type":"remove_from_cart","item_id":")" + item + "\"}")); break;
      case 4:
        out.push_back(ev(head + R"(,"type":"purchase","currency":"GBP","items":[{"item_id":")" + item +
                         R"(","price":)" + std::to_string(1 + r.below(50)) + "}]}"));
        break;
      case 5: out.push_back(ev(head + R"(,"type":"search","query":"q)" + std::to_string(r.below(3)) + "\"}")); break;
      default:
        out.push_back(ev(head + R"(,"type":"consent","analytics":true,"personalization":)" +
                         (r.below(4) ? "true" : "false") + R"(,"marketing":false})"));
    }
  }
  return out;
}

profile_state state_of(const std::vector<event>& evs) {
  profile_state st;
  for (const auto& e : evs) st.add(e);
  return st;
}

}  // namespace

TEST_CASE("profile: affinities decay with the configured half-life", "[profile]") {
  auto p = make_profiler(R"({"half_life_days":2,"weights":{"view":1,"purchase":10},
    "price_bands":[{"id":"low","max":20},{"id":"mid","max":100},{"id":"high"}]})");
  profile_state st;
  st.add(view("v1", t0 - 2 * day, "A"));   // weight 1, one half-life old: 0.5
  st.add(view("v2", t0 - 4 * day, "C"));   // 0.25
  st.add(ev(R"({"type":"purchase","id":"p1","ts":)" + std::to_string(t0) +
            R"(,"uid":"u","currency":"GBP","items":[{"item_id":"B","price":4,"quantity":3}]})"));  // 10
  auto j = fold_json(p, st, t0);
  CHECK(j["affinities"]["category"] == json::parse(R"([
    {"key":"Food","score":10.0},{"key":"Food>Drinks","score":10.0},{"key":"Home","score":0.75},
    {"key":"Home>Kitchen","score":0.75},{"key":"Home>Kitchen>Mugs","score":0.5}])"));
  CHECK(j["affinities"]["brand"] == json::parse(R"([{"key":"Leaf","score":10.0},{"key":"Acme","score":0.75}])"));
  CHECK(j["affinities"]["price_band"] == json::parse(R"([{"key":"low","score":10.5},{"key":"mid","score":0.25}])"));
  // Ties break by key: ceramic before red.
  CHECK(j["affinities"]["tag"] == json::parse(R"([{"key":"organic","score":10.0},{"key":"ceramic","score":0.5},
    {"key":"red","score":0.5},{"key":"steel","score":0.25}])"));
  CHECK(j["rfm"] == json::parse(R"({"frequency":1,"monetary":{"GBP":12.0},"recency_days":0.0,
    "first_purchase_ts":1700000000000,"last_purchase_ts":1700000000000})"));
  // A non-integral age uses det_exp2, never std::exp.
  auto j2 = fold_json(p, st, t0 + day / 3);
  const double expect = detail::round_to(10.0 * detail::det_exp2(-(1.0 / 3.0) / 2.0), 6);
  CHECK(j2["affinities"]["brand"][0]["score"].get<double>() == expect);
}

TEST_CASE("profile: top_k, negative weights and unknown items", "[profile]") {
  auto p = make_profiler(R"({"top_k":1,"half_life_days":1000})");
  profile_state st;
  st.add(view("v1", t0 - 1000, "A"));
  st.add(view("v2", t0 - 900, "D"));
  st.add(view("v3", t0 - 800, "D"));
  st.add(view("v4", t0 - 700, "nope"));
  st.add(ev(R"({"type":"remove_from_cart","id":"r","ts":)" + std::to_string(t0 - 600) +
            R"(,"uid":"u","item_id":"A"})"));
  auto j = fold_json(p, st, t0);
  CHECK(j["affinities"]["brand"].size() == 1);
  CHECK(j["affinities"]["brand"][0]["key"] == "Comfy");
  // A: +1 view - 3 remove: negative, so absent; the ceramic tag too.
  CHECK(j["affinities"]["tag"].empty());
  CHECK(j["events"]["unknown_items"] == 1);
  CHECK(j["recent_items"] == json::parse(R"(["nope","D","A"])"));
}

TEST_CASE("profile: folding does not depend on event order", "[profile][property]") {
  auto p = make_profiler(R"({"half_life_days":3,"price_bands":[{"id":"low","max":20},{"id":"high"}]})");
  rng r{Catch::rngSeed() * 7919u + 1};
  for (int round = 0; round < 20; ++round) {
    auto evs = random_events(r, 60);
    const std::string expected = p.fold(state_of(evs), t0 + 300 * minute).value();
    for (int k = 0; k < 5; ++k) {
      for (std::size_t i = evs.size(); i > 1; --i) std::swap(evs[i - 1], evs[static_cast<std::size_t>(r.below(static_cast<int64_t>(i)))]);
      CHECK(p.fold(state_of(evs), t0 + 300 * minute).value() == expected);
    }
  }
}

TEST_CASE("profile: merge is commutative, associative and idempotent", "[profile][property]") {
  auto p = make_profiler("{}");
  rng r{Catch::rngSeed() * 104729u + 3};
  for (int round = 0; round < 30; ++round) {
    auto a = state_of(random_events(r, 40));
    auto b = state_of(random_events(r, 40));
    auto c = state_of(random_events(r, 40));
    REQUIRE(a.suppress("tag", "red").ok());
    REQUIRE(b.suppress("segment", "s" + std::to_string(r.below(3))).ok());
    a.set_personalized(r.below(2) == 0, r.below(3));
    b.set_personalized(r.below(2) == 0, r.below(3));
    auto merged = [](const profile_state& x, const profile_state& y) {
      profile_state out = x;
      REQUIRE(out.merge(y).ok());
      return out;
    };
    auto ab = merged(a, b), ba = merged(b, a);
    CHECK(export_state(ab) == export_state(ba));
    CHECK(export_state(merged(ab, c)) == export_state(merged(a, merged(b, c))));
    CHECK(export_state(merged(a, a)) == export_state(a));
    CHECK(export_state(merged(ab, a)) == export_state(ab));
    CHECK(p.fold(ab, t0 + 300 * minute).value() == p.fold(ba, t0 + 300 * minute).value());
  }
}

TEST_CASE("profile: merge keeps the newest events and stays associative past the cap", "[profile][property][limits]") {
  rng r{Catch::rngSeed() * 31u + 5};
  const std::size_t n = limits::max_events_per_profile;
  auto mk = [&](std::size_t count, int64_t spread) {
    std::vector<event> out;
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back(view("e" + std::to_string(r.below(static_cast<int64_t>(n) * 2)), t0 + r.below(spread), "A"));
    }
    return state_of(out);
  };
  auto a = mk(n, 100000), b = mk(n / 2, 100000), c = mk(n, 100000);
  auto merged = [](const profile_state& x, const profile_state& y) {
    profile_state out = x;
    REQUIRE(out.merge(y).ok());
    return out;
  };
  CHECK(export_state(merged(merged(a, b), c)) == export_state(merged(a, merged(b, c))));
  CHECK(export_state(merged(a, c)) == export_state(merged(c, a)));
  CHECK(merged(a, c).size() == n);

  profile_state full;
  for (std::size_t i = 0; i < n; ++i) full.add(view("v" + std::to_string(i), t0 + static_cast<int64_t>(i), "A"));
  CHECK(full.size() == n);
  CHECK(full.events().begin()->second.id == "v0");
  CHECK(full.add(view("new", t0 + static_cast<int64_t>(n), "A")));
  CHECK(full.size() == n);
  CHECK(full.events().begin()->second.id == "v1");   // the oldest went
  CHECK_FALSE(full.add(view("old", t0 - 1, "A")));   // older than everything kept
}

TEST_CASE("profile: the same id twice keeps one version, whatever the order", "[profile]") {
  auto a = view("e1", t0, "A");
  auto b = view("e1", t0, "B");
  auto c = view("e1", t0 + 1, "C");
  profile_state x, y;
  x.add(a); x.add(b); x.add(c);
  y.add(c); y.add(b); y.add(a);
  CHECK(export_state(x) == export_state(y));
  CHECK(x.size() == 1);
  CHECK(x.events().begin()->second.item_id == "C");
  profile_state z;
  z.add(b); z.add(a);
  CHECK(z.events().begin()->second.item_id == "B");  // larger canonical encoding
}

TEST_CASE("profile: sessions split after 30 minutes and intent lists its parts", "[profile]") {
  auto p = make_profiler(R"({"intent":{"bias":-2,"weights":{"product_views":0.5,"add_to_cart":1}}})");
  profile_state st;
  st.add(view("a1", t0, "A"));
  st.add(view("a2", t0 + 10 * minute, "B"));
  st.add(view("b1", t0 + 41 * minute, "C"));      // 31 min gap: new session
  st.add(view("b2", t0 + 50 * minute, "C"));
  st.add(ev(R"({"type":"add_to_cart","id":"b3","ts":)" + std::to_string(t0 + 55 * minute) +
            R"(,"uid":"u","item_id":"C","quantity":1})"));
  auto j = fold_json(p, st, t0 + 60 * minute);
  CHECK(j["sessions"]["count"] == 2);
  CHECK(j["sessions"]["current"]["start_ts"] == t0 + 41 * minute);
  CHECK(j["sessions"]["current"]["events"] == 3);
  CHECK(j["sessions"]["current"]["minutes"] == 14.0);
  const auto& parts = j["intent"]["parts"];
  REQUIRE(parts.size() == 10);
  double logit = -2.0;
  for (const auto& part : parts) logit += part["contribution"].get<double>();
  CHECK(j["intent"]["logit"].get<double>() == Approx(logit).margin(1e-9));
  auto part = [&](const char* name) {
    for (const auto& x : parts) if (x["signal"] == name) return x;
    return json();
  };
  CHECK(part("product_views")["value"] == 2.0);
  CHECK(part("product_views")["contribution"] == 1.0);
  CHECK(part("add_to_cart")["value"] == 1.0);
  CHECK(part("distinct_items")["value"] == 1.0);
  CHECK(part("returning")["value"] == 1.0);
  CHECK(part("cart_items")["value"] == 1.0);
  CHECK(part("minutes")["value"] == 14.0);
  CHECK(j["intent"]["score"].get<double>() ==
        detail::round_to(detail::det_sigmoid(j["intent"]["logit"].get<double>()), 6));
  CHECK(j["cart"] == json::parse(R"([{"item_id":"C","quantity":1}])"));
  // 30 minutes after the last event the session is over: no intent.
  auto later = fold_json(p, st, t0 + 55 * minute + 30 * minute + 1);
  CHECK(later["sessions"]["current"].is_null());
  CHECK(later["intent"].is_null());
  auto at_edge = fold_json(p, st, t0 + 55 * minute + 30 * minute);
  CHECK_FALSE(at_edge["intent"].is_null());
}

TEST_CASE("profile: lifecycle stages at their thresholds", "[profile]") {
  auto p = make_profiler(R"({"lifecycle":{"new_days":7,"active_days":30,"lapsed_days":90}})");
  profile_state st;
  st.add(view("first", t0, "A"));
  st.add(view("last", t0 + 10 * day, "A"));
  auto stage = [&](int64_t now) { return fold_json(p, st, now)["lifecycle"]["stage"].get<std::string>(); };
  CHECK(stage(t0 + 7 * day) == "new");   // ts after now are not counted; 7 days since first
  CHECK(stage(t0 + 10 * day) == "active");
  CHECK(stage(t0 + 40 * day) == "active");
  CHECK(stage(t0 + 40 * day + 1) == "at_risk");
  CHECK(stage(t0 + 100 * day) == "at_risk");
  CHECK(stage(t0 + 100 * day + 1) == "lapsed");
  CHECK(fold_json(p, profile_state{}, t0)["lifecycle"]["stage"] == "new");
  auto j = fold_json(p, st, t0 + 5 * day);
  CHECK(j["events"]["future"] == 1);
  CHECK(j["events"]["counted"] == 1);
}

TEST_CASE("profile: deleted tags vanish and stay deleted", "[profile]") {
  auto p = make_profiler(R"({"half_life_days":10,"price_bands":[{"id":"low","max":20},{"id":"high"}]})");
  profile_state st;
  st.add(view("v1", t0, "A"));
  st.add(view("v2", t0, "C"));
  REQUIRE(st.suppress("tag", "red").ok());
  REQUIRE(st.suppress("category", "Home>Kitchen").ok());
  REQUIRE(st.suppress("price_band", "low").ok());
  auto j = fold_json(p, st, t0);
  CHECK(j["affinities"]["tag"] == json::parse(R"([{"key":"ceramic","score":1.0},{"key":"steel","score":1.0}])"));
  CHECK(j["affinities"]["category"] == json::parse(R"([{"key":"Home","score":2.0}])"));
  CHECK(j["affinities"]["price_band"] == json::parse(R"([{"key":"high","score":1.0}])"));
  CHECK(j["suppressed"].size() == 3);
  // Merging with a state that never saw the deletion keeps it deleted.
  profile_state other;
  other.add(view("v3", t0, "A"));
  REQUIRE(other.merge(st).ok());
  CHECK(fold_json(p, other, t0)["affinities"]["tag"].dump().find("red") == std::string::npos);
  // Errors: unknown kind, empty key.
  CHECK(st.suppress("colour", "x").error().code == errc::invalid_field);
  CHECK(st.suppress("tag", "").error().code == errc::invalid_field);
}

TEST_CASE("profile: suppressions are limited at N and N+1", "[profile][limits]") {
  profile_state st;
  for (std::size_t i = 0; i < limits::max_suppressions; ++i) {
    REQUIRE(st.suppress("tag", "t" + std::to_string(i)).ok());
  }
  CHECK(st.suppress("tag", "t0").ok());  // already there: no change
  auto over = st.suppress("tag", "one-more");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
  CHECK(st.suppressed().size() == limits::max_suppressions);
  profile_state other;
  REQUIRE(other.suppress("brand", "x").ok());
  const std::string before = export_state(st);
  CHECK(st.merge(other).error().code == errc::limit_exceeded);
  CHECK(export_state(st) == before);
  CHECK(st.suppress("tag", std::string(limits::max_string_bytes, 'k')).error().code == errc::limit_exceeded);
}

TEST_CASE("profile: non-personalized mode keeps no personal characteristics", "[profile]") {
  auto p = make_profiler("{}");
  profile_state st;
  st.add(view("v1", t0, "A"));
  st.set_personalized(false, t0);
  auto j = fold_json(p, st, t0);
  CHECK(j["personalized"] == false);
  CHECK(j["reason"] == "opted_out");
  for (const char* gone : {"affinities", "segments", "intent", "rfm", "lifecycle", "recent_items", "cart", "sessions"}) {
    CHECK_FALSE(j.contains(gone));
  }
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"consent", "events", "identities", "now", "personalized",
                                         "reason", "suppressed", "version"});
  st.set_personalized(true, t0 + 1);
  CHECK(fold_json(p, st, t0)["personalized"] == true);
  // A consent event withdrawing personalization has the same effect.
  st.add(ev(R"({"type":"consent","id":"c1","ts":)" + std::to_string(t0 + 5) +
            R"(,"uid":"u","analytics":true,"personalization":false,"marketing":false})"));
  auto k = fold_json(p, st, t0 + 10);
  CHECK(k["personalized"] == false);
  CHECK(k["reason"] == "no_consent");
  CHECK(k["consent"]["event_id"] == "c1");
  st.add(ev(R"({"type":"consent","id":"c2","ts":)" + std::to_string(t0 + 6) +
            R"(,"uid":"u","analytics":true,"personalization":true,"marketing":false})"));
  CHECK(fold_json(p, st, t0 + 10)["personalized"] == true);
}

TEST_CASE("profile: personalization setting is last-writer-wins, off on ties", "[profile]") {
  profile_state a, b;
  a.set_personalized(false, 5);
  b.set_personalized(true, 5);
  profile_state ab = a, ba = b;
  REQUIRE(ab.merge(b).ok());
  REQUIRE(ba.merge(a).ok());
  CHECK_FALSE(ab.personalization().enabled);
  CHECK_FALSE(ba.personalization().enabled);
  b.set_personalized(true, 6);
  REQUIRE(ab.merge(b).ok());
  CHECK(ab.personalization().enabled);
}

TEST_CASE("profile: identities, links and experiments", "[profile]") {
  auto p = make_profiler("{}");
  std::vector<event> log = {
      view("1", t0, "A", "anon"),
      ev(R"({"type":"identify","id":"2","ts":)" + std::to_string(t0 + 1) + R"(,"uid":"alice","previous_uid":"anon"})"),
      view("3", t0 + 2, "B", "alice"),
      view("4", t0 + 3, "C", "bob"),
      ev(R"({"type":"exposure","id":"5","ts":)" + std::to_string(t0 + 4) + R"(,"uid":"alice","experiment":"hero","variation":1})"),
      ev(R"({"type":"exposure","id":"6","ts":)" + std::to_string(t0 + 5) + R"(,"uid":"alice","experiment":"hero","variation":2})"),
  };
  auto mine = events_of_shopper(log, "anon");
  CHECK(mine.size() == 5);
  CHECK(events_of_shopper(log, "alice").size() == 5);
  CHECK(events_of_shopper(log, "bob").size() == 1);
  auto j = fold_json(p, state_of(mine), t0 + 10);
  CHECK(j["identities"] == json::parse(R"({"uids":["alice","anon"],"links":[{"from":"anon","to":"alice","ts":1700000000001}]})"));
  CHECK(j["experiments"] == json::parse(R"({"hero":{"variation":"2","ts":1700000000005}})"));
}

TEST_CASE("profile: config errors name the field", "[profile]") {
  struct bad_case {
    const char* json;
    errc code;
    const char* where;
  };
  const bad_case cases[] = {
      {"[]", errc::invalid_config, ""},
      {"{", errc::invalid_json, "byte 2"},
      {R"({"half_life_days":0})", errc::invalid_config, "half_life_days"},
      {R"({"half_life_days":"7"})", errc::invalid_config, "half_life_days"},
      {R"({"half_life":7})", errc::invalid_config, "half_life"},
      {R"({"weights":{"teleport":1}})", errc::invalid_config, "weights.teleport"},
      {R"({"weights":{"view":1e9}})", errc::invalid_config, "weights.view"},
      {R"({"lifecycle":{"active_days":100,"lapsed_days":90}})", errc::invalid_config, "lifecycle"},
      {R"({"price_bands":[{"id":"a"},{"id":"b","max":5}]})", errc::invalid_config, "price_bands[0].max"},
      {R"({"price_bands":[{"id":"a","max":5},{"id":"b","max":5}]})", errc::invalid_config, "price_bands[1].max"},
      {R"({"price_bands":[{"id":"a","max":5},{"id":"a"}]})", errc::duplicate_id, "price_bands[1].id"},
      {R"({"session_timeout_minutes":0})", errc::invalid_config, "session_timeout_minutes"},
      {R"({"intent":{"weights":{"vibes":1}}})", errc::invalid_config, "intent.weights.vibes"},
      {R"({"segments":[{"id":"a","condition":{}},{"id":"a","condition":{}}]})", errc::duplicate_id, "segments[1].id"},
      {R"({"segments":[{"id":"a"}]})", errc::invalid_config, "segments[0].condition"},
      {R"({"segments":[{"id":"a","condition":[]}]})", errc::invalid_condition, "segments[0].condition"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto r = parse_profile_config(c.json);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(r.error().where == c.where);
  }
  auto many = [](std::size_t n) {
    json segs = json::array();
    for (std::size_t i = 0; i < n; ++i) segs.push_back({{"id", "s" + std::to_string(i)}, {"condition", json::object()}});
    return json{{"segments", segs}}.dump();
  };
  CHECK(parse_profile_config(many(limits::max_segments)).ok());
  CHECK(parse_profile_config(many(limits::max_segments + 1)).error().code == errc::limit_exceeded);
  // Defaults are explicit and round-trip.
  auto d = parse_profile_config("");
  REQUIRE(d.ok());
  auto again = parse_profile_config(encode_profile_config(d.value()));
  REQUIRE(again.ok());
  CHECK(encode_profile_config(again.value()) == encode_profile_config(d.value()));
}

TEST_CASE("profile: state export and import round-trip; bad state changes nothing", "[profile]") {
  rng r{Catch::rngSeed() * 13u + 7};
  auto st = state_of(random_events(r, 50));
  REQUIRE(st.suppress("brand", "Acme").ok());
  st.set_personalized(false, 3);
  auto text = export_state(st);
  auto back = import_state(text);
  REQUIRE(back.ok());
  CHECK(export_state(back.value()) == text);

  struct bad_case {
    std::string json;
    errc code;
    const char* where;
  };
  const bad_case cases[] = {
      {"nope", errc::invalid_state, "byte 2"},
      {"[]", errc::invalid_state, ""},
      {R"({"version":2,"events":[]})", errc::invalid_state, "version"},
      {R"({"events":[]})", errc::invalid_state, "version"},
      {R"({"version":1,"events":{}})", errc::invalid_state, "events"},
      {R"({"version":1,"events":[{"type":"view","id":"a","ts":1,"uid":"u"}]})", errc::invalid_state, "events[0].item_id"},
      {R"({"version":1,"events":[{"type":"warp","id":"a","ts":1,"uid":"u"}]})", errc::invalid_state, "events[0].type"},
      {R"({"version":1,"suppressed":[{"kind":"mood","key":"x"}]})", errc::invalid_state, "suppressed[0].kind"},
      {R"({"version":1,"personalization":{"enabled":1,"ts":0}})", errc::invalid_state, "personalization.enabled"},
      {R"({"version":1,"extra":1})", errc::invalid_state, "extra"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto res = import_state(c.json);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code == c.code);
    CHECK(res.error().where == c.where);
  }
  json many = {{"version", 1}, {"events", json::array()}};
  for (std::size_t i = 0; i <= limits::max_events_per_profile; ++i) {
    many["events"].push_back({{"type", "view"}, {"id", "e" + std::to_string(i)}, {"ts", 1}, {"uid", "u"}, {"item_id", "A"}});
  }
  CHECK(import_state(many.dump()).error().code == errc::limit_exceeded);
  many["events"].erase(many["events"].size() - 1);
  CHECK(import_state(many.dump()).ok());
}

// Golden cases (tests/golden/profile): the same files are checked in wasm
// under Node, through the CLI, in Chromium and in workerd.
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("profile: golden cases match byte for byte", "[profile][golden]") {
  const std::string dir = std::string(TAILOR_SOURCE_DIR) + "/tests/golden/profile";
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string f = entry.path().filename().string();
    if (f.size() > 8 && f.compare(f.size() - 8, 8, ".in.json") == 0) names.push_back(f.substr(0, f.size() - 8));
  }
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() >= 8);
  for (const auto& name : names) {
    INFO(name);
    const json in = json::parse(read_text(dir + "/" + name + ".in.json"));
    const std::string text = in["catalog"].get<std::string>();
    auto cat = in["catalog_format"] == "csv" ? parse_catalog_csv(text) : parse_catalog_jsonl(text);
    REQUIRE(cat.ok());
    auto cfg = parse_profile_config(in["config"].dump());
    REQUIRE(cfg.ok());
    auto p = profiler::create(std::make_shared<const catalog>(std::move(cat.value())), std::move(cfg.value()));
    REQUIRE(p.ok());
    profile_state st;
    if (in.contains("state")) {
      auto s = import_state(in["state"].dump());
      REQUIRE(s.ok());
      st = std::move(s.value());
    }
    for (const auto& e : in["events"]) st.add(ev(e.dump()));
    auto out = p->fold(st, in["now"].get<int64_t>());
    REQUIRE(out.ok());
    std::string expected = read_text(dir + "/" + name + ".out.json");
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    CHECK(out.value() == expected);
  }
}

TEST_CASE("profile: segments are rules over the profile itself", "[profile][segments]") {
  auto p = make_profiler(R"({"half_life_days":10,"segments":[
    {"id":"kitchen","name":"Kitchen lovers","condition":{"affinities.category":{"$elemMatch":{"key":"Home>Kitchen","score":{"$gt":1.5}}}}},
    {"id":"buyers","name":"Buyers","condition":{"rfm.frequency":{"$gte":1}}},
    {"id":"at_risk","condition":{"lifecycle.stage":"at_risk"}},
    {"id":"red_fans","condition":{"affinities.tag":{"$elemMatch":{"key":"red"}}}},
    {"id":"everyone","condition":{}}]})");
  profile_state st;
  st.add(view("v1", t0 - 40 * day, "A"));
  st.add(view("v2", t0 - 39 * day, "C"));
  auto ids = [&](const profile_state& s, int64_t now) {
    std::vector<std::string> out;
    const json prof = fold_json(p, s, now);
    for (const auto& seg : prof["segments"]) out.push_back(seg["id"]);
    return out;
  };
  CHECK(ids(st, t0) == std::vector<std::string>{"at_risk", "everyone", "red_fans"});
  st.add(ev(R"({"type":"purchase","id":"p1","ts":)" + std::to_string(t0 - day) +
            R"(,"uid":"u","currency":"GBP","items":[{"item_id":"C","price":30}]})"));
  CHECK(ids(st, t0) == std::vector<std::string>{"buyers", "everyone", "kitchen", "red_fans"});
  CHECK(fold_json(p, st, t0)["segments"][0] == json::parse(R"({"id":"buyers","name":"Buyers"})"));
  // A deleted tag no longer places the shopper in a segment; a deleted segment is never assigned.
  REQUIRE(st.suppress("tag", "red").ok());
  REQUIRE(st.suppress("segment", "everyone").ok());
  CHECK(ids(st, t0) == std::vector<std::string>{"buyers", "kitchen"});
  REQUIRE(st.suppress("category", "Home").ok());
  CHECK(ids(st, t0) == std::vector<std::string>{"buyers"});
  st.set_personalized(false, 1);
  CHECK_FALSE(fold_json(p, st, t0).contains("segments"));
}

TEST_CASE("profile: a bad segment rule is an error naming it", "[profile][segments]") {
  const std::string long_re(limits::max_regex_pattern_bytes + 1, 'a');
  auto r = parse_profile_config(R"({"segments":[{"id":"a","condition":{}},{"id":"b","condition":{"lifecycle.stage":{"$regex":")" +
                                long_re + "\"}}}]}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::limit_exceeded);
  CHECK(r.error().where == "segments[1].condition.lifecycle.stage.$regex");
  const std::string ok_re(limits::max_regex_pattern_bytes, 'a');
  CHECK(parse_profile_config(R"({"segments":[{"id":"b","condition":{"lifecycle.stage":{"$regex":")" + ok_re + "\"}}}]}").ok());
}
