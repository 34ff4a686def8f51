#include "tailor/event.hpp"

#include <array>
#include <cmath>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "event/event_reader.hpp"
#include "event/event_writer.hpp"
#include "event/money.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr std::array<std::string_view, event_type_count> type_names{
    "view",       "click",    "add_to_cart", "remove_from_cart", "purchase",
    "search",     "impression", "exposure",  "consent",          "identify",
};


status decode_common(const json& j, const std::string& where, event& ev) {
  auto id = detail::read_string(j, "id", where, limits::max_id_bytes, true);
  if (!id) return id.error();
  ev.id = std::move(id.value());
  auto ts = detail::read_int(j, "ts", where, 0, detail::max_event_ts_ms, true);
  if (!ts) return ts.error();
  ev.ts_ms = ts.value();
  auto uid = detail::read_string(j, "uid", where, limits::max_id_bytes, true);
  if (!uid) return uid.error();
  ev.uid = std::move(uid.value());
  return ok_value;
}

status decode_item_id(const json& j, const std::string& where, event& ev) {
  auto item = detail::read_string(j, "item_id", where, limits::max_id_bytes, true);
  if (!item) return item.error();
  ev.item_id = std::move(item.value());
  return ok_value;
}

status decode_slot(const json& j, const std::string& where, event& ev) {
  auto slot = detail::read_string(j, "slot", where, limits::max_id_bytes, false);
  if (!slot) return slot.error();
  ev.slot = std::move(slot.value());
  return ok_value;
}

status decode_quantity(const json& j, const std::string& where, int32_t& out) {
  auto q = detail::read_int(j, "quantity", where, 1, limits::max_quantity, false, 1);
  if (!q) return q.error();
  out = static_cast<int32_t>(q.value());
  return ok_value;
}

status decode_lines(const json& j, const std::string& where, event& ev) {
  const std::string path = detail::path_join(where, "items");
  auto it = j.find("items");
  if (it == j.end()) return make_error(errc::missing_field, "purchase needs items", path);
  if (!it->is_array()) return make_error(errc::invalid_field, "expected an array", path);
  if (it->empty()) return make_error(errc::invalid_field, "must not be empty", path);
  if (it->size() > limits::max_items_per_event) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_items_per_event) + " items", path);
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& line = (*it)[i];
    const std::string lp = detail::path_index(path, i);
    if (!line.is_object()) return make_error(errc::invalid_field, "expected an object", lp);
    if (auto s = detail::check_known_keys(line, {"item_id", "quantity", "price"}, lp); !s) {
      return s.error();
    }
    line_item li;
    auto item = detail::read_string(line, "item_id", lp, limits::max_id_bytes, true);
    if (!item) return item.error();
    li.item_id = std::move(item.value());
    if (auto s = decode_quantity(line, lp, li.quantity); !s) return s.error();
    auto price = detail::read_number(line, "price", lp, 0.0, 1e12, true);
    if (!price) return price.error();
    auto minor = detail::to_minor_units(price.value(), ev.currency);
    if (!minor) return make_error(minor.error().code, minor.error().message,
                                  detail::path_join(lp, "price"));
    li.price_minor = minor.value();
    ev.lines.push_back(std::move(li));
  }
  return ok_value;
}

status decode_item_ids(const json& j, const std::string& where, event& ev) {
  const std::string path = detail::path_join(where, "item_ids");
  auto it = j.find("item_ids");
  if (it == j.end()) return make_error(errc::missing_field, "impression needs item_ids", path);
  if (!it->is_array()) return make_error(errc::invalid_field, "expected an array", path);
  if (it->size() > limits::max_items_per_event) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_items_per_event) + " ids", path);
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    const std::string ip = detail::path_index(path, i);
    if (!v.is_string()) return make_error(errc::invalid_field, "expected a string", ip);
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > limits::max_id_bytes || !detail::is_valid_utf8(s)) {
      return make_error(errc::invalid_field, "must be a non-empty UTF-8 id of at most 128 bytes",
                        ip);
    }
    ev.item_ids.push_back(s);
  }
  return ok_value;
}

status decode_consent(const json& j, const std::string& where, event& ev) {
  bool* flags[] = {&ev.consent.analytics, &ev.consent.personalization, &ev.consent.marketing};
  const char* names[] = {"analytics", "personalization", "marketing"};
  for (int k = 0; k < 3; ++k) {
    auto it = j.find(names[k]);
    const std::string path = detail::path_join(where, names[k]);
    if (it == j.end()) return make_error(errc::missing_field, "consent needs all three flags", path);
    if (!it->is_boolean()) {
      return make_error(errc::invalid_field, std::string("expected a boolean, got ") +
                                                 it->type_name(), path);
    }
    *flags[k] = it->get<bool>();
  }
  return ok_value;
}

status decode_variation(const json& j, const std::string& where, event& ev) {
  const std::string path = detail::path_join(where, "variation");
  auto it = j.find("variation");
  if (it == j.end()) return make_error(errc::missing_field, "exposure needs a variation", path);
  if (it->is_number_integer() && !it->is_number_unsigned() ? it->get<int64_t>() >= 0
                                                            : it->is_number_unsigned()) {
    ev.variation = std::to_string(it->get<int64_t>());
    return ok_value;
  }
  auto v = detail::read_string(j, "variation", where, limits::max_id_bytes, true);
  if (!v) return v.error();
  ev.variation = std::move(v.value());
  return ok_value;
}

// Reads the fields that belong to ev.type; every other key is rejected.
status decode_by_type(const json& j, const std::string& where, event& ev) {
  switch (ev.type) {
    case event_type::view:
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "item_id"}, where); !s)
        return s;
      return decode_item_id(j, where, ev);
    case event_type::click:
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "item_id", "slot"},
                                            where); !s)
        return s;
      if (auto s = decode_item_id(j, where, ev); !s) return s;
      return decode_slot(j, where, ev);
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "item_id", "quantity"},
                                            where); !s)
        return s;
      if (auto s = decode_item_id(j, where, ev); !s) return s;
      return decode_quantity(j, where, ev.quantity);
    case event_type::purchase: {
      if (auto s = detail::check_known_keys(
              j, {"id", "type", "ts", "uid", "order_id", "currency", "items"}, where); !s)
        return s;
      auto order = detail::read_string(j, "order_id", where, limits::max_id_bytes, false);
      if (!order) return order.error();
      ev.order_id = std::move(order.value());
      auto cur = detail::read_string(j, "currency", where, 3, true);
      if (!cur) return cur.error();
      if (!detail::is_currency_code(cur.value())) {
        return make_error(errc::invalid_field, "must be a 3-letter ISO 4217 code like \"GBP\"",
                          detail::path_join(where, "currency"));
      }
      ev.currency = std::move(cur.value());
      return decode_lines(j, where, ev);
    }
    case event_type::search: {
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "query"}, where); !s)
        return s;
      auto q = detail::read_string(j, "query", where, limits::max_query_bytes, true);
      if (!q) return q.error();
      ev.query = std::move(q.value());
      return ok_value;
    }
    case event_type::impression:
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "item_ids", "slot"},
                                            where); !s)
        return s;
      if (auto s = decode_item_ids(j, where, ev); !s) return s;
      return decode_slot(j, where, ev);
    case event_type::exposure: {
      if (auto s = detail::check_known_keys(
              j, {"id", "type", "ts", "uid", "experiment", "variation"}, where); !s)
        return s;
      auto e = detail::read_string(j, "experiment", where, limits::max_id_bytes, true);
      if (!e) return e.error();
      ev.experiment = std::move(e.value());
      return decode_variation(j, where, ev);
    }
    case event_type::consent:
      if (auto s = detail::check_known_keys(
              j, {"id", "type", "ts", "uid", "analytics", "personalization", "marketing"}, where);
          !s)
        return s;
      return decode_consent(j, where, ev);
    case event_type::identify: {
      if (auto s = detail::check_known_keys(j, {"id", "type", "ts", "uid", "previous_uid"},
                                            where); !s)
        return s;
      auto p = detail::read_string(j, "previous_uid", where, limits::max_id_bytes, true);
      if (!p) return p.error();
      if (p.value() == ev.uid) {
        return make_error(errc::invalid_field, "must differ from uid",
                          detail::path_join(where, "previous_uid"));
      }
      ev.previous_uid = std::move(p.value());
      return ok_value;
    }
  }
  return make_error(errc::internal, "unhandled event type", where);
}

}  // namespace

std::string_view event_type_name(event_type type) noexcept {
  auto i = static_cast<std::size_t>(type);
  return i < type_names.size() ? type_names[i] : "unknown";
}

std::optional<event_type> parse_event_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < type_names.size(); ++i) {
    if (type_names[i] == name) return static_cast<event_type>(i);
  }
  return std::nullopt;
}

namespace detail {

result<event> decode_event_value(const json& j, const std::string& where) {
  if (!j.is_object()) {
    return make_error(errc::invalid_field, std::string("an event must be an object, got ") +
                                               j.type_name(), where);
  }
  const std::string type_path = path_join(where, "type");
  auto t = j.find("type");
  if (t == j.end()) return make_error(errc::missing_field, "event has no type", type_path);
  if (!t->is_string()) return make_error(errc::invalid_field, "expected a string", type_path);
  auto type = parse_event_type(t->get_ref<const std::string&>());
  if (!type) {
    std::string name = t->get<std::string>().substr(0, 64);
    return make_error(errc::unknown_event_type,
                      "unknown event type \"" + name +
                          "\"; expected one of view, click, add_to_cart, remove_from_cart, "
                          "purchase, search, impression, exposure, consent, identify",
                      type_path);
  }
  event ev;
  ev.type = *type;
  if (auto s = decode_common(j, where, ev); !s) return s.error();
  if (auto s = decode_by_type(j, where, ev); !s) return s.error();
  return ev;
}

json event_to_json(const event& ev) {
  json j = json::object();
  j["id"] = ev.id;
  j["type"] = std::string(event_type_name(ev.type));
  j["ts"] = ev.ts_ms;
  j["uid"] = ev.uid;
  switch (ev.type) {
    case event_type::view:
      j["item_id"] = ev.item_id;
      break;
    case event_type::click:
      j["item_id"] = ev.item_id;
      if (!ev.slot.empty()) j["slot"] = ev.slot;
      break;
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
      j["item_id"] = ev.item_id;
      j["quantity"] = ev.quantity;
      break;
    case event_type::purchase: {
      if (!ev.order_id.empty()) j["order_id"] = ev.order_id;
      j["currency"] = ev.currency;
      json items = json::array();
      for (const auto& li : ev.lines) {
        items.push_back({{"item_id", li.item_id},
                         {"quantity", li.quantity},
                         {"price", from_minor_units(li.price_minor, ev.currency)}});
      }
      j["items"] = std::move(items);
      break;
    }
    case event_type::search:
      j["query"] = ev.query;
      break;
    case event_type::impression:
      j["item_ids"] = ev.item_ids;
      if (!ev.slot.empty()) j["slot"] = ev.slot;
      break;
    case event_type::exposure:
      j["experiment"] = ev.experiment;
      j["variation"] = ev.variation;
      break;
    case event_type::consent:
      j["analytics"] = ev.consent.analytics;
      j["personalization"] = ev.consent.personalization;
      j["marketing"] = ev.consent.marketing;
      break;
    case event_type::identify:
      j["previous_uid"] = ev.previous_uid;
      break;
  }
  return j;
}

}  // namespace detail

namespace detail {

result<event> decode_event_dom(std::string_view text) {
  auto j = parse_json(text, limits::max_event_bytes);
  if (!j) return j.error();
  return decode_event_value(j.value(), "");
}

}  // namespace detail

// A profile read decodes thousands of stored events: plain valid ones go
// around the DOM; anything else, and every error, takes the DOM path, which
// words it.
result<event> decode_event(std::string_view text) noexcept {
  try {
    if (auto plain = detail::read_single_event(text)) return std::move(*plain);
    return detail::decode_event_dom(text);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string encode_event(const event& ev) {
  std::string out;
  if (detail::write_event_json(ev, out)) return out;
  // A string that is not valid UTF-8: dump_json's replacement characters.
  return detail::dump_json(detail::event_to_json(ev));
}

namespace detail {

result<batch> decode_events_dom(std::string_view text) {
  auto j = parse_json(text);
  if (!j) return j.error();
  batch out;
  if (j->is_object()) {
    auto ev = decode_event_value(j.value(), "");
    if (ev) out.events.push_back(std::move(ev.value()));
    else out.rejected.push_back(std::move(ev).error());
    return out;
  }
  if (!j->is_array()) {
    return make_error(errc::invalid_field, "expected an event object or an array of events");
  }
  if (j->size() > limits::max_events_per_batch) {
    return make_error(errc::limit_exceeded,
                      "batch has " + std::to_string(j->size()) + " events; the limit is " +
                          std::to_string(limits::max_events_per_batch));
  }
  for (std::size_t i = 0; i < j->size(); ++i) {
    auto ev = decode_event_value((*j)[i], path_index("", i));
    if (ev) out.events.push_back(std::move(ev.value()));
    else out.rejected.push_back(std::move(ev).error());
  }
  return out;
}

}  // namespace detail

result<batch> decode_events(std::string_view text) noexcept {
  try {
    // Plain valid batches go around the DOM; the reader declines everything
    // else, and the DOM path decodes it and words the errors.
    if (auto plain = detail::read_event_batch(text, limits::max_events_per_batch)) {
      batch out;
      out.events = std::move(*plain);
      return out;
    }
    return detail::decode_events_dom(text);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<batch> decode_event_lines(std::string_view text) noexcept {
  try {
    batch out;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      const std::string where = "line " + std::to_string(line_no);
      auto j = detail::parse_json(line, limits::max_event_bytes);
      if (!j) {
        auto e = std::move(j).error();
        e.where = where + (e.where.empty() ? "" : " " + e.where);
        out.rejected.push_back(std::move(e));
        continue;
      }
      auto ev = detail::decode_event_value(j.value(), "");
      if (ev) {
        out.events.push_back(std::move(ev.value()));
      } else {
        auto e = std::move(ev).error();
        e.where = where + (e.where.empty() ? "" : ": " + e.where);
        out.rejected.push_back(std::move(e));
      }
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
