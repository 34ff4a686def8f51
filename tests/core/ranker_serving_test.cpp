// The repeat-purchase ranker features (12..18) served: recommender::prepare_ranking
// builds them with the offline builder's own function from the request's events,
// so they equal ranker_features (what `tailor eval` and `train-ranker` use) for the
// same history; the typical repurchase gap travels in bundle section 25 (v4).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tailor/bundle.hpp"
#include "tailor/recommend.hpp"
#include "tailor/repeat_features.hpp"
#include "tailor/train.hpp"

using namespace tailor;
using json = nlohmann::json;

namespace {

constexpr int64_t day = 86'400'000;
constexpr int64_t hour = 3'600'000;
const char* const repeat_names[] = {"orders", "days_since_order", "shopper_items", "item_days",
                                    "days_since_item", "due", "own_due"};

json order(const std::string& id, const std::string& uid, int64_t ts, std::vector<const char*> items) {
  json lines = json::array();
  for (const char* it : items) lines.push_back({{"item_id", it}, {"price", 1.0}});
  return {{"type", "purchase"}, {"id", id}, {"ts", ts}, {"uid", uid}, {"currency", "GBP"}, {"items", lines}};
}
json view(const std::string& id, const std::string& uid, int64_t ts, const char* item) {
  return {{"type", "view"}, {"id", id}, {"ts", ts}, {"uid", uid}, {"item_id", item}};
}

// s1 buys a on days 0, 10 and 20 and views c; s2 buys b on days 5 and 25 (with c
// in the second order) and views a; s3 buys d once; s4 only views e.
std::map<std::string, json> shoppers() {
  return {{"s1", json::array({order("1", "s1", 0 * day + hour, {"a"}), order("2", "s1", 10 * day + hour, {"a"}),
                              order("3", "s1", 20 * day + hour, {"a"}), view("4", "s1", 21 * day, "c")})},
          {"s2", json::array({order("5", "s2", 5 * day, {"b"}), view("6", "s2", 6 * day, "a"),
                              order("7", "s2", 25 * day, {"b", "c"})})},
          {"s3", json::array({order("8", "s3", 3 * day, {"d"})})},
          {"s4", json::array({view("9", "s4", 2 * day, "e")})}};
}

struct trained_bundle {
  model m;
  interaction_log log;
  std::vector<uint64_t> buf;
  std::size_t size = 0;

  trained_bundle() {
    std::string lines;
    for (const auto& [uid, evs] : shoppers()) {
      for (const auto& e : evs) lines += e.dump() + "\n";
    }
    auto batch = decode_event_lines(lines);
    REQUIRE(batch.ok());
    REQUIRE(batch->rejected.empty());
    log = build_log(batch->events).value();
    train_options o;
    o.ease_lambda = 1.0;
    o.embedding_dim = 0;
    m = train(log, o).value();
  }
  std::string bytes() const {
    std::vector<bundle_item> items;
    for (const auto& id : m.items) items.push_back(bundle_item{id, id, "", 100, true});
    return write_bundle(m, items, default_recommend_config()).value();
  }
  recommender open(const std::string& b) {
    size = b.size();
    buf.assign(size / 8 + 1, 0);
    std::memcpy(buf.data(), b.data(), size);
    auto r = recommender::open(std::string_view(reinterpret_cast<const char*>(buf.data()), size));
    REQUIRE(r.ok());
    return std::move(r.value());
  }
  // The shopper's history as `tailor eval` loads it (the log's rows of the user).
  std::vector<history_entry> history(const std::string& uid) const {
    std::vector<history_entry> h;
    const auto u = log.find_user(uid);
    REQUIRE(u.has_value());
    for (uint32_t r = log.user_offsets[*u]; r < log.user_offsets[*u + 1]; ++r) {
      const auto& row = log.rows[r];
      h.push_back({row.item, row.type, row.quantity, row.ts_ms});
    }
    return h;
  }
};

ranker_spec repeat_spec() {
  json f = json::array();
  for (const char* n : repeat_names) f.push_back(n);
  auto spec = parse_ranker_spec(json{{"features", f}, {"candidates", 1000}}.dump());
  REQUIRE(spec.ok());
  return spec.value();
}

void rehash(std::string& b) {
  std::memset(b.data() + 24, 0, 8);
  const uint64_t h = bundle_hash_v1(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  std::memcpy(b.data() + 24, &h, 8);
}

// The bytes without section 25 (table entries moved up, the count lowered).
std::string without_gap_section(const std::string& bytes) {
  std::string b = bytes;
  uint32_t count = 0, w = 0;
  std::memcpy(&count, bytes.data() + 12, 4);
  for (uint32_t s = 0; s < count; ++s) {
    uint32_t id = 0;
    std::memcpy(&id, bytes.data() + 64 + s * 24, 4);
    if (id == static_cast<uint32_t>(section_id::repeat_gap_days)) continue;
    std::memmove(b.data() + 64 + w * 24, bytes.data() + 64 + s * 24, 24);
    ++w;
  }
  REQUIRE(w == count - 1);
  std::memset(b.data() + 64 + w * 24, 0, 24);
  std::memcpy(b.data() + 12, &w, 4);
  rehash(b);
  return b;
}

}  // namespace

TEST_CASE("ranker serving: repeat-purchase features equal the offline builder's for the same history", "[recommend][ranker]") {
  trained_bundle t;
  const std::string bytes = t.bytes();
  recommender r = t.open(bytes);
  const int64_t now = 25 * day + 12 * hour;
  const ranker_spec spec = repeat_spec();
  std::size_t compared = 0;
  for (const auto& [uid, evs] : shoppers()) {
    auto job = r.prepare_ranking(json{{"slot", "home"}, {"now", now}, {"events", evs}, {"size", 10}}.dump(), spec);
    REQUIRE(job.ok());
    REQUIRE(job->cols() == 7);
    REQUIRE(job->rows() > 0);
    const auto hist = t.history(uid);
    for (uint32_t row = 0; row < job->rows(); ++row) {
      const std::string& id = job->row_ids()[row];
      const auto item = static_cast<uint32_t>(std::lower_bound(t.m.items.begin(), t.m.items.end(), id) - t.m.items.begin());
      std::vector<float> offline;
      ranker_features(t.m, hist, now, score_options{}, {item}, offline);
      for (uint32_t k = 0; k < 7; ++k) {
        INFO(uid << " " << id << " " << repeat_names[k]);
        CHECK(job->features()[row * 7 + k] == offline[repeat_feature_first + k]);
        ++compared;
      }
    }
  }
  CHECK(compared >= 4 * 7);
}

TEST_CASE("ranker serving: the repeat-purchase features carry the offline names, in order", "[recommend][ranker]") {
  const auto& serving = ranker_feature_names();
  const auto first = std::find(serving.begin(), serving.end(), "orders");
  REQUIRE(serving.end() - first == static_cast<std::ptrdiff_t>(repeat_feature_count));
  for (uint32_t k = 0; k < repeat_feature_count; ++k) CHECK(first[k] == ranker_feature_name(repeat_feature_first + k));
}

TEST_CASE("ranker serving: hand-checked repeat-purchase features of one shopper", "[recommend][ranker]") {
  trained_bundle t;
  const std::string bytes = t.bytes();
  recommender r = t.open(bytes);
  const int64_t now = 25 * day + 12 * hour;
  auto job = r.prepare_ranking(json{{"slot", "home"}, {"now", now}, {"events", shoppers()["s1"]}, {"size", 10}}.dump(),
                               repeat_spec());
  REQUIRE(job.ok());
  std::map<std::string, const float*> rows;
  for (uint32_t row = 0; row < job->rows(); ++row) rows[job->row_ids()[row]] = job->features().data() + row * 7;
  REQUIRE(rows.count("a"));
  REQUIRE(rows.count("c"));
  // Gaps over all shoppers: a 10 and 10 (s1), b 20 (s2); the global mean log gap g.
  const double g = std::log(2000.0) / 3;
  const double gap_a = std::exp((2 * std::log(10.0) + 5 * g) / 7);
  const float* a = rows["a"];
  CHECK(a[0] == Approx(std::log(4.0)));                        // 3 orders
  CHECK(a[1] == Approx(std::log(1.0 + 5.5 - 1.0 / 24)));       // newest order 5 days 11 hours ago
  CHECK(a[2] == Approx(std::log(3.0)));                        // a and c
  CHECK(a[3] == Approx(std::log(4.0)));                        // bought on 3 days
  CHECK(a[4] == Approx(std::log(6.0)));                        // last bought on day 20, today is day 25
  CHECK(a[5] == Approx(std::log(6.0 / (gap_a + 1.0))));        // due against the trained gap
  CHECK(a[6] == Approx(std::log(6.0 / 11.0)));                 // own gap (20 - 0) / 2 = 10 days
  const float* c = rows["c"];                                  // viewed, never bought
  CHECK(c[3] == 0.0f);
  CHECK(c[4] == Approx(std::log(401.0)));
  CHECK(c[5] == 0.0f);
  CHECK(c[6] == 0.0f);
  CHECK(t.m.repeat_gap_days[std::lower_bound(t.m.items.begin(), t.m.items.end(), "a") - t.m.items.begin()] ==
        Approx(gap_a));
}

TEST_CASE("bundle v4: the repurchase gap section is optional; due without it is a clear error", "[recommend][ranker][bundle]") {
  trained_bundle t;
  const std::string bytes = t.bytes();
  const json req{{"slot", "home"}, {"now", 25 * day}, {"events", shoppers()["s1"]}, {"size", 10}};
  {
    recommender r = t.open(bytes);
    auto job = r.prepare_ranking(req.dump(), repeat_spec());
    REQUIRE(job.ok());
  }
  {  // Written without gaps: the rest of the repeat features serve, `due` is refused naming it.
    model m = t.m;
    m.repeat_gap_days.clear();
    std::vector<bundle_item> items;
    for (const auto& id : m.items) items.push_back(bundle_item{id, id, "", 100, true});
    recommender r = t.open(write_bundle(m, items, default_recommend_config()).value());
    auto job = r.prepare_ranking(req.dump(), repeat_spec());
    REQUIRE_FALSE(job.ok());
    CHECK(job.error().code == errc::invalid_config);
    CHECK(job.error().where == "features[5]");
    CHECK(job.error().message.find("feature \"due\" needs the items' typical repurchase gaps") != std::string::npos);
    auto spec = parse_ranker_spec(R"({"features":["orders","own_due","item_days"]})");
    REQUIRE(spec.ok());
    CHECK(r.prepare_ranking(req.dump(), spec.value()).ok());
  }
  {  // A version 3 bundle (no section 25) still opens; `due` names its version.
    std::string b = without_gap_section(bytes);
    b[8] = 3;
    rehash(b);
    recommender r = t.open(b);
    auto job = r.prepare_ranking(req.dump(), repeat_spec());
    REQUIRE_FALSE(job.ok());
    CHECK(job.error().message.find("this bundle (format version 3)") != std::string::npos);
  }
  std::vector<uint64_t> buf(bytes.size() / 8 + 1);
  auto open_copy = [&](const std::string& b) {
    std::memcpy(buf.data(), b.data(), b.size());
    return open_bundle(std::string_view(reinterpret_cast<const char*>(buf.data()), b.size()));
  };
  {
    auto v = open_copy(bytes);
    REQUIRE(v.ok());
    CHECK(v->format_version() == 4);
    REQUIRE(v->repeat_gap_days() != nullptr);
    CHECK(v->repeat_gap_days()[0] == t.m.repeat_gap_days[0]);
  }
  {  // Section 25 in a bundle labelled version 3 is unknown there.
    std::string b = bytes;
    b[8] = 3;
    rehash(b);
    auto v = open_copy(b);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("unknown section id 25 in format version 3") != std::string::npos);
  }
  {  // A gap that is not > 0 is refused, naming the item.
    std::string b = bytes;
    uint32_t count = 0;
    std::memcpy(&count, b.data() + 12, 4);
    for (uint32_t s = 0; s < count; ++s) {
      uint32_t id = 0;
      uint64_t off = 0;
      std::memcpy(&id, b.data() + 64 + s * 24, 4);
      std::memcpy(&off, b.data() + 64 + s * 24 + 8, 8);
      if (id == 25) std::memset(b.data() + off + 4, 0, 4);  // item 1's gap: 0.0f
    }
    rehash(b);
    auto v = open_copy(b);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().where == "section 25[1]");
  }
}
