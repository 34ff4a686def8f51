// The DOM-free events reader against the DOM decoder it stands in for: on
// hundreds of valid and mutated events it must either decode exactly what
// decode_event_value decodes, or decline (and never accept what the DOM rejects).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "event/event_reader.hpp"
#include "tailor/recommend.hpp"

using namespace tailor;
using nlohmann::json;

namespace {

// Everything a decoded event holds (encode_event leaves out fields its type ignores).
std::string fingerprint(const event& e) {
  std::string s = encode_event(e);
  s += "|q=" + std::to_string(e.quantity) + "|slot=" + e.slot + "|n=" + std::to_string(e.lines.size()) + "/" +
       std::to_string(e.item_ids.size());
  return s;
}

struct outcome {
  bool dom_ok = false;
  bool fast = false;
  bool same = false;
};

outcome compare(const std::string& event_text) {
  outcome o;
  std::string dom_print;
  if (auto j = detail::parse_json(event_text); j) {
    auto e = detail::decode_event_value(j.value(), "events[0]");
    o.dom_ok = e.ok();
    if (e) dom_print = fingerprint(e.value());
  }
  auto split = detail::split_events("{\"events\":[" + event_text + "]}", limits::max_request_events);
  o.fast = split.has_value();
  if (split) o.same = split->events.size() == 1 && fingerprint(split->events[0]) == dom_print;
  return o;
}

std::vector<json> valid_events() {
  const json common{{"id", "e1"}, {"ts", 1700000000000}, {"uid", "s"}};
  auto with = [&](json extra) {
    json j = common;
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    return j;
  };
  return {
      with({{"type", "view"}, {"item_id", "I000001"}}),
      with({{"type", "view"}, {"item_id", "caf\xc3\xa9 \xe2\x82\xac"}}),
      with({{"type", "click"}, {"item_id", "a"}, {"slot", "home"}}),
      with({{"type", "click"}, {"item_id", "a"}, {"slot", ""}}),
      with({{"type", "add_to_cart"}, {"item_id", "a"}, {"quantity", 3}}),
      with({{"type", "add_to_cart"}, {"item_id", "a"}}),
      with({{"type", "remove_from_cart"}, {"item_id", "a"}, {"quantity", 100000}}),
      with({{"type", "purchase"}, {"currency", "GBP"}, {"order_id", "o1"},
            {"items", {{{"item_id", "a"}, {"price", 2.5}, {"quantity", 2}}, {{"item_id", "b"}, {"price", 3}}}}}),
      with({{"type", "purchase"}, {"currency", "JPY"}, {"items", {{{"item_id", "a"}, {"price", 1200}}}}}),
      with({{"type", "purchase"}, {"currency", "KWD"}, {"items", {{{"item_id", "a"}, {"price", 0.125}}}}}),
      with({{"type", "search"}, {"query", "red shoes"}}),
      with({{"type", "impression"}, {"item_ids", {"a", "b"}}, {"slot", "home"}}),
      with({{"type", "impression"}, {"item_ids", json::array()}}),
      with({{"type", "exposure"}, {"experiment", "x"}, {"variation", "B"}}),
      with({{"type", "exposure"}, {"experiment", "x"}, {"variation", 2}}),
      with({{"type", "consent"}, {"analytics", true}, {"personalization", false}, {"marketing", true}}),
      with({{"type", "identify"}, {"previous_uid", "anon"}}),
  };
}

// Values every member is replaced with in turn.
std::vector<json> odd_values() {
  return {nullptr, "", "x", std::string(128, 'y'), std::string(129, 'y'), std::string(513, 'q'), 0, 1, -1, 1.5,
          1e12, 1e13, 12.345, 100001, 253402300799999, 253402300800000, true, false, json::array(),
          json::array({"a"}), json::object(), "GBP", "gbp", "view", "purchase", "anon", "s"};
}

}  // namespace

TEST_CASE("event reader: valid events decode exactly as the DOM path, without it", "[event][event-reader]") {
  for (const auto& e : valid_events()) {
    INFO(e.dump());
    const auto o = compare(e.dump());
    CHECK(o.dom_ok);
    CHECK(o.fast);
    CHECK(o.same);
  }
}

TEST_CASE("event reader: a mutated event is decoded the same or declined, never accepted alone",
          "[event][event-reader]") {
  int declined = 0, accepted = 0;
  auto check = [&](const std::string& text) {
    INFO(text);
    const auto o = compare(text);
    if (o.fast) {
      ++accepted;
      CHECK(o.dom_ok);
      CHECK(o.same);
    } else {
      ++declined;
    }
  };
  for (const auto& base : valid_events()) {
    for (auto it = base.begin(); it != base.end(); ++it) {
      json removed = base;
      removed.erase(it.key());
      check(removed.dump());
      for (const auto& v : odd_values()) {
        json changed = base;
        changed[it.key()] = v;
        check(changed.dump());
      }
    }
    for (const char* key : {"item_id", "slot", "quantity", "currency", "items", "query", "item_ids", "experiment",
                            "variation", "analytics", "previous_uid", "price", "extra"}) {
      for (const auto& v : {json("a"), json(1), json(true)}) {
        json added = base;
        added[key] = v;
        check(added.dump());
      }
    }
    const std::string text = base.dump();
    // Text-level changes: whitespace, duplicates, escapes, invalid UTF-8, syntax.
    check(" \n\t" + text + "\r\n");
    std::string spaced;
    for (char c : text) spaced += (c == ',' || c == ':') ? std::string(" ") + c + "\n " : std::string(1, c);
    check(spaced);
    check("{\"id\":\"dup\"," + text.substr(1));
    check("{\"uid\":\"s\"," + text.substr(1));
    check(text.substr(0, text.size() - 1) + ",}");
    check(text.substr(0, text.size() - 1));
    check(text + ",");
    for (std::size_t at = text.find('"'); at != std::string::npos; at = text.find('"', at + 1)) {
      check(text.substr(0, at + 1) + "\\u0061" + text.substr(at + 1));
      check(text.substr(0, at + 1) + "\xc3(" + text.substr(at + 1));
      check(text.substr(0, at + 1) + "\xed\xa0\x80" + text.substr(at + 1));
    }
  }
  // Lines of a purchase: each field changed, dropped or doubled.
  for (const auto& v : odd_values()) {
    for (const char* key : {"item_id", "price", "quantity"}) {
      json line{{"item_id", "a"}, {"price", 2.5}, {"quantity", 2}};
      line[key] = v;
      check(json{{"id", "p"}, {"type", "purchase"}, {"ts", 5}, {"uid", "s"}, {"currency", "GBP"}, {"items", {line}}}.dump());
      line.erase(key);
      check(json{{"id", "p"}, {"type", "purchase"}, {"ts", 5}, {"uid", "s"}, {"currency", "GBP"}, {"items", {line}}}.dump());
    }
  }
  // Number spellings.
  for (const char* ts : {"0", "-0", "1e3", "1000.0", "01", "1.", ".5", "-", "1E+3", "253402300799999", "99999999999999999999"}) {
    check(std::string(R"({"id":"e","type":"view","uid":"s","item_id":"a","ts":)") + ts + "}");
  }
  for (const char* price : {"0", "-0", "-0.0", "2", "2.50", "2.5e0", "25E-1", "1e12", "1.0000000001", "0.001", "1e400", "-1"}) {
    check(std::string(R"({"id":"p","type":"purchase","ts":5,"uid":"s","currency":"GBP","items":[{"item_id":"a","price":)") +
          price + "}]}");
  }
  // Purchase line and impression id limits: N passes, N + 1 declines.
  json many = json::array(), ids = json::array();
  for (std::size_t i = 0; i <= limits::max_items_per_event; ++i) {
    many.push_back({{"item_id", "i" + std::to_string(i)}, {"price", 1}});
    ids.push_back("i" + std::to_string(i));
  }
  json last = many.back(), last_id = ids.back();
  many.erase(many.size() - 1);
  ids.erase(ids.size() - 1);
  json p{{"id", "p"}, {"type", "purchase"}, {"ts", 5}, {"uid", "s"}, {"currency", "GBP"}, {"items", many}};
  json imp{{"id", "m"}, {"type", "impression"}, {"ts", 5}, {"uid", "s"}, {"item_ids", ids}};
  CHECK(compare(p.dump()).fast);
  CHECK(compare(imp.dump()).fast);
  p["items"].push_back(last);
  imp["item_ids"].push_back(last_id);
  check(p.dump());
  check(imp.dump());
  CHECK(accepted > 100);
  CHECK(declined > 1000);
}

TEST_CASE("event reader: the other members pass through as JSON; odd shapes are declined",
          "[event][event-reader]") {
  const std::string ev = R"({"id":"e","type":"view","ts":1,"uid":"s","item_id":"a"})";
  auto s = detail::split_events(R"( {"slot":"home", "events":[)" + ev + "," + ev +
                                    R"(], "filters":{"category":"A\"B","in_stock":false},"cart":["x",1.5e3,null,[{}]]} )",
                                limits::max_request_events);
  REQUIRE(s.has_value());
  CHECK(s->has_events);
  CHECK(s->events.size() == 2);
  CHECK(json::parse(s->rest) ==
        json::parse(R"({"slot":"home","filters":{"category":"A\"B","in_stock":false},"cart":["x",1.5e3,null,[{}]]})"));
  auto none = detail::split_events(R"({"slot":"home"})", limits::max_request_events);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_events);
  CHECK(none->rest == R"({"slot":"home"})");
  CHECK(detail::split_events(R"({"events":[]})", limits::max_request_events)->events.empty());
  // Declined: not an object, syntax errors, a repeated or escaped "events" key,
  // events that are not an array of objects, too many events, trailing text.
  for (const std::string bad : {"[]", "{", R"({"events":[],"events":[]})", R"({"\u0065vents":[]})", R"({"events":{}})",
                                R"({"events":[1]})", R"({"events":[]}x)", R"({"slot":"home",})", R"({"a":01})",
                                R"({"a":[1,]})", R"({"a":tru})", "\xef\xbb\xbf{}"}) {
    INFO(bad);
    CHECK_FALSE(detail::split_events(bad, limits::max_request_events).has_value());
  }
  CHECK_FALSE(detail::split_events("{\"events\":[" + ev + "," + ev + "]}", 1).has_value());
  CHECK(detail::split_events("{\"events\":[" + ev + "]}", 1).has_value());
}
