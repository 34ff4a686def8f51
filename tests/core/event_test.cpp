#include <catch2/catch.hpp>

#include <string>

#include "tailor/event.hpp"

using namespace tailor;

TEST_CASE("event: a view round-trips canonically", "[event]") {
  auto ev = decode_event(R"({"type":"view","id":"e1","ts":1700000000000,"uid":"u1","item_id":"A"})");
  REQUIRE(ev.ok());
  CHECK(ev->type == event_type::view);
  CHECK(ev->item_id == "A");
  CHECK(encode_event(*ev) ==
        R"({"id":"e1","item_id":"A","ts":1700000000000,"type":"view","uid":"u1"})");
}

TEST_CASE("event: purchase prices become minor units", "[event]") {
  auto ev = decode_event(R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"GBP",
    "items":[{"item_id":"A","quantity":2,"price":12.5},{"item_id":"B","price":0.29}]})");
  REQUIRE(ev.ok());
  REQUIRE(ev->lines.size() == 2);
  CHECK(ev->lines[0].price_minor == 1250);
  CHECK(ev->lines[0].quantity == 2);
  CHECK(ev->lines[1].price_minor == 29);
  CHECK(ev->lines[1].quantity == 1);
  auto jpy = decode_event(R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"JPY",
    "items":[{"item_id":"A","price":1299}]})");
  REQUIRE(jpy.ok());
  CHECK(jpy->lines[0].price_minor == 1299);
}

TEST_CASE("event: errors name the field and the reason", "[event]") {
  struct bad_case {
    const char* json;
    errc code;
    const char* where;
  };
  const bad_case cases[] = {
      {R"({"type":"view","id":"e","ts":1,"uid":"u"})", errc::missing_field, "item_id"},
      {R"({"type":"view","id":"e","ts":"1","uid":"u","item_id":"A"})", errc::invalid_field, "ts"},
      {R"({"type":"view","id":"e","ts":1.5,"uid":"u","item_id":"A"})", errc::invalid_field, "ts"},
      {R"({"type":"view","id":"e","ts":-1,"uid":"u","item_id":"A"})", errc::invalid_field, "ts"},
      {R"({"type":"view","id":"","ts":1,"uid":"u","item_id":"A"})", errc::invalid_field, "id"},
      {R"({"type":"view","id":"e","ts":1,"uid":"u","item_id":"A","x":1})", errc::unknown_field, "x"},
      {R"({"type":"teleport","id":"e","ts":1,"uid":"u"})", errc::unknown_event_type, "type"},
      {R"({"id":"e","ts":1,"uid":"u"})", errc::missing_field, "type"},
      {R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"GBP","items":[]})",
       errc::invalid_field, "items"},
      {R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"gbp","items":[{"item_id":"A","price":1}]})",
       errc::invalid_field, "currency"},
      {R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"GBP","items":[{"item_id":"A","price":-1}]})",
       errc::invalid_field, "items[0].price"},
      {R"({"type":"purchase","id":"p","ts":1,"uid":"u","currency":"GBP","items":[{"item_id":"A","price":1.234}]})",
       errc::invalid_field, "items[0].price"},
      {R"({"type":"add_to_cart","id":"e","ts":1,"uid":"u","item_id":"A","quantity":0})",
       errc::invalid_field, "quantity"},
      {R"({"type":"consent","id":"e","ts":1,"uid":"u","analytics":true,"personalization":1,"marketing":false})",
       errc::invalid_field, "personalization"},
      {R"({"type":"identify","id":"e","ts":1,"uid":"u","previous_uid":"u"})", errc::invalid_field,
       "previous_uid"},
      {R"([1,2)", errc::invalid_json, "byte 5"},
      {R"("view")", errc::invalid_field, ""},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto ev = decode_event(c.json);
    REQUIRE_FALSE(ev.ok());
    CHECK(ev.error().code == c.code);
    CHECK(ev.error().where == c.where);
    CHECK_FALSE(ev.error().message.empty());
  }
}

TEST_CASE("event: limits hold at N and fail at N+1", "[event][limits]") {
  auto with_id = [](std::size_t n) {
    return R"({"type":"view","id":")" + std::string(n, 'x') +
           R"(","ts":1,"uid":"u","item_id":"A"})";
  };
  CHECK(decode_event(with_id(limits::max_id_bytes)).ok());
  auto over = decode_event(with_id(limits::max_id_bytes + 1));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
  CHECK(over.error().where == "id");

  std::string deep(limits::max_json_depth + 1, '[');
  deep += std::string(limits::max_json_depth + 1, ']');
  auto nested = decode_event(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().code == errc::limit_exceeded);

  std::string huge = R"({"type":"search","id":"e","ts":1,"uid":"u","query":")" +
                     std::string(limits::max_event_bytes, 'q') + "\"}";
  auto big = decode_event(huge);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == errc::limit_exceeded);
}

TEST_CASE("event: batches keep the valid events and report the rest", "[event]") {
  auto b = decode_events(R"([
    {"type":"view","id":"a","ts":1,"uid":"u","item_id":"A"},
    {"type":"view","id":"b","ts":1,"uid":"u"},
    {"type":"search","id":"c","ts":2,"uid":"u","query":"mug"}])");
  REQUIRE(b.ok());
  REQUIRE(b->events.size() == 2);
  CHECK(b->events[1].query == "mug");
  REQUIRE(b->rejected.size() == 1);
  CHECK(b->rejected[0].where == "[1].item_id");

  std::string many = "[";
  for (std::size_t i = 0; i <= limits::max_events_per_batch; ++i) {
    many += (i ? "," : "") + std::string("1");
  }
  many += "]";
  auto over = decode_events(many);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
}

TEST_CASE("event: JSON Lines report the line number", "[event]") {
  auto b = decode_event_lines(
      "{\"type\":\"view\",\"id\":\"a\",\"ts\":1,\"uid\":\"u\",\"item_id\":\"A\"}\n\n{oops\n");
  REQUIRE(b.ok());
  CHECK(b->events.size() == 1);
  REQUIRE(b->rejected.size() == 1);
  CHECK(b->rejected[0].code == errc::invalid_json);
  CHECK(b->rejected[0].where.rfind("line 3", 0) == 0);
}

TEST_CASE("event: invalid UTF-8 is rejected, not passed through", "[event]") {
  std::string bad = "{\"type\":\"search\",\"id\":\"e\",\"ts\":1,\"uid\":\"u\",\"query\":\"\xC3\x28\"}";
  auto ev = decode_event(bad);
  REQUIRE_FALSE(ev.ok());
}

TEST_CASE("errc: every code has a unique name and message", "[common]") {
  for (int32_t i = 0; i < errc_count; ++i) {
    auto a = static_cast<errc>(i);
    CHECK_FALSE(errc_name(a).empty());
    CHECK_FALSE(errc_message(a).empty());
    for (int32_t k = 0; k < i; ++k) {
      auto b = static_cast<errc>(k);
      CHECK(errc_name(a) != errc_name(b));
      CHECK(errc_message(a) != errc_message(b));
    }
  }
}
