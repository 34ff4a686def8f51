#include "event/event_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "event/money.hpp"

namespace tailor::detail {
namespace {

constexpr std::size_t max_depth = 16;           // deeper values go to the DOM path

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// A strict JSON cursor over the text (RFC 8259 whitespace, numbers, literals).
class cursor {
 public:
  explicit cursor(std::string_view text) noexcept : p_(text.data()), end_(text.data() + text.size()) {}

  const char* pos() const noexcept { return p_; }
  int peek() const noexcept { return p_ < end_ ? static_cast<unsigned char>(*p_) : -1; }
  void ws() noexcept {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() noexcept {
    ws();
    return p_ == end_;
  }
  bool eat(char c) noexcept {
    ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A string without escapes or control characters, in valid UTF-8: its bytes.
  bool plain_string(std::string_view& out) noexcept {
    if (!eat('"')) return false;
    const char* s = p_;
    bool ascii = true;
    for (; p_ < end_ && *p_ != '"'; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c == '\\') return false;
      ascii = ascii && c < 0x80;
    }
    if (p_ == end_) return false;
    out = std::string_view(s, static_cast<std::size_t>(p_ - s));
    ++p_;
    return ascii || is_valid_utf8(out);
  }

  // A number token; `integral` when it has no fraction and no exponent.
  bool number(std::string_view& out, bool& integral) noexcept {
    ws();
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    out = std::string_view(s, static_cast<std::size_t>(p_ - s));
    return true;
  }

  bool literal(std::string_view word) noexcept {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  // Skips one value, checking its structure; string contents (escapes, UTF-8)
  // are left to the parser that reads the skipped text.
  bool skip(std::size_t depth) noexcept {
    ws();
    if (p_ == end_ || depth > max_depth) return false;
    switch (*p_) {
      case '"': return skip_string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      case '[':
        ++p_;
        if (eat(']')) return true;
        do {
          if (!skip(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      case '{':
        ++p_;
        if (eat('}')) return true;
        do {
          ws();
          if (!skip_string() || !eat(':') || !skip(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      default: {
        std::string_view token;
        bool integral = false;
        return number(token, integral);
      }
    }
  }

 private:
  bool digits() noexcept {
    const char* s = p_;
    while (p_ < end_ && is_digit(*p_)) ++p_;
    return p_ > s;
  }
  bool skip_string() noexcept {
    if (p_ == end_ || *p_ != '"') return false;
    for (++p_; p_ < end_; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') ++p_;
    }
    return false;
  }

  const char* p_;
  const char* end_;
};

// Non-negative integer token (no sign, fraction or exponent) of at most 18 digits.
bool small_uint(std::string_view token, bool integral, int64_t& out) noexcept {
  if (!integral || token.empty() || token.size() > 18 || token[0] == '-') return false;
  int64_t v = 0;
  for (char c : token) v = v * 10 + (c - '0');
  out = v;
  return true;
}

// The number the DOM path reads: nlohmann converts a number token with strtod
// (integers in the price range are exact either way). No sign: "-0" would
// read as -0.0 here and 0.0 there.
bool price_value(std::string_view token, double& out) noexcept {
  if (token.empty() || token[0] == '-' || token.size() >= 64) return false;
  char buf[64];
  std::memcpy(buf, token.data(), token.size());
  buf[token.size()] = '\0';
  out = std::strtod(buf, nullptr);
  return out >= 0.0 && out <= 1e12;
}

bool id_ok(std::string_view s) noexcept { return !s.empty() && s.size() <= limits::max_id_bytes; }

enum field : int {
  f_id, f_type, f_ts, f_uid, f_item_id, f_slot, f_quantity, f_order_id, f_currency, f_items,
  f_query, f_item_ids, f_experiment, f_variation, f_analytics, f_personalization, f_marketing,
  f_previous_uid, f_count
};
constexpr std::array<std::string_view, f_count> field_names{
    "id",    "type",     "ts",         "uid",       "item_id",   "slot",
    "quantity", "order_id", "currency", "items",    "query",     "item_ids",
    "experiment", "variation", "analytics", "personalization", "marketing", "previous_uid"};

constexpr uint32_t bit(int f) { return 1u << f; }
constexpr uint32_t common_fields = bit(f_id) | bit(f_type) | bit(f_ts) | bit(f_uid);

// The keys each event type allows (decode_by_type's check_known_keys lists).
uint32_t allowed_fields(event_type t) noexcept {
  switch (t) {
    case event_type::view: return common_fields | bit(f_item_id);
    case event_type::click: return common_fields | bit(f_item_id) | bit(f_slot);
    case event_type::add_to_cart:
    case event_type::remove_from_cart: return common_fields | bit(f_item_id) | bit(f_quantity);
    case event_type::purchase: return common_fields | bit(f_order_id) | bit(f_currency) | bit(f_items);
    case event_type::search: return common_fields | bit(f_query);
    case event_type::impression: return common_fields | bit(f_item_ids) | bit(f_slot);
    case event_type::exposure: return common_fields | bit(f_experiment) | bit(f_variation);
    case event_type::consent: return common_fields | bit(f_analytics) | bit(f_personalization) | bit(f_marketing);
    case event_type::identify: return common_fields | bit(f_previous_uid);
  }
  return 0;
}

int field_of(std::string_view key) noexcept {
  for (int f = 0; f < f_count; ++f) {
    if (field_names[static_cast<std::size_t>(f)] == key) return f;
  }
  return -1;
}

struct raw_line {
  std::string_view item_id;
  int64_t quantity = 1;
  double price = 0;
};

// One event object's members, read before the type decides which are allowed.
struct raw_event {
  uint32_t seen = 0;
  std::array<std::string_view, f_count> text{};  // strings; number tokens
  bool variation_is_number = false;
  bool flags[3] = {false, false, false};
  int64_t ts = 0, quantity = 1;
  std::vector<raw_line>* lines = nullptr;         // scratch, reused across events
  std::vector<std::string_view>* ids = nullptr;   // scratch, reused across events
};

// {"item_id": ..., "quantity": ..., "price": ...}
bool read_line(cursor& c, raw_line& line) {
  if (!c.eat('{')) return false;
  uint32_t seen = 0;
  if (c.eat('}')) return false;  // item_id and price are required
  do {
    std::string_view key, token;
    bool integral = false;
    if (!c.plain_string(key) || !c.eat(':')) return false;
    if (key == "item_id") {
      if ((seen & 1u) || !c.plain_string(line.item_id) || !id_ok(line.item_id)) return false;
      seen |= 1u;
    } else if (key == "quantity") {
      if ((seen & 2u) || !c.number(token, integral) || !small_uint(token, integral, line.quantity)) return false;
      if (line.quantity < 1 || line.quantity > limits::max_quantity) return false;
      seen |= 2u;
    } else if (key == "price") {
      if ((seen & 4u) || !c.number(token, integral) || !price_value(token, line.price)) return false;
      seen |= 4u;
    } else {
      return false;
    }
  } while (c.eat(','));
  return c.eat('}') && (seen & 1u) && (seen & 4u);
}

// Reads one member value of an event into `raw` (by its field's kind).
bool read_member(cursor& c, int f, raw_event& raw) {
  std::string_view token;
  bool integral = false;
  switch (f) {
    case f_ts:
      return c.number(token, integral) && small_uint(token, integral, raw.ts) && raw.ts <= detail::max_event_ts_ms;
    case f_quantity:
      return c.number(token, integral) && small_uint(token, integral, raw.quantity) && raw.quantity >= 1 &&
             raw.quantity <= limits::max_quantity;
    case f_variation: {
      c.ws();
      int64_t v = 0;
      if (c.plain_string(raw.text[f_variation])) return id_ok(raw.text[f_variation]);
      raw.variation_is_number = true;
      return c.number(raw.text[f_variation], integral) && small_uint(raw.text[f_variation], integral, v);
    }
    case f_analytics:
    case f_personalization:
    case f_marketing: {
      bool& flag = raw.flags[f - f_analytics];
      if (c.literal("true")) flag = true;
      else if (c.literal("false")) flag = false;
      else return false;
      return true;
    }
    case f_items:
      raw.lines->clear();
      if (!c.eat('[') || c.eat(']')) return false;  // must not be empty
      do {
        if (raw.lines->size() >= limits::max_items_per_event) return false;
        raw.lines->emplace_back();
        if (!read_line(c, raw.lines->back())) return false;
      } while (c.eat(','));
      return c.eat(']');
    case f_item_ids:
      raw.ids->clear();
      if (!c.eat('[')) return false;
      if (c.eat(']')) return true;
      do {
        std::string_view id;
        if (raw.ids->size() >= limits::max_items_per_event || !c.plain_string(id) || !id_ok(id)) return false;
        raw.ids->push_back(id);
      } while (c.eat(','));
      return c.eat(']');
    default:
      return c.plain_string(raw.text[static_cast<std::size_t>(f)]);
  }
}

// Checks the members against the event type's schema and fills `ev`; false
// where decode_event_value would report an error.
bool build_event(const raw_event& raw, event& ev) {
  const auto& t = raw.text;
  const auto has = [&](int f) { return (raw.seen & bit(f)) != 0; };
  if (!has(f_type) || !has(f_id) || !has(f_ts) || !has(f_uid)) return false;
  const auto type = parse_event_type(t[f_type]);
  if (!type || (raw.seen & ~allowed_fields(*type)) != 0) return false;
  if (!id_ok(t[f_id]) || !id_ok(t[f_uid])) return false;
  ev.type = *type;
  ev.id = t[f_id];
  ev.ts_ms = raw.ts;
  ev.uid = t[f_uid];
  switch (ev.type) {
    case event_type::view:
    case event_type::click:
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
      if (!has(f_item_id) || !id_ok(t[f_item_id])) return false;
      ev.item_id = t[f_item_id];
      if (ev.type == event_type::click) {
        if (t[f_slot].size() > limits::max_id_bytes) return false;
        ev.slot = t[f_slot];
      }
      if (ev.type == event_type::add_to_cart || ev.type == event_type::remove_from_cart) {
        ev.quantity = static_cast<int32_t>(has(f_quantity) ? raw.quantity : 1);
      }
      return true;
    case event_type::purchase:
      if (t[f_order_id].size() > limits::max_id_bytes || !has(f_items)) return false;
      if (!has(f_currency) || !is_currency_code(t[f_currency])) return false;
      ev.order_id = t[f_order_id];
      ev.currency = t[f_currency];
      ev.lines.reserve(raw.lines->size());
      for (const auto& l : *raw.lines) {
        auto minor = to_minor_units(l.price, ev.currency);
        if (!minor) return false;
        ev.lines.push_back({std::string(l.item_id), static_cast<int32_t>(l.quantity), minor.value()});
      }
      return true;
    case event_type::search:
      if (!has(f_query) || t[f_query].empty() || t[f_query].size() > limits::max_query_bytes) return false;
      ev.query = t[f_query];
      return true;
    case event_type::impression:
      if (!has(f_item_ids) || t[f_slot].size() > limits::max_id_bytes) return false;
      ev.item_ids.assign(raw.ids->begin(), raw.ids->end());
      ev.slot = t[f_slot];
      return true;
    case event_type::exposure:
      if (!has(f_experiment) || !id_ok(t[f_experiment]) || !has(f_variation)) return false;
      ev.experiment = t[f_experiment];
      if (raw.variation_is_number) {
        int64_t v = 0;
        small_uint(t[f_variation], true, v);
        ev.variation = std::to_string(v);  // as the DOM path: the integer's decimal text
      } else {
        ev.variation = t[f_variation];
      }
      return true;
    case event_type::consent:
      if (!has(f_analytics) || !has(f_personalization) || !has(f_marketing)) return false;
      ev.consent = {raw.flags[0], raw.flags[1], raw.flags[2]};
      return true;
    case event_type::identify:
      if (!has(f_previous_uid) || !id_ok(t[f_previous_uid]) || t[f_previous_uid] == t[f_uid]) return false;
      ev.previous_uid = t[f_previous_uid];
      return true;
  }
  return false;
}

bool read_event(cursor& c, raw_event& raw, event& ev) {
  if (!c.eat('{') || c.eat('}')) return false;
  raw.seen = 0;
  raw.text = {};
  raw.variation_is_number = false;
  raw.quantity = 1;
  do {
    std::string_view key;
    if (!c.plain_string(key) || !c.eat(':')) return false;
    const int f = field_of(key);
    if (f < 0 || (raw.seen & bit(f)) != 0) return false;
    raw.seen |= bit(f);
    if (!read_member(c, f, raw)) return false;
  } while (c.eat(','));
  return c.eat('}') && build_event(raw, ev);
}

// Scratch space for read_event, reused across the events of one text.
struct event_scratch {
  std::vector<raw_line> lines;
  std::vector<std::string_view> ids;
  raw_event raw;
  event_scratch() {
    raw.lines = &lines;
    raw.ids = &ids;
  }
  event_scratch(const event_scratch&) = delete;
  event_scratch& operator=(const event_scratch&) = delete;
};

bool read_events(cursor& c, std::size_t max_events, std::vector<event>& out) {
  if (!c.eat('[')) return false;
  if (c.eat(']')) return true;
  event_scratch scratch;
  raw_event& raw = scratch.raw;
  do {
    if (out.size() >= max_events) return false;
    out.emplace_back();
    if (!read_event(c, raw, out.back())) return false;
  } while (c.eat(','));
  return c.eat(']');
}

}  // namespace

std::optional<events_split> split_events(std::string_view object_json, std::size_t max_events) {
  if (object_json.size() > limits::max_json_bytes) return std::nullopt;
  cursor c(object_json);
  if (!c.eat('{')) return std::nullopt;
  events_split out;
  out.rest = "{";
  if (!c.eat('}')) {
    do {
      c.ws();
      const char* member = c.pos();
      std::string_view key;
      if (!c.plain_string(key) || !c.eat(':')) return std::nullopt;
      if (key == "events") {
        if (out.has_events) return std::nullopt;  // a repeated key: the DOM keeps the last
        out.has_events = true;
        out.events.reserve(256);
        if (!read_events(c, max_events, out.events)) return std::nullopt;
      } else {
        if (!c.skip(1)) return std::nullopt;
        if (out.rest.size() > 1) out.rest += ',';
        out.rest.append(member, c.pos());
      }
    } while (c.eat(','));
    if (!c.eat('}')) return std::nullopt;
  }
  if (!c.at_end()) return std::nullopt;
  out.rest += '}';
  return out;
}

namespace {

// One event object at the cursor.
std::optional<event> read_one(cursor& c) {
  event_scratch scratch;
  event ev;
  if (!read_event(c, scratch.raw, ev)) return std::nullopt;
  return ev;
}

}  // namespace

std::optional<std::vector<event>> read_event_batch(std::string_view json, std::size_t max_events) {
  if (json.size() > limits::max_json_bytes) return std::nullopt;
  cursor c(json);
  std::vector<event> events;
  c.ws();
  if (c.peek() == '{') {
    auto ev = read_one(c);
    if (!ev) return std::nullopt;
    events.push_back(std::move(*ev));
  } else {
    events.reserve(std::min<std::size_t>(max_events, 64));
    if (!read_events(c, max_events, events)) return std::nullopt;
  }
  if (!c.at_end()) return std::nullopt;
  return events;
}

std::optional<event> read_single_event(std::string_view json) {
  if (json.size() > limits::max_event_bytes) return std::nullopt;
  cursor c(json);
  c.ws();
  if (c.peek() != '{') return std::nullopt;
  auto ev = read_one(c);
  if (!ev || !c.at_end()) return std::nullopt;
  return ev;
}

}  // namespace tailor::detail
