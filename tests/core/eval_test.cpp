#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <cmath>
#include <string>

#include "tailor/eval.hpp"

using namespace tailor;

TEST_CASE("eval: metrics of one ranked list", "[eval]") {
  // Truth {1, 5}; ranked 5 at position 2 and 1 at position 4.
  auto m = rank_metrics({9, 5, 8, 1, 7}, {1, 5}, 3);
  CHECK(m.recall == Approx(0.5));
  CHECK(m.precision == Approx(1.0 / 3));
  CHECK(m.hit_rate == 1.0);
  CHECK(m.mrr == Approx(0.5));
  const double idcg = 1.0 + 1.0 / std::log2(3.0);
  CHECK(m.ndcg == Approx((1.0 / std::log2(3.0)) / idcg).epsilon(1e-12));
  auto m5 = rank_metrics({9, 5, 8, 1, 7}, {1, 5}, 5);
  CHECK(m5.recall == Approx(1.0));
  CHECK(m5.ndcg == Approx((1.0 / std::log2(3.0) + 1.0 / std::log2(5.0)) / idcg).epsilon(1e-12));
  auto miss = rank_metrics({2, 3}, {1}, 2);
  CHECK(miss.recall == 0.0);
  CHECK(miss.hit_rate == 0.0);
  CHECK(miss.mrr == 0.0);
  auto perfect = rank_metrics({1, 2}, {2, 1}, 2);
  CHECK(perfect.ndcg == Approx(1.0));
}

TEST_CASE("eval: test-case formats parse, round-trip and reject bad lines", "[eval]") {
  auto p = parse_purchase_cases("# comment\nu1\ta b  c\n\nu2\td\r\n");
  REQUIRE(p.ok());
  REQUIRE(p->size() == 2);
  CHECK((*p)[0].items == std::vector<std::string>{"a", "b", "c"});
  CHECK((*p)[1].items == std::vector<std::string>{"d"});
  CHECK(format_purchase_cases(p.value()) == "u1\ta b c\nu2\td\n");
  CHECK(parse_purchase_cases("u1 a b\n").error().where == "line 1");
  CHECK(parse_purchase_cases("u1\ta\nu2\t\n").error().where == "line 2");
  CHECK(parse_purchase_cases("\ta\n").error().code == errc::invalid_field);
  CHECK(parse_purchase_cases("u\t" + std::string(limits::max_id_bytes + 1, 'x')).error().code ==
        errc::limit_exceeded);
  CHECK(parse_purchase_cases("u\t" + std::string(limits::max_id_bytes, 'x')).ok());

  auto s = parse_session_cases("a b a\tc\nx\ty\n");
  REQUIRE(s.ok());
  REQUIRE(s->size() == 2);
  CHECK((*s)[0].prefix == std::vector<std::string>{"a", "b", "a"});
  CHECK((*s)[0].target == "c");
  CHECK(format_session_cases(s.value()) == "a b a\tc\nx\ty\n");
  CHECK(parse_session_cases("a b\n").error().code == errc::invalid_field);
  CHECK(parse_session_cases("a\tb c\n").error().where == "line 1");
  CHECK(parse_session_cases("\tb\n").error().code == errc::invalid_field);
}

using test::purchase;

TEST_CASE("eval: purchases protocol, variants, skips and determinism", "[eval]") {
  std::vector<event> evs{purchase("1", "u1", 1, {"a", "b"}), purchase("2", "u2", 2, {"a", "b", "c"}),
                         purchase("3", "u3", 3, {"c", "d"}), purchase("4", "u4", 4, {"d"})};
  auto log = build_log(evs);
  REQUIRE(log.ok());
  auto m = train(log.value());
  REQUIRE(m.ok());
  std::vector<shopper_truth> cases{{"u1", {"a", "c"}}, {"u4", {"d"}}, {"nobody", {"a"}}, {"u3", {"zz"}}};
  eval_options o;
  o.ks = {1, 2};
  o.scoring.method = score_method::repeat;
  auto all = evaluate_purchases(m.value(), log.value(), cases, o);
  REQUIRE(all.ok());
  CHECK(all->cases == 2);
  CHECK(all->skipped_unknown_user == 1);
  CHECK(all->skipped_no_truth == 1);
  CHECK(all->candidates == 4);
  // u1: repeat ranks a, b (own, a first by index tie) -> recall@1 = 1/2; u4: d first -> 1.
  CHECK(all->at[0].recall == Approx((0.5 + 1.0) / 2));
  CHECK(all->at[0].hit_rate == Approx(1.0));
  o.exclude_history = true;
  auto fresh = evaluate_purchases(m.value(), log.value(), cases, o);
  REQUIRE(fresh.ok());
  CHECK(fresh->variant == "new");
  CHECK(fresh->cases == 1);  // u4's only truth item is their own: skipped
  CHECK(fresh->skipped_no_truth == 2);
  // The same run twice gives the same bytes.
  CHECK(fresh->to_json() == evaluate_purchases(m.value(), log.value(), cases, o)->to_json());
  // A seeded sample is deterministic and of the requested size.
  o.exclude_history = false;
  o.sample = 2;
  auto s1 = evaluate_purchases(m.value(), log.value(), cases, o);
  auto s2 = evaluate_purchases(m.value(), log.value(), cases, o);
  REQUIRE(s1.ok());
  CHECK(s1->to_json() == s2->to_json());
  CHECK(s1->cases + s1->skipped_no_truth + s1->skipped_unknown_user == 2);

  eval_options bad;
  bad.ks = {limits::max_eval_k + 1};
  CHECK(evaluate_purchases(m.value(), log.value(), cases, bad).error().code == errc::limit_exceeded);
  bad.ks = {};
  CHECK(evaluate_purchases(m.value(), log.value(), cases, bad).error().code == errc::invalid_config);
  auto other = build_log({purchase("9", "u9", 1, {"q"})});
  CHECK(evaluate_purchases(m.value(), other.value(), cases, o).error().code == errc::invalid_config);
}

TEST_CASE("eval: session next-item protocol", "[eval]") {
  std::vector<event> evs{purchase("1", "u1", 1, {"a", "b"}), purchase("2", "u2", 2, {"a", "b"}),
                         purchase("3", "u3", 3, {"c", "d"})};
  auto log = build_log(evs);
  auto m = train(log.value());
  REQUIRE(m.ok());
  std::vector<session_case> cases{{{"a"}, "b"}, {{"c", "zz"}, "d"}, {{"a"}, "unknown"}};
  eval_options o;
  o.ks = {1};
  o.scoring.method = score_method::itemknn;
  auto r = evaluate_sessions(m.value(), cases, o);
  REQUIRE(r.ok());
  CHECK(r->cases == 2);
  CHECK(r->skipped_no_truth == 1);
  CHECK(r->at[0].recall == Approx(1.0));
  CHECK(r->at[0].mrr == Approx(1.0));
}
