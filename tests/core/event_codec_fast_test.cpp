// The DOM-free batch decoder and canonical encoder against the DOM codec they
// stand in for. On generated events of every type the direct encoder writes
// dump_json(event_to_json(ev)) byte for byte, and decode_events gives exactly
// what the DOM path gives (events field by field; rejected errors with the same
// code, message and `where`) for valid, invalid and unusual batches alike.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/utf8.hpp"
#include "event/event_json.hpp"
#include "event/event_reader.hpp"
#include "event/event_writer.hpp"

using namespace tailor;
using nlohmann::json;

namespace {

// mt19937's raw output is specified by the standard (its distributions are
// not), so the corpus is the same natively and under wasm.
class gen {
 public:
  explicit gen(uint32_t seed) : rng_(seed) {}
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  uint64_t below64(uint64_t n) { return ((static_cast<uint64_t>(rng_()) << 32) | rng_()) % n; }
  bool one_in(uint32_t n) { return below(n) == 0; }
  bool coin_flip() { return below(2) == 0; }

  bool plain = false;  // strings that need no escapes in JSON, as most a shop sends
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(static_cast<uint32_t>(v.size()))]; }

 private:
  std::mt19937 rng_;
};

// Whether a string needs escapes in JSON.
bool needs_escape(const std::string& s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}


// Valid UTF-8 of up to max_bytes: printable ASCII, control characters,
// characters JSON escapes (unless `plain`), and code points of 2, 3 and 4 bytes.
std::string random_text(gen& g, std::size_t max_bytes, bool plain) {
  std::string s;
  const uint32_t n = g.below(14);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t cp = 0;
    switch (g.below(7)) {
      case 0: case 1: cp = 0x20 + g.below(0x5F); break;           // printable ASCII
      case 2: cp = g.one_in(8) || plain ? 0x7F : g.below(0x20); break;  // controls and DEL
      case 3: cp = static_cast<unsigned char>((plain ? "/-_" : "\"\\/")[g.below(3)]); break;
      case 4: cp = 0x80 + g.below(0x780); break;
      case 5: do cp = 0x800 + g.below(0xF800); while (cp >= 0xD800 && cp <= 0xDFFF); break;
      default: cp = 0x10000 + g.below(0x100000); break;
    }
    if (plain && (cp == '"' || cp == '\\')) cp = '+';
    std::string next = s;
    detail::append_utf8(next, cp);
    if (next.size() > max_bytes) break;
    s = std::move(next);
  }
  return s;
}

const std::vector<std::string>& fixed_texts() {
  static const std::vector<std::string> texts = {
      "e1", "u123", "sku-42", "I000001", "a", std::string(128, 'x'), "e-lq2x9c-b1-1-0000abcd",
      "caf\xc3\xa9 \xe2\x82\xac", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xf0\x9d\x84\x9e clef",
      "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xc2\xa0nbsp", "del\x7f", "quote\"d", "back\\slash",
      "a/b", "tab\tnl\nret\rff\fbs\b", std::string("nul\0x", 5), "\x01\x1f\x1e", "</script>",
      std::string(127, 'y') + "\xc3", "\xc3\xa9" + std::string(126, 'z')};
  return texts;
}

// A non-empty valid UTF-8 string of at most max_bytes.
std::string some_id(gen& g, std::size_t max_bytes = limits::max_id_bytes) {
  std::string s;
  if (g.coin_flip()) {
    s = g.pick(fixed_texts());
    if (s.size() > max_bytes || !detail::is_valid_utf8(s) || (g.plain && needs_escape(s))) s.clear();
  } else {
    s = random_text(g, max_bytes, g.plain);
  }
  return s.empty() ? "x" : s;
}

int64_t some_ts(gen& g) {
  switch (g.below(5)) {
    case 0: return 0;
    case 1: return detail::max_event_ts_ms;
    case 2: return 1700000000000 + g.below(1000000);
    default: return static_cast<int64_t>(g.below64(static_cast<uint64_t>(detail::max_event_ts_ms) + 1));
  }
}

const std::vector<std::string> currencies = {"GBP", "USD", "EUR", "JPY", "KRW", "KWD", "BHD", "CHF", "XOF"};

int64_t some_price_minor(gen& g) {
  const std::vector<int64_t> edges = {0, 1, 5, 9, 10, 29, 99, 100, 125, 999, 1250, 1299, 99999, 123456789,
                                      999999999999, limits::max_price_minor};
  return g.coin_flip() ? g.pick(edges)
                       : static_cast<int64_t>(g.below64(static_cast<uint64_t>(limits::max_price_minor) + 1));
}

// A valid event of type t: decode_event_value accepts its canonical JSON.
event valid_event(gen& g, event_type t) {
  event ev;
  ev.type = t;
  ev.id = some_id(g);
  ev.uid = some_id(g);
  ev.ts_ms = some_ts(g);
  switch (t) {
    case event_type::view:
      ev.item_id = some_id(g);
      break;
    case event_type::click:
      ev.item_id = some_id(g);
      if (g.coin_flip()) ev.slot = some_id(g);
      break;
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
      ev.item_id = some_id(g);
      ev.quantity = g.coin_flip() ? 1 + static_cast<int32_t>(g.below(limits::max_quantity))
                                  : (g.coin_flip() ? 1 : limits::max_quantity);
      break;
    case event_type::purchase: {
      ev.currency = g.pick(currencies);
      if (g.coin_flip()) ev.order_id = some_id(g);
      const uint32_t n = g.one_in(20) ? static_cast<uint32_t>(limits::max_items_per_event) : 1 + g.below(6);
      for (uint32_t i = 0; i < n; ++i) {
        ev.lines.push_back({some_id(g), 1 + static_cast<int32_t>(g.below(g.coin_flip() ? 3 : limits::max_quantity)),
                            some_price_minor(g)});
      }
      break;
    }
    case event_type::search:
      ev.query = some_id(g, limits::max_query_bytes);
      if (g.one_in(10)) ev.query = std::string(limits::max_query_bytes, 'q');
      break;
    case event_type::impression: {
      const uint32_t n = g.one_in(10) ? static_cast<uint32_t>(limits::max_items_per_event) : g.below(12);
      for (uint32_t i = 0; i < n; ++i) ev.item_ids.push_back(some_id(g));
      if (g.coin_flip()) ev.slot = some_id(g);
      break;
    }
    case event_type::exposure:
      ev.experiment = some_id(g);
      ev.variation = g.coin_flip() ? std::to_string(g.below(5)) : some_id(g);
      break;
    case event_type::consent:
      ev.consent = {g.coin_flip(), g.coin_flip(), g.coin_flip()};
      break;
    case event_type::identify:
      ev.previous_uid = some_id(g);
      if (ev.previous_uid == ev.uid) ev.previous_uid = ev.uid == "x" ? "y" : "x";
      break;
  }
  return ev;
}

event valid_event(gen& g) { return valid_event(g, static_cast<event_type>(g.below(event_type_count))); }

// An event no decoder would produce, which encode_event still encodes:
// out-of-range numbers, empty and long strings, unknown currencies, fields
// of other types, a type value outside the enum.
event odd_event(gen& g) {
  event ev = valid_event(g);
  const std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(), -1, 0, std::numeric_limits<int64_t>::max(),
                                     -1700000000000};
  if (g.coin_flip()) ev.ts_ms = g.pick(ints);
  if (g.coin_flip()) {
    ev.quantity = static_cast<int32_t>(g.pick(std::vector<int64_t>{std::numeric_limits<int32_t>::min(), -3, 0,
                                                                   std::numeric_limits<int32_t>::max()}));
  }
  if (g.coin_flip()) ev.currency = g.pick(std::vector<std::string>{"", "XYZ", "jpy", "JPYY"});
  for (auto& li : ev.lines) {
    if (g.coin_flip()) li.price_minor = g.pick(ints);
    if (g.coin_flip()) li.quantity = -li.quantity;
  }
  if (g.one_in(4)) ev.id.clear();
  if (g.one_in(4)) ev.uid = std::string(1000, 'u');
  if (g.one_in(4)) ev.lines.clear();
  if (g.one_in(4)) ev.slot = "foreign";  // ignored by types without a slot
  if (g.one_in(4)) ev.lines.push_back({"foreign", 2, 5});
  if (g.one_in(4)) ev.query = "foreign";
  if (g.one_in(10)) ev.type = static_cast<event_type>(event_type_count + g.below(100));
  return ev;
}

std::string dom_encoding(const event& ev) { return detail::dump_json(detail::event_to_json(ev)); }

// Every field, including those the canonical JSON leaves out.
bool same_event(const event& a, const event& b) {
  if (a.lines.size() != b.lines.size()) return false;
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    if (a.lines[i].item_id != b.lines[i].item_id || a.lines[i].quantity != b.lines[i].quantity ||
        a.lines[i].price_minor != b.lines[i].price_minor) {
      return false;
    }
  }
  return a.id == b.id && a.type == b.type && a.ts_ms == b.ts_ms && a.uid == b.uid && a.item_id == b.item_id &&
         a.quantity == b.quantity && a.slot == b.slot && a.item_ids == b.item_ids && a.order_id == b.order_id &&
         a.currency == b.currency && a.query == b.query && a.experiment == b.experiment &&
         a.variation == b.variation && a.consent.analytics == b.consent.analytics &&
         a.consent.personalization == b.consent.personalization && a.consent.marketing == b.consent.marketing &&
         a.previous_uid == b.previous_uid;
}

bool same_error(const error& a, const error& b) {
  return a.code == b.code && a.message == b.message && a.where == b.where;
}

// How two batch results differ; empty when they are the same.
std::string difference(const result<batch>& a, const result<batch>& b) {
  if (a.ok() != b.ok()) return "one failed, the other did not";
  if (!a.ok()) return same_error(a.error(), b.error()) ? "" : "errors differ: " + a.error().message + " / " + b.error().message;
  if (a->events.size() != b->events.size()) return "event counts differ";
  for (std::size_t i = 0; i < a->events.size(); ++i) {
    if (!same_event(a->events[i], b->events[i])) return "event " + std::to_string(i) + " differs";
  }
  if (a->rejected.size() != b->rejected.size()) return "rejected counts differ";
  for (std::size_t i = 0; i < a->rejected.size(); ++i) {
    if (!same_error(a->rejected[i], b->rejected[i])) {
      return "rejection " + std::to_string(i) + " differs: " + a->rejected[i].where + " " + a->rejected[i].message +
             " / " + b->rejected[i].where + " " + b->rejected[i].message;
    }
  }
  return "";
}

std::string excerpt(const std::string& text) { return text.size() <= 400 ? text : text.substr(0, 400) + "..."; }

bool fast_path_takes(const std::string& text) {
  return detail::read_event_batch(text, limits::max_events_per_batch).has_value();
}

// decode_events against the DOM path alone, on one text.
void check_same_as_dom(const std::string& text) {
  INFO(excerpt(text));
  CHECK(difference(decode_events(text), detail::decode_events_dom(text)) == "");
}

std::string batch_text(const std::vector<event>& events) {
  std::string text = "[";
  for (const auto& ev : events) text += (text.size() > 1 ? "," : "") + encode_event(ev);
  return text + "]";
}

const std::string view_a = R"({"id":"e1","type":"view","ts":1,"uid":"u1","item_id":"sku-1"})";
const std::string view_b = R"({"id":"e2","type":"view","ts":2,"uid":"u1","item_id":"sku-2"})";

}  // namespace

TEST_CASE("event codec: the direct encoder writes the DOM encoder's bytes for valid events of every type",
          "[event][event-codec]") {
  gen g(20261205);
  std::array<int, event_type_count> per_type{};
  for (int i = 0; i < 3000; ++i) {
    const event ev = valid_event(g, static_cast<event_type>(i % event_type_count));
    std::string direct;
    INFO(dom_encoding(ev));
    REQUIRE(detail::write_event_json(ev, direct));
    CHECK(direct == dom_encoding(ev));
    CHECK(encode_event(ev) == dom_encoding(ev));
    ++per_type[static_cast<std::size_t>(ev.type)];
  }
  for (int n : per_type) CHECK(n == 300);
}

TEST_CASE("event codec: the direct encoder matches on out-of-range numbers, foreign fields and unknown types",
          "[event][event-codec]") {
  gen g(7);
  for (int i = 0; i < 3000; ++i) {
    const event ev = odd_event(g);
    INFO(dom_encoding(ev));
    CHECK(encode_event(ev) == dom_encoding(ev));
  }
}

TEST_CASE("event codec: every ASCII character and the price layouts encode as the DOM does",
          "[event][event-codec]") {
  for (int c = 0; c < 0x80; ++c) {
    event ev;
    ev.id = std::string("a") + static_cast<char>(c) + "b";
    ev.uid = std::string(1, static_cast<char>(c));
    ev.item_id = "x";
    INFO(c);
    CHECK(encode_event(ev) == dom_encoding(ev));
  }
  // Layouts of nlohmann's double format: "12.5", "1200.0", "0.125", "0.001", and exponents.
  for (const auto& cur : currencies) {
    for (int64_t minor : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{10}, int64_t{1250}, int64_t{1200},
                          int64_t{100000000000}, limits::max_price_minor, int64_t{-5},
                          std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
      event ev;
      ev.type = event_type::purchase;
      ev.id = "p";
      ev.uid = "u";
      ev.currency = cur;
      ev.lines = {{"a", 2, minor}, {"b", 1, minor / 3}};
      INFO(cur << " " << minor);
      CHECK(encode_event(ev) == dom_encoding(ev));
    }
  }
  event gbp;
  gbp.type = event_type::purchase;
  gbp.id = "p";
  gbp.uid = "u";
  gbp.currency = "GBP";
  gbp.lines = {{"a", 2, 1250}, {"b", 1, 100}, {"c", 1, 1}};
  CHECK(encode_event(gbp) ==
        R"({"currency":"GBP","id":"p","items":[{"item_id":"a","price":12.5,"quantity":2},)"
        R"({"item_id":"b","price":1.0,"quantity":1},{"item_id":"c","price":0.01,"quantity":1}],"ts":0,"type":"purchase","uid":"u"})");
}

TEST_CASE("event codec: strings that are not UTF-8 take the DOM encoder and its replacement characters",
          "[event][event-codec]") {
  gen g(99);
  int invalid = 0;
  for (int i = 0; i < 2000; ++i) {
    event ev = valid_event(g);
    std::string bytes;
    const uint32_t n = 1 + g.below(6);
    for (uint32_t k = 0; k < n; ++k) bytes += static_cast<char>(g.coin_flip() ? 0x80 + g.below(0x80) : g.below(0x100));
    (g.coin_flip() ? ev.id : ev.uid) = bytes;
    std::string direct;
    const bool written = detail::write_event_json(ev, direct);
    INFO(dom_encoding(ev));
    CHECK(written == detail::is_valid_utf8(bytes));
    if (written) CHECK(direct == dom_encoding(ev));
    CHECK(encode_event(ev) == dom_encoding(ev));
    invalid += written ? 0 : 1;
  }
  CHECK(invalid > 1000);
}

TEST_CASE("event codec: valid batches decode as the DOM path decodes them, plain ones without the DOM",
          "[event][event-codec]") {
  gen g(4242);
  int fast = 0, slow = 0;
  for (int b = 0; b < 300; ++b) {
    std::vector<event> events;
    const uint32_t n = b % 50 == 0 ? 0 : 1 + g.below(20);
    for (uint32_t i = 0; i < n; ++i) {
      // Mostly plain events, as a shop sends them; escapes in some batches.
      g.plain = b % 3 != 0;
      events.push_back(valid_event(g));
    }
    const std::string text = batch_text(events);
    INFO(excerpt(text));
    const auto decoded = decode_events(text);
    CHECK(difference(decoded, detail::decode_events_dom(text)) == "");
    REQUIRE(decoded.ok());
    CHECK(decoded->rejected.empty());
    REQUIRE(decoded->events.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      CHECK(encode_event(decoded->events[i]) == encode_event(events[i]));
    }
    // The reader takes exactly the batches whose strings need no escapes.
    const bool plain = text.find('\\') == std::string::npos;
    CHECK(fast_path_takes(text) == plain);
    (plain ? fast : slow) += 1;

    // The same batch spaced out, and each event alone as an object.
    const std::string spaced = json::parse(text).dump(2);
    check_same_as_dom(spaced);
    CHECK(fast_path_takes("\n\t " + spaced + " \r\n") == plain);
    for (const auto& ev : events) {
      const std::string one = encode_event(ev);
      check_same_as_dom(one);
      CHECK(fast_path_takes(one) == (one.find('\\') == std::string::npos));
    }
  }
  CHECK(fast > 100);
  CHECK(slow > 50);
}

TEST_CASE("event codec: unusual and invalid batches give exactly the DOM path's result",
          "[event][event-codec]") {
  const std::string v = view_a;
  const std::string head = R"({"id":"e3","type":"view","uid":"u1","item_id":"sku-3","ts":)";
  const std::string purchase = R"({"id":"p","type":"purchase","ts":5,"uid":"u","currency":"GBP","items":[{"item_id":"a","price":)";
  const std::vector<std::string> declined = {
      // Escapes in strings (the DOM accepts them), floats where integers go.
      "[" + v + R"(,{"id":"e\u0031","type":"view","ts":1,"uid":"u\/1","item_id":"sku\n1"}])",
      "[" + head + "1.0}]", "[" + head + "1e3}]", "[" + head + "1.5}]", "[" + head + "-0}]", "[" + head + "-1}]",
      "[" + head + "99999999999999999999}]", "[" + head + "253402300800000}]", "[" + head + "\"1\"}]",
      R"([{"id":"c","type":"add_to_cart","ts":1,"uid":"u","item_id":"a","quantity":2.0}])",
      R"([{"id":"c","type":"add_to_cart","ts":1,"uid":"u","item_id":"a","quantity":2.5}])",
      R"([{"id":"c","type":"add_to_cart","ts":1,"uid":"u","item_id":"a","quantity":0}])",
      "[" + purchase + "-0}]}]", "[" + purchase + "1e400}]}]", "[" + purchase + "1.234}]}]", "[" + purchase + "-1}]}]",
      // Duplicate keys (the DOM keeps the last), nulls.
      R"([{"id":"a","id":"b","type":"view","ts":1,"uid":"u1","item_id":"sku-1"}])",
      R"([{"id":"a","type":"view","type":"search","ts":1,"uid":"u1","item_id":"sku-1"}])",
      R"([{"id":"c","type":"click","ts":1,"uid":"u","item_id":"a","slot":null}])",
      R"([{"id":"c","type":"view","ts":1,"uid":"u","item_id":null}])",
      "[" + v + ",null]", "null", "[null]",
      // Not an array of events, or not JSON at all.
      "", "   ", "{}", "[{}]", "[1]", "\"view\"", "42", "true", "[[" + v + "]]", "[" + v, "[" + v + ",]",
      "{\"events\":[" + v + "]}", "\xEF\xBB\xBF[" + v + "]",
      // Trailing garbage.
      "[" + v + "]x", "[" + v + "]]", "[" + v + "],", "[" + v + "] [" + v + "]", v + v, v + " {}",
      std::string("[") + v + "]" + std::string(1, '\0'),
      // Raw control characters and invalid UTF-8 inside strings.
      "[{\"id\":\"e\t1\",\"type\":\"view\",\"ts\":1,\"uid\":\"u1\",\"item_id\":\"sku-1\"}]",
      "[{\"id\":\"e\xC3\x28\",\"type\":\"view\",\"ts\":1,\"uid\":\"u1\",\"item_id\":\"sku-1\"}]",
      "[{\"id\":\"e\xED\xA0\x80\",\"type\":\"view\",\"ts\":1,\"uid\":\"u1\",\"item_id\":\"sku-1\"}]",
      // A mix of valid and invalid events: the valid ones are kept, each bad one named.
      "[" + v + R"(,{"type":"view"},)" + view_b + R"(,5,{"id":"x","type":"teleport","ts":1,"uid":"u"},)" +
          R"({"id":"i","type":"identify","ts":1,"uid":"u","previous_uid":"u"},)" +
          R"({"id":"x","type":"view","ts":1,"uid":"u","item_id":"a","extra":1},)" + v + "]",
      "[" + std::string(40, '[') + std::string(40, ']') + "]",
  };
  for (const auto& text : declined) {
    INFO(excerpt(text));
    CHECK_FALSE(fast_path_takes(text));
    check_same_as_dom(text);
  }
  // Plain and within limits: the reader takes these, with the DOM path's events.
  const std::vector<std::string> taken = {"[]", " [ ] ", "[" + v + "]", v, " \n" + v + "\t", "[" + v + "," + view_b + "]",
                                          "[" + v + "," + v + "]"};
  for (const auto& text : taken) {
    INFO(excerpt(text));
    CHECK(fast_path_takes(text));
    check_same_as_dom(text);
  }
}

TEST_CASE("event codec: the batch limits hold on both paths at N and N+1", "[event][event-codec][limits]") {
  std::string at_limit = "[";
  for (std::size_t i = 0; i < limits::max_events_per_batch; ++i) at_limit += (i ? "," : "") + view_a;
  const std::string over_limit = at_limit + "," + view_a + "]";
  at_limit += "]";
  CHECK(fast_path_takes(at_limit));
  check_same_as_dom(at_limit);
  CHECK_FALSE(fast_path_takes(over_limit));
  const auto over = decode_events(over_limit);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == errc::limit_exceeded);
  check_same_as_dom(over_limit);

  std::string full = "[" + view_a + "]";
  full += std::string(limits::max_json_bytes - full.size(), ' ');
  CHECK(fast_path_takes(full));
  check_same_as_dom(full);
  full += ' ';
  CHECK_FALSE(fast_path_takes(full));
  const auto too_big = decode_events(full);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().code == errc::limit_exceeded);
  check_same_as_dom(full);
}

TEST_CASE("event codec: mutated batches give exactly the DOM path's result", "[event][event-codec]") {
  gen g(31337);
  const std::vector<std::string> pieces = {"{", "}", "[", "]", ",", ":", "\"", "\\", "0", "1", "-", ".", "e", "null",
                                           " ", "x", "\xC3", "\x80", "\x01", "1.5", "\"id\":\"d\",", "true"};
  int taken = 0, declined = 0;
  for (int m = 0; m < 3000; ++m) {
    std::vector<event> events;
    const uint32_t n = 1 + g.below(4);
    for (uint32_t i = 0; i < n; ++i) {
      event ev = valid_event(g);
      if (ev.lines.size() > 3) ev.lines.resize(3);
      if (ev.item_ids.size() > 3) ev.item_ids.resize(3);
      events.push_back(std::move(ev));
    }
    std::string text = batch_text(events);
    const uint32_t edits = 1 + g.below(3);
    for (uint32_t k = 0; k < edits && !text.empty(); ++k) {
      const std::size_t at = g.below(static_cast<uint32_t>(text.size()));
      switch (g.below(3)) {
        case 0: text.erase(at, 1 + g.below(3)); break;
        case 1: text.insert(at, g.pick(pieces)); break;
        default: text.replace(at, 1, g.pick(pieces)); break;
      }
    }
    const bool fast = fast_path_takes(text);
    (fast ? taken : declined) += 1;
    check_same_as_dom(text);
  }
  CHECK(declined > 1500);
  CHECK(taken > 10);
}

namespace {

// decode_event against its DOM path, on one text: same event or same error.
std::string single_difference(const std::string& text) {
  auto fast = decode_event(text);
  auto dom = detail::decode_event_dom(text);
  if (fast.ok() != dom.ok()) return "one failed, the other did not";
  if (!fast.ok()) return same_error(fast.error(), dom.error()) ? "" : "errors differ: " + fast.error().message;
  return same_event(fast.value(), dom.value()) ? "" : "events differ";
}

}  // namespace

TEST_CASE("event codec: single events decode as the DOM path decodes them, plain ones without the DOM",
          "[event][event-codec]") {
  gen g(4242);
  int plain = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = encode_event(valid_event(g));
    INFO(excerpt(text));
    CHECK(single_difference(text) == "");
    CHECK(single_difference(" \n" + text + "\t ") == "");
    if (detail::read_single_event(text)) ++plain;
  }
  CHECK(plain > 300);  // the generator favours escapes and odd characters: those take the DOM path
  const std::vector<std::string> pieces = {"{", "}", "[", "]", ",", ":", "\"", "\\", "0", "-", ".", "e", "null", " ",
                                           "\xC3", "\x01", "1.5", "\"id\":\"d\",", "true"};
  for (int m = 0; m < 3000; ++m) {
    std::string text = encode_event(valid_event(g));
    const std::size_t at = g.below(static_cast<uint32_t>(text.size()));
    switch (g.below(3)) {
      case 0: text.erase(at, 1 + g.below(3)); break;
      case 1: text.insert(at, g.pick(pieces)); break;
      default: text.replace(at, 1, g.pick(pieces)); break;
    }
    INFO(excerpt(text));
    CHECK(single_difference(text) == "");
  }
  // Shapes only the batch decoder takes, and the size limit, stay the DOM's answers.
  for (const std::string& text : {"[" + view_a + "]", view_a + " x", std::string("{}"), std::string(""),
                                  R"({"id":"e1","type":"view","ts":1,"uid":"u1","item_id":")" +
                                      std::string(limits::max_event_bytes, 'a') + "\"}"}) {
    INFO(excerpt(text));
    CHECK(single_difference(text) == "");
    CHECK_FALSE(decode_event(text).ok());
  }
}
