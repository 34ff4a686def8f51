#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "tailor/train.hpp"
#include "train/linalg.hpp"

using namespace tailor;

namespace {

const char* header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

event purchase(std::string id, std::string uid, int64_t ts, std::vector<std::string> items) {
  event ev;
  ev.id = std::move(id);
  ev.type = event_type::purchase;
  ev.uid = std::move(uid);
  ev.ts_ms = ts;
  ev.currency = "GBP";
  for (auto& i : items) ev.lines.push_back(line_item{i, 1, 100});
  return ev;
}

event view(std::string id, std::string uid, int64_t ts, std::string item) {
  event ev;
  ev.id = std::move(id);
  ev.type = event_type::view;
  ev.uid = std::move(uid);
  ev.ts_ms = ts;
  ev.item_id = std::move(item);
  return ev;
}

}  // namespace

TEST_CASE("train: UTC dates parse exactly and reject nonsense", "[train]") {
  CHECK(parse_utc_datetime("1970-01-01").value() == 0);
  CHECK(parse_utc_datetime("2011-11-01").value() == 1320105600000);
  CHECK(parse_utc_datetime("2010-12-01 08:26").value() == 1291191960000);
  CHECK(parse_utc_datetime("2012-02-29 00:00").ok());
  CHECK_FALSE(parse_utc_datetime("2011-02-29").ok());
  CHECK_FALSE(parse_utc_datetime("2011-13-01").ok());
  CHECK_FALSE(parse_utc_datetime("2011-11-01 24:00").ok());
  CHECK_FALSE(parse_utc_datetime("11/01/2011").ok());
  CHECK(parse_utc_datetime("").error().code == errc::invalid_field);
}

TEST_CASE("train: the Online Retail importer applies the protocol filter and split", "[train]") {
  std::string csv = header;
  csv +=
      "536365,85123A,\"WHITE HANGING HEART, T-LIGHT\",6,2011-10-01 08:26,2.55,17850,United Kingdom\n"
      "536365,71053,WHITE METAL LANTERN,6,2011-10-01 08:26,3.39,17850,United Kingdom\n"
      "536366,22633,HAND WARMER,6,2011-10-02 08:28,1.85,17850.0,United Kingdom\n"
      "C536379,22633,Discount,-1,2011-10-03 09:41,27.50,14527,United Kingdom\n"   // cancellation
      "536380,POST,POSTAGE,1,2011-10-03 09:41,18.00,12583,France\n"              // not 5 digits
      "536381,22633,HAND WARMER,0,2011-10-03 09:41,1.85,12583,France\n"           // quantity 0
      "536382,22633,HAND WARMER,1,2011-10-03 09:41,0.00,12583,France\n"           // price 0
      "536383,22633,HAND WARMER,1,2011-10-03 09:41,1.85,,France\n"                // no customer
      "536384,22633,HAND WARMER,2,2011-10-04 10:00,1.855,12583,France\n"          // kept, rounded
      "536400,85123A,\"WHITE HANGING HEART, T-LIGHT\",1,2011-11-02 10:00,2.55,17850,United Kingdom\n"
      "536400,99999,NEW THING,1,2011-11-02 10:00,2.55,17850,United Kingdom\n"     // unknown in train
      "536401,71053,WHITE METAL LANTERN,1,2011-11-03 10:00,3.39,99999,United Kingdom\n"  // no train
      "536402,22633,HAND WARMER,1,2011-11-05 10:00,1.85,12583,France\n";
  auto r = import_online_retail(csv);
  REQUIRE(r.ok());
  CHECK(r->rows == 13);
  CHECK(r->kept_lines == 8);
  CHECK(r->train_lines == 4);
  CHECK(r->test_lines == 4);
  CHECK(r->train_items == 3);
  CHECK(r->prices_rounded == 1);
  REQUIRE(r->train.size() == 3);
  CHECK(r->train[0].id == "or-536365");
  CHECK(r->train[0].uid == "17850");
  CHECK(r->train[0].lines.size() == 2);
  CHECK(r->train[0].lines[0].price_minor == 255);
  CHECK(r->train[1].uid == "17850");
  CHECK(r->train[2].lines[0].price_minor == 186);
  REQUIRE(r->test.size() == 2);
  CHECK(r->test[0].uid == "12583");
  CHECK(r->test[0].items == std::vector<std::string>{"22633"});
  CHECK(r->test[1].uid == "17850");
  CHECK(r->test[1].items == std::vector<std::string>{"85123A"});
  // The round trip through the event codec is lossless.
  auto back = decode_event(encode_event(r->train[0]));
  REQUIRE(back.ok());
  CHECK(back->lines[1].item_id == "71053");
}

TEST_CASE("train: importer chunks long invoices and reports bad CSV with line:column", "[train]") {
  std::string csv = header;
  for (int i = 0; i < 5; ++i) {
    csv += "536365,1000" + std::to_string(i) + ",X,1,2011-10-01 08:26,1.00,17850,UK\n";
  }
  online_retail_options o;
  o.max_lines_per_event = 2;
  auto r = import_online_retail(csv, o);
  REQUIRE(r.ok());
  REQUIRE(r->train.size() == 3);
  CHECK(r->train[1].id == "or-536365-1");
  CHECK(r->train[2].lines.size() == 1);

  auto bad_header = import_online_retail("a,b\n1,2\n");
  CHECK(bad_header.error().code == errc::invalid_csv);
  CHECK(bad_header.error().where == "1:1");
  auto bad_qty = import_online_retail(std::string(header) + "1,10000,X,six,2011-10-01 08:26,1,1,UK\n");
  CHECK(bad_qty.error().code == errc::invalid_csv);
  CHECK(bad_qty.error().where == "2:4");
  auto bad_cols = import_online_retail(std::string(header) + "1,10000,X\n");
  CHECK(bad_cols.error().where == "2:1");
  auto open_quote = import_online_retail(std::string(header) + "1,10000,\"X,1,2011-10-01 08:26,1,1,UK\n");
  CHECK(open_quote.error().code == errc::invalid_csv);
  CHECK(import_online_retail("").error().code == errc::invalid_csv);
  // Field length limit at N and N+1.
  auto with_desc = [](std::size_t n) {
    return std::string(header) + "1,10000," + std::string(n, 'd') + ",1,2011-10-01 08:26,1,1,UK\n";
  };
  CHECK(import_online_retail(with_desc(limits::max_csv_field_bytes)).ok());
  CHECK(import_online_retail(with_desc(limits::max_csv_field_bytes + 1)).error().code ==
        errc::limit_exceeded);
  o.max_lines_per_event = limits::max_items_per_event + 1;
  CHECK(import_online_retail(csv, o).error().code == errc::invalid_config);
}

TEST_CASE("train: the log interns ids, orders rows per user and cuts sessions", "[train]") {
  std::vector<event> evs{view("v1", "u2", 1000, "b"), view("v2", "u1", 5000, "a"),
                         view("v2", "u1", 5000, "a"),  // duplicate id: counted once
                         purchase("p1", "u1", 2000, {"b", "c"}),
                         view("v3", "u1", 5000 + 31 * 60 * 1000, "c")};
  auto log = build_log(evs);
  REQUIRE(log.ok());
  CHECK(log->users == std::vector<std::string>{"u1", "u2"});
  CHECK(log->items == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(log->rows.size() == 5);
  CHECK(log->user_offsets == std::vector<uint32_t>{0, 4, 5});
  CHECK(log->rows[0].ts_ms == 2000);  // u1's purchase lines first (earlier)
  CHECK(log->rows[0].item == 1);
  CHECK(log->rows[2].item == 0);
  CHECK(log->rows[0].session == log->rows[2].session);
  CHECK(log->rows[3].session == log->rows[2].session + 1);  // 31-minute gap
  CHECK(log->rows[4].session == log->rows[3].session + 1);  // another user
  CHECK(log->sessions == 3);
  CHECK(log->find_item("c").value() == 2);
  CHECK_FALSE(log->find_item("zz").has_value());
  CHECK(log->max_ts_ms == 5000 + 31 * 60 * 1000);
  log_options bad;
  bad.session_gap_ms = 0;
  CHECK(build_log(evs, bad).error().code == errc::invalid_config);
  auto empty = build_log({});
  REQUIRE(empty.ok());
  CHECK(empty->items.empty());
  auto m = train(empty.value());
  REQUIRE(m.ok());
  CHECK(m->items.empty());
}

TEST_CASE("train: SPD inverse matches the identity", "[train]") {
  // A = G + lambda I for a random 0/1 matrix; check A * inv(A) = I.
  for (std::size_t n : {1u, 3u, 4u, 5u, 9u, 37u}) {
    uint64_t s = 12345 + n;
    auto next = [&] {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      return static_cast<uint32_t>(s >> 33);
    };
    const std::size_t users = 3 * n;
    std::vector<float> x(users * n);
    for (auto& v : x) v = (next() % 3 == 0) ? 1.0f : 0.0f;
    std::vector<float> a(n * n, 0.0f);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        float acc = 0;
        for (std::size_t u = 0; u < users; ++u) acc += x[u * n + i] * x[u * n + j];
        a[i * n + j] = acc + (i == j ? 2.0f : 0.0f);
      }
    auto orig = a;
    std::vector<float> work;
    REQUIRE(train_detail::spd_inverse(a, n, work, {}));
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double acc = 0;
        for (std::size_t k = 0; k < n; ++k) acc += static_cast<double>(orig[i * n + k]) * a[k * n + j];
        worst = std::max(worst, std::fabs(acc - (i == j ? 1.0 : 0.0)));
      }
    INFO("n = " << n);
    CHECK(worst < 1e-4);
  }
  std::vector<float> not_pd{1, 2, 2, 1};
  std::vector<float> work;
  CHECK_FALSE(train_detail::spd_inverse(not_pd, 2, work, {}));
}

TEST_CASE("train: co-visitation, popularity and EASE on a small log", "[train]") {
  // a and b are bought together by three shoppers; c alone by one; d by everyone.
  std::vector<event> evs{purchase("1", "u1", 1, {"a", "b", "d"}), purchase("2", "u2", 2, {"a", "b", "d"}),
                         purchase("3", "u3", 3, {"a", "b", "d"}), purchase("4", "u4", 4, {"c", "d"})};
  auto log = build_log(evs);
  REQUIRE(log.ok());
  train_options o;
  o.binary = true;
  o.ease_lambda = 1.0;
  auto m = train(log.value(), o);
  REQUIRE(m.ok());
  CHECK(m->buyers == std::vector<float>{3, 3, 1, 4});
  // Neighbours of a: b (cosine 1), then d (3/sqrt(12)).
  const auto& cv = m->covisit;
  REQUIRE(cv.offsets.size() == 5);
  REQUIRE(cv.offsets[1] - cv.offsets[0] == 2);
  CHECK(cv.items[0] == 1);
  CHECK(cv.weights[0] == Approx(1.0));
  CHECK(cv.items[1] == 3);
  CHECK(cv.weights[1] == Approx(3.0 / std::sqrt(12.0)));
  // c's only neighbour is d.
  REQUIRE(cv.offsets[3] - cv.offsets[2] == 1);
  CHECK(cv.items[cv.offsets[2]] == 3);
  // EASE: zero diagonal, b is a's strongest positive weight.
  REQUIRE(m->ease_items.size() == 4);
  CHECK(m->ease_b[0] == 0.0f);
  CHECK(m->ease_b[1] > m->ease_b[2]);
  CHECK(m->ease_neighbours.items[m->ease_neighbours.offsets[0]] == 1);

  std::vector<double> s;
  score_options so;
  so.method = score_method::popular;
  score_items(m.value(), {}, 10, so, s);
  CHECK(s == std::vector<double>{3, 3, 1, 4});
  so.method = score_method::repeat;
  score_items(m.value(), {{2, event_type::purchase, 1, 4}}, 10, so, s);
  CHECK(s[2] > s[3]);  // own purchase beats the best-seller
  so.method = score_method::itemknn;
  score_items(m.value(), {{0, event_type::view, 1, 4}}, 10, so, s);
  CHECK(s[1] > s[3]);
  CHECK(s[2] == 0.0);
  so.method = score_method::blend;
  score_items(m.value(), {{0, event_type::view, 1, 4}}, 10, so, s);
  CHECK(s[0] > s[2]);

  train_options big;
  big.top_n = limits::max_neighbours;
  CHECK(train(log.value(), big).ok());
  big.top_n = limits::max_neighbours + 1;
  CHECK(train(log.value(), big).error().code == errc::limit_exceeded);
  train_options bad;
  bad.ease_lambda = -1;
  CHECK(train(log.value(), bad).error().code == errc::invalid_config);
}

TEST_CASE("train: every normalisation has a name that parses back", "[train]") {
  for (auto n : {normalisation::none, normalisation::cosine, normalisation::jaccard, normalisation::lift}) {
    CHECK(parse_normalisation(normalisation_name(n)).value() == n);
  }
  CHECK_FALSE(parse_normalisation("bm25").has_value());
  for (auto m : {score_method::popular, score_method::trending, score_method::repeat, score_method::itemknn,
                 score_method::ease, score_method::ease_sparse, score_method::blend}) {
    CHECK(parse_score_method(score_method_name(m)).value() == m);
  }
  CHECK_FALSE(parse_score_method("random").has_value());
}

TEST_CASE("train: the logistic ranker learns a signal and rejects NaN features", "[train]") {
  // Label = 1 when feature 0 > 0.5; feature 1 is noise.
  std::vector<float> x;
  std::vector<uint8_t> y;
  uint64_t s = 99;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(s >> 40) / static_cast<float>(1 << 24);
  };
  for (int r = 0; r < 2000; ++r) {
    std::vector<float> row(ranker_feature_count, 0.0f);
    row[0] = next();
    row[1] = next();
    y.push_back(row[0] > 0.5f ? 1 : 0);
    x.insert(x.end(), row.begin(), row.end());
  }
  auto m = train_ranker(x, y, 0.01);
  REQUIRE(m.ok());
  CHECK(m->weights[0] > 10.0f);
  CHECK(std::fabs(m->weights[1]) < m->weights[0] / 10);
  std::vector<float> hi(ranker_feature_count, 0.0f), lo(ranker_feature_count, 0.0f);
  hi[0] = 0.9f;
  lo[0] = 0.1f;
  CHECK(ranker_score(m.value(), hi.data()) > 0.9f);
  CHECK(ranker_score(m.value(), lo.data()) < 0.1f);
  // Deterministic.
  CHECK(train_ranker(x, y, 0.01)->weights == m->weights);
  x[5 * ranker_feature_count + 1] = std::numeric_limits<float>::quiet_NaN();
  auto bad = train_ranker(x, y, 0.01);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "rows[5]");
  CHECK(train_ranker({}, {}, 1).error().code == errc::invalid_config);
  CHECK(train_ranker({1.0f}, {1}, 1).error().code == errc::invalid_config);
  CHECK(ranker_feature_name(0) == "own_score");
  CHECK(ranker_feature_name(ranker_feature_count).empty());
}
