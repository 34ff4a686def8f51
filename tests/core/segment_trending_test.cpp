// Trending per shopper segment: membership from profile segment rules, the
// decayed per-segment lists, the bundle sections (format version 3) and the
// segment_trending source with its reasons.
#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <map>
#include <string>

#include "tailor/bundle.hpp"
#include "tailor/catalog.hpp"
#include "tailor/profile.hpp"
#include "tailor/recommend.hpp"
#include "tailor/train.hpp"

using namespace tailor;
using nlohmann::json;
using test::purchase;

namespace {

constexpr int64_t day = 86'400'000;

// Trending half-life 14 days, purchase weight 5, newest event at day 28:
//   u1 buys a (day 0), a + b (day 14); u3 buys c (day 0), b (day 28): two orders each.
//   u2 buys c (day 28): one order.
std::vector<event> shop() {
  return {purchase("1", "u1", 0, {"a"}), purchase("2", "u1", 14 * day, {"a", "b"}),
          purchase("3", "u3", 0, {"c"}), purchase("4", "u3", 28 * day, {"b"}),
          purchase("5", "u2", 28 * day, {"c"})};
}

const char* profile_config_json =
    R"({"segments":[{"id":"loyal","condition":{"rfm.frequency":{"$gte":2}}},)"
    R"({"id":"buyers","condition":{"rfm.frequency":{"$gte":1}}},)"
    R"({"id":"nobody","condition":{"rfm.frequency":{"$gte":99}}}]})";

profiler make_profiler() {
  std::vector<item> items;
  for (const char* id : {"a", "b", "c"}) items.push_back(item{id, id, {}, "", 100, "GBP", {}, {}, {}});
  auto cat = catalog::from_items(std::move(items));
  REQUIRE(cat.ok());
  auto cfg = parse_profile_config(profile_config_json);
  REQUIRE(cfg.ok());
  auto p = profiler::create(std::make_shared<const catalog>(std::move(cat.value())), std::move(cfg.value()));
  REQUIRE(p.ok());
  return std::move(p.value());
}

// The list of one segment as {item id: weight}.
std::map<std::string, float> list_of(const model& m, const neighbour_lists& nl, uint32_t s) {
  std::map<std::string, float> out;
  for (uint32_t k = nl.offsets[s]; k < nl.offsets[s + 1]; ++k) out[m.items[nl.items[k]]] = nl.weights[k];
  return out;
}

model trained_with_segments() {
  const auto evs = shop();
  auto log = build_log(evs);
  REQUIRE(log.ok());
  train_options o;
  o.ease_lambda = 1.0;
  o.embedding_dim = 0;
  auto m = train(log.value(), o);
  REQUIRE(m.ok());
  auto members = profile_segment_membership(log.value(), evs, make_profiler());
  REQUIRE(members.ok());
  auto lists = train_segment_trending(log.value(), members.value(), o);
  REQUIRE(lists.ok());
  m->segments = members->segments;
  m->segment_trending = lists.value();
  return std::move(m.value());
}

struct served {
  std::vector<uint64_t> buf;
  recommender r;
  explicit served(const model& m, const std::string& config) {
    std::vector<bundle_item> items;
    for (const auto& id : m.items) items.push_back(bundle_item{id, "T" + id, "", 100, true});
    auto bytes = write_bundle(m, items, config);
    REQUIRE(bytes.ok());
    buf.resize(bytes->size() / 8 + 1);
    std::memcpy(buf.data(), bytes->data(), bytes->size());
    auto o = recommender::open(std::string_view(reinterpret_cast<const char*>(buf.data()), bytes->size()));
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

std::string bundle_bytes(const model& m) {
  std::vector<bundle_item> items;
  for (const auto& id : m.items) items.push_back(bundle_item{id, id, "", 100, true});
  auto b = write_bundle(m, items, default_recommend_config());
  REQUIRE(b.ok());
  return b.value();
}

result<bundle_view> open_copy(const std::string& bytes, std::vector<uint64_t>& buf) {
  buf.assign(bytes.size() / 8 + 1, 0);
  std::memcpy(buf.data(), bytes.data(), bytes.size());
  return open_bundle(std::string_view(reinterpret_cast<const char*>(buf.data()), bytes.size()));
}

void rehash(std::string& b) {
  std::memset(b.data() + 24, 0, 8);
  const uint64_t h = bundle_hash_v1(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  std::memcpy(b.data() + 24, &h, 8);
}

}  // namespace

TEST_CASE("segment trending: membership from profile rules, decayed lists per segment", "[train][segments]") {
  const auto evs = shop();
  auto log = build_log(evs).value();
  auto members = profile_segment_membership(log, evs, make_profiler());
  REQUIRE(members.ok());
  // Every segment of the config, sorted by id; members by the fold at day 28.
  CHECK(members->segments == std::vector<std::string>{"buyers", "loyal", "nobody"});
  REQUIRE(members->of_user.size() == 3);  // log users: u1, u2, u3
  CHECK(members->of_user[0] == std::vector<uint32_t>{0, 1});
  CHECK(members->of_user[1] == std::vector<uint32_t>{0});
  CHECK(members->of_user[2] == std::vector<uint32_t>{0, 1});

  model m = trained_with_segments();
  REQUIRE(m.segment_trending.offsets.size() == 4);
  // 5 x 2^(-age / 14 days) per purchase line: ages 28 -> 1.25, 14 -> 2.5, 0 -> 5.
  const auto loyal = list_of(m, m.segment_trending, 1);
  CHECK(loyal.size() == 3);
  CHECK(loyal.at("b") == Approx(7.5));   // u1 day 14 + u3 day 28
  CHECK(loyal.at("a") == Approx(3.75));  // u1 day 0 + day 14
  CHECK(loyal.at("c") == Approx(1.25));  // u3 day 0
  const auto buyers = list_of(m, m.segment_trending, 0);
  CHECK(buyers.at("c") == Approx(6.25));  // + u2 day 28
  CHECK(buyers.at("b") == Approx(7.5));
  CHECK(list_of(m, m.segment_trending, 2).empty());
  // Best first.
  CHECK(m.items[m.segment_trending.items[m.segment_trending.offsets[1]]] == "b");
  CHECK(m.items[m.segment_trending.items[m.segment_trending.offsets[1] + 1]] == "a");
  // The union of all shoppers is the global trending.
  for (uint32_t k = m.segment_trending.offsets[0]; k < m.segment_trending.offsets[1]; ++k) {
    CHECK(m.segment_trending.weights[k] == Approx(m.trending[m.segment_trending.items[k]]));
  }
  // top_n keeps the best.
  train_options o;
  auto top1 = train_segment_trending(build_log(evs).value(), members.value(), o, 1);
  REQUIRE(top1.ok());
  CHECK(top1->offsets == std::vector<uint32_t>{0, 1, 2, 2});
}

TEST_CASE("segment trending: bad membership is a clear error", "[train][segments]") {
  auto log = build_log(shop()).value();
  train_options o;
  segment_membership bad;
  bad.segments = {"x"};
  bad.of_user.assign(2, {});  // the log has 3 users
  auto r = train_segment_trending(log, bad, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("3") != std::string::npos);
  bad.of_user.assign(3, {});
  bad.of_user[1] = {4};
  r = train_segment_trending(log, bad, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().where == "users[1]");
  bad.segments = {"y", "x"};
  bad.of_user[1] = {};
  CHECK_FALSE(train_segment_trending(log, bad, o).ok());
  bad.segments.assign(limits::max_segments + 1, "s");
  CHECK(train_segment_trending(log, bad, o).error().code == errc::limit_exceeded);
}

TEST_CASE("bundle v3: segment sections round-trip; v2 reads without them; mismatches are clear", "[bundle][segments]") {
  model m = trained_with_segments();
  const std::string bytes = bundle_bytes(m);
  std::vector<uint64_t> buf;
  {
    auto v = open_copy(bytes, buf);
    REQUIRE(v.ok());
    CHECK(v->format_version() == bundle_format_version);
    REQUIRE(v->segment_count() == 3);
    CHECK(v->segment_id(1) == "loyal");
    CHECK(v->find_segment("loyal") == 1);
    CHECK(v->find_segment("missing") == -1);
    const auto l = v->segment_trending(1);
    REQUIRE(l.count == 3);
    CHECK(v->item_id(l.items[0]) == "b");
    CHECK(l.weights[0] == Approx(7.5));
    CHECK(v->segment_trending(2).count == 0);
    CHECK(v->segment_trending(3).count == 0);  // out of range
  }
  // Section table entries: {u32 id, u32 0, u64 offset, u64 size} from byte 64.
  uint32_t count = 0;
  std::memcpy(&count, bytes.data() + 12, 4);
  auto entry_id = [](const std::string& b, uint32_t s) {
    uint32_t id = 0;
    std::memcpy(&id, b.data() + 64 + s * 24, 4);
    return id;
  };
  {  // A version 2 bundle (no segment or later sections) still opens, with no segments.
    std::string b = bytes;
    uint32_t w = 0;
    for (uint32_t s = 0; s < count; ++s) {
      if (entry_id(bytes, s) >= 21) continue;
      std::memmove(b.data() + 64 + w * 24, bytes.data() + 64 + s * 24, 24);
      ++w;
    }
    std::memset(b.data() + 64 + w * 24, 0, (count - w) * 24);
    CHECK(count - w == 5);  // 21..24 and the repurchase gaps (25, version 4)
    std::memcpy(b.data() + 12, &w, 4);
    b[8] = 2;
    rehash(b);
    auto v = open_copy(b, buf);
    REQUIRE(v.ok());
    CHECK(v->format_version() == 2);
    CHECK(v->segment_count() == 0);
    CHECK(v->find_segment("loyal") == -1);
  }
  {  // The v3 bytes labelled version 2 carry sections version 2 does not know.
    std::string b = bytes;
    b[8] = 2;
    rehash(b);
    auto v = open_copy(b, buf);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("unknown section id 21 in format version 2") != std::string::npos);
  }
  {  // A newer bundle names both versions.
    std::string b = bytes;
    b[8] = 5;
    rehash(b);
    auto v = open_copy(b, buf);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().where == "header.format_version");
    CHECK(v.error().message.find("format version 5 is newer than this core (this core reads 1..4)") !=
          std::string::npos);
  }
  auto section = [&](uint32_t id) -> std::pair<uint64_t, uint64_t> {
    for (uint32_t s = 0; s < count; ++s) {
      if (entry_id(bytes, s) != id) continue;
      uint64_t off = 0, len = 0;
      std::memcpy(&off, bytes.data() + 64 + s * 24 + 8, 8);
      std::memcpy(&len, bytes.data() + 64 + s * 24 + 16, 8);
      return {off, len};
    }
    FAIL("no section " << id);
    return {0, 0};
  };
  {  // A segment item out of range.
    std::string b = bytes;
    const uint32_t big = 1000;
    std::memcpy(b.data() + section(23).first, &big, 4);
    rehash(b);
    auto v = open_copy(b, buf);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("segment item out of range") != std::string::npos);
    CHECK(v.error().where == "section 23[0]");
  }
  {  // A non-positive weight.
    std::string b = bytes;
    const float zero = 0.0f;
    std::memcpy(b.data() + section(24).first, &zero, 4);
    rehash(b);
    CHECK(open_copy(b, buf).error().message.find("not positive") != std::string::npos);
  }
  {  // Offsets running past the items section.
    std::string b = bytes;
    const uint32_t big = 50;
    std::memcpy(b.data() + section(22).first + 4, &big, 4);
    rehash(b);
    CHECK_FALSE(open_copy(b, buf).ok());
  }
  // The writer checks what it is given.
  model bad = m;
  std::swap(bad.segments[0], bad.segments[1]);
  CHECK_FALSE(write_bundle(bad, {}, default_recommend_config()).ok());
  std::vector<bundle_item> items;
  for (const auto& id : m.items) items.push_back(bundle_item{id, id, "", 100, true});
  bad = m;
  bad.segment_trending.items[0] = 99;
  auto w = write_bundle(bad, items, default_recommend_config());
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().where == "segment_trending[0]");
  bad = m;
  bad.segments.pop_back();
  CHECK_FALSE(write_bundle(bad, items, default_recommend_config()).ok());
  bad = m;
  bad.segments.clear();
  bad.segment_trending = {};
  auto none = write_bundle(bad, items, default_recommend_config());
  REQUIRE(none.ok());
  auto v = open_copy(none.value(), buf);
  REQUIRE(v.ok());
  CHECK(v->segment_count() == 0);
}

TEST_CASE("recommend: segment_trending source, reasons, cold start, bad input", "[recommend][segments]") {
  model m = trained_with_segments();
  const std::string config =
      R"({"slots":{"seg":{"size":5,"anchor":"profile","sources":{"segment_trending":1}},)"
      R"("home":{"size":5,"anchor":"profile","sources":{"repeat":1,"ease":0.25,"trending":0.025}}}})";
  served s(m, config);
  // One segment: its list, max-normalised, each reason naming the segment.
  auto d = s.run({{"slot", "seg"}, {"now", 28 * day}, {"segments", {"loyal"}}});
  CHECK(d["fallback"].is_null());
  REQUIRE(d["items"].size() == 3);
  const std::vector<std::pair<std::string, double>> want{{"b", 1.0}, {"a", 0.5}, {"c", 1.25 / 7.5}};
  for (std::size_t k = 0; k < want.size(); ++k) {
    CHECK(d["items"][k]["id"] == want[k].first);
    CHECK(d["items"][k]["score"].get<double>() == Approx(want[k].second).margin(1e-6));
    REQUIRE(d["items"][k]["reasons"].size() == 1);
    CHECK(d["items"][k]["reasons"][0] == json({{"source", "segment_trending"}, {"because", "loyal"}, {"share", 1.0}}));
  }
  // Two segments: equal shares; the reason names the segment that contributed most.
  auto two = s.run({{"slot", "seg"}, {"now", 28 * day}, {"segments", {"loyal", "buyers"}}});
  std::map<std::string, json> by_id;
  for (const auto& it : two["items"]) by_id[it["id"].get<std::string>()] = it;
  REQUIRE(by_id.size() == 3);
  CHECK(by_id["b"]["score"].get<double>() == Approx(1.0));
  CHECK(by_id["c"]["score"].get<double>() == Approx(0.5 * 1.25 / 7.5 + 0.5 * 6.25 / 7.5).margin(1e-6));
  CHECK(by_id["a"]["score"].get<double>() == Approx(0.5).margin(1e-6));
  CHECK(by_id["c"]["reasons"][0]["because"] == "buyers");
  CHECK(by_id["a"]["reasons"][0]["because"] == "buyers");  // tie 0.25 / 0.25: the first segment by id
  // An unknown segment is ignored with a warning; no known segment: the cold-start decision.
  auto unknown = s.run({{"slot", "seg"}, {"now", 28 * day}, {"segments", {"gone"}}});
  CHECK(unknown["fallback"] == "cold_start");
  REQUIRE(unknown["warnings"].size() == 1);
  CHECK(unknown["warnings"][0] == "segments: no trending list for segment \"gone\", ignored");
  // Cold start in a slot without the source: the shopper's segments still lead.
  auto cold = s.run({{"slot", "home"}, {"now", 28 * day}, {"segments", {"nobody", "loyal"}}});
  CHECK(cold["fallback"] == "cold_start");
  REQUIRE(!cold["items"].empty());
  CHECK(cold["items"][0]["id"] == "b");
  bool named = false;
  for (const auto& r : cold["items"][0]["reasons"]) named |= r["source"] == "segment_trending" && r["because"] == "loyal";
  CHECK(named);
  // Without segments the home decision does not change.
  auto plain = s.run({{"slot", "home"}, {"now", 28 * day}});
  for (const auto& it : plain["items"]) {
    for (const auto& r : it["reasons"]) CHECK(r["source"] != "segment_trending");
  }
  // Bad input.
  auto err = [&](const json& req) {
    auto r = s.r.recommend(req.dump());
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  auto e1 = err({{"slot", "seg"}, {"now", 1}, {"segments", "loyal"}});
  CHECK(e1.code == errc::invalid_field);
  CHECK(e1.where == "segments");
  auto e2 = err({{"slot", "seg"}, {"now", 1}, {"segments", {"loyal", 3}}});
  CHECK(e2.where == "segments[1]");
  CHECK(err({{"slot", "seg"}, {"now", 1}, {"segments", {""}}}).where == "segments[0]");
  json many = json::array();
  for (std::size_t i = 0; i <= limits::max_segments; ++i) many.push_back("s" + std::to_string(i));
  CHECK(err({{"slot", "seg"}, {"now", 1}, {"segments", many}}).code == errc::limit_exceeded);
}
