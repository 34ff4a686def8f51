// Profile configuration: strict JSON, every field optional with a default.
#include <array>
#include <set>

#include "profile/profile_impl.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr std::array<std::string_view, intent_signal_count> signal_names{
    "product_views", "distinct_items", "add_to_cart", "remove_from_cart", "searches",
    "cart_items",    "minutes",        "returning",   "past_orders",      "purchased"};
constexpr std::array<double, intent_signal_count> signal_caps{20, 20, 10, 10, 10,
                                                              10, 60, 1,  10, 1};
constexpr std::array<double, intent_signal_count> default_intent_weights{
    0.15, 0.05, 0.9, -0.4, 0.2, 0.5, 0.02, 0.4, 0.3, -2.0};

constexpr double max_days = 36500.0;
constexpr double max_weight = 1000.0;

// Config errors keep their where path; anything but a limit becomes invalid_config.
error as_config_error(error e) {
  if (e.code != errc::limit_exceeded && e.code != errc::invalid_condition) e.code = errc::invalid_config;
  return e;
}

status check_object(const json& j, const std::string& where) {
  if (!j.is_object()) {
    return make_error(errc::invalid_config, std::string("expected an object, got ") + j.type_name(),
                      where);
  }
  return ok_value;
}

status parse_weights(const json& j, const std::string& where, profile_config::impl& c) {
  if (auto s = check_object(j, where); !s) return s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = detail::path_join(where, it.key());
    auto type = parse_event_type(it.key());
    if (!type) return make_error(errc::invalid_config, "unknown event type", p);
    auto w = detail::read_number(j, it.key().c_str(), where, -max_weight, max_weight, true);
    if (!w) return as_config_error(w.error());
    c.weights[static_cast<std::size_t>(*type)] = w.value();
  }
  return ok_value;
}

status parse_lifecycle(const json& j, const std::string& where, profile_config::impl& c) {
  if (auto s = check_object(j, where); !s) return s;
  if (auto s = detail::check_known_keys(j, {"new_days", "active_days", "lapsed_days"}, where); !s)
    return as_config_error(s.error());
  auto n = detail::read_number(j, "new_days", where, 0, max_days, false, c.new_days);
  if (!n) return as_config_error(n.error());
  auto a = detail::read_number(j, "active_days", where, 0, max_days, false, c.active_days);
  if (!a) return as_config_error(a.error());
  auto l = detail::read_number(j, "lapsed_days", where, 0, max_days, false, c.lapsed_days);
  if (!l) return as_config_error(l.error());
  if (!(a.value() < l.value())) {
    return make_error(errc::invalid_config, "active_days must be less than lapsed_days", where);
  }
  c.new_days = n.value();
  c.active_days = a.value();
  c.lapsed_days = l.value();
  return ok_value;
}

status parse_bands(const json& j, const std::string& where, profile_config::impl& c) {
  if (!j.is_array()) return make_error(errc::invalid_config, "expected an array of bands", where);
  if (j.size() > 64) return make_error(errc::limit_exceeded, "more than 64 price bands", where);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = detail::path_index(where, i);
    if (auto s = check_object(j[i], p); !s) return s;
    if (auto s = detail::check_known_keys(j[i], {"id", "max"}, p); !s) return as_config_error(s.error());
    profile_detail::price_band b;
    auto id = detail::read_string(j[i], "id", p, limits::max_id_bytes, true);
    if (!id) return as_config_error(id.error());
    b.id = std::move(id.value());
    if (!ids.insert(b.id).second) {
      return make_error(errc::duplicate_id, "price band \"" + b.id + "\" appears twice",
                        detail::path_join(p, "id"));
    }
    if (j[i].contains("max")) {
      auto m = detail::read_number(j[i], "max", p, 0, 1e12, true);
      if (!m) return as_config_error(m.error());
      b.max_major = m.value();
      if (!c.price_bands.empty() && !(b.max_major > c.price_bands.back().max_major)) {
        return make_error(errc::invalid_config, "band maxima must increase",
                          detail::path_join(p, "max"));
      }
    } else {
      if (i + 1 != j.size()) {
        return make_error(errc::invalid_config, "only the last band may omit max",
                          detail::path_join(p, "max"));
      }
      b.open = true;
    }
    c.price_bands.push_back(std::move(b));
  }
  return ok_value;
}

status parse_intent(const json& j, const std::string& where, profile_config::impl& c) {
  if (auto s = check_object(j, where); !s) return s;
  if (auto s = detail::check_known_keys(j, {"bias", "weights"}, where); !s)
    return as_config_error(s.error());
  auto b = detail::read_number(j, "bias", where, -100, 100, false, c.intent_bias);
  if (!b) return as_config_error(b.error());
  c.intent_bias = b.value();
  if (auto w = j.find("weights"); w != j.end()) {
    const std::string wp = detail::path_join(where, "weights");
    if (auto s = check_object(*w, wp); !s) return s;
    for (auto it = w->begin(); it != w->end(); ++it) {
      std::size_t k = 0;
      while (k < signal_names.size() && signal_names[k] != it.key()) ++k;
      if (k == signal_names.size()) {
        return make_error(errc::invalid_config, "unknown intent signal",
                          detail::path_join(wp, it.key()));
      }
      auto v = detail::read_number(*w, it.key().c_str(), wp, -100, 100, true);
      if (!v) return as_config_error(v.error());
      c.intent_weights[k] = v.value();
    }
  }
  return ok_value;
}

status parse_segments(const json& j, const std::string& where, profile_config::impl& c) {
  if (!j.is_array()) return make_error(errc::invalid_config, "expected an array of segments", where);
  if (j.size() > limits::max_segments) {
    return make_error(errc::limit_exceeded,
                      std::to_string(j.size()) + " segments; the limit is " +
                          std::to_string(limits::max_segments),
                      where);
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = detail::path_index(where, i);
    if (auto s = check_object(j[i], p); !s) return s;
    if (auto s = detail::check_known_keys(j[i], {"id", "name", "condition"}, p); !s)
      return as_config_error(s.error());
    profile_detail::segment_rule r;
    auto id = detail::read_string(j[i], "id", p, limits::max_id_bytes, true);
    if (!id) return as_config_error(id.error());
    r.id = std::move(id.value());
    if (!ids.insert(r.id).second) {
      return make_error(errc::duplicate_id, "segment \"" + r.id + "\" appears twice",
                        detail::path_join(p, "id"));
    }
    auto name = detail::read_string(j[i], "name", p, limits::max_string_bytes, false);
    if (!name) return as_config_error(name.error());
    r.name = name->empty() ? r.id : std::move(name.value());
    auto cond = j[i].find("condition");
    if (cond == j[i].end()) {
      return make_error(errc::invalid_config, "a segment needs a condition",
                        detail::path_join(p, "condition"));
    }
    if (!cond->is_object()) {
      return make_error(errc::invalid_condition, "a condition is a JSON object",
                        detail::path_join(p, "condition"));
    }
    r.condition = *cond;
    c.segments.push_back(std::move(r));
  }
  auto compiled = profile_detail::compile_segments(c.segments);
  if (!compiled) {
    // compile_segments reports "[k].condition..."; prefix the config path.
    auto e = compiled.error();
    e.where = std::string(where) + e.where;
    return e;
  }
  c.compiled = std::move(compiled.value());
  return ok_value;
}

}  // namespace

namespace profile_detail {

std::string_view intent_signal_name(intent_signal s) noexcept {
  return signal_names[static_cast<std::size_t>(s)];
}
double intent_signal_cap(intent_signal s) noexcept { return signal_caps[static_cast<std::size_t>(s)]; }

}  // namespace profile_detail

profile_config::impl::impl() {
  weights[static_cast<std::size_t>(event_type::view)] = 1.0;
  weights[static_cast<std::size_t>(event_type::click)] = 2.0;
  weights[static_cast<std::size_t>(event_type::add_to_cart)] = 5.0;
  weights[static_cast<std::size_t>(event_type::remove_from_cart)] = -3.0;
  weights[static_cast<std::size_t>(event_type::purchase)] = 10.0;
  intent_weights = default_intent_weights;
}

profile_config::profile_config() : impl_(std::make_shared<impl>()) {
  auto compiled = profile_detail::compile_segments({});
  if (compiled) std::const_pointer_cast<impl>(impl_)->compiled = std::move(compiled.value());
}

result<profile_config> parse_profile_config(std::string_view text) noexcept {
  try {
    profile_config out;
    auto c = std::make_shared<profile_config::impl>(out.get());
    std::string_view trimmed = text;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\n' ||
                                trimmed.front() == '\t' || trimmed.front() == '\r'))
      trimmed.remove_prefix(1);
    if (!trimmed.empty()) {
      auto j = detail::parse_json(text);
      if (!j) return j.error();
      if (!j->is_object()) {
        return make_error(errc::invalid_config,
                          std::string("the config must be an object, got ") + j->type_name());
      }
      if (auto s = detail::check_known_keys(j.value(),
                                            {"half_life_days", "weights", "session_timeout_minutes",
                                             "lifecycle", "price_bands", "top_k", "recent_items",
                                             "intent", "segments"},
                                            "");
          !s)
        return as_config_error(s.error());
      auto hl = detail::read_number(j.value(), "half_life_days", "", 0.001, max_days, false,
                                    c->half_life_days);
      if (!hl) return as_config_error(hl.error());
      c->half_life_days = hl.value();
      auto st = detail::read_int(j.value(), "session_timeout_minutes", "", 1, 24 * 60, false,
                                 c->session_timeout_ms / 60000);
      if (!st) return as_config_error(st.error());
      c->session_timeout_ms = st.value() * 60000;
      auto tk = detail::read_int(j.value(), "top_k", "", 1, 1000, false, c->top_k);
      if (!tk) return as_config_error(tk.error());
      c->top_k = static_cast<int32_t>(tk.value());
      auto ri = detail::read_int(j.value(), "recent_items", "", 0, 100, false, c->recent_items);
      if (!ri) return as_config_error(ri.error());
      c->recent_items = static_cast<int32_t>(ri.value());
      if (auto w = j->find("weights"); w != j->end()) {
        if (auto s = parse_weights(*w, "weights", *c); !s) return s.error();
      }
      if (auto l = j->find("lifecycle"); l != j->end()) {
        if (auto s = parse_lifecycle(*l, "lifecycle", *c); !s) return s.error();
      }
      if (auto b = j->find("price_bands"); b != j->end()) {
        if (auto s = parse_bands(*b, "price_bands", *c); !s) return s.error();
      }
      if (auto i = j->find("intent"); i != j->end()) {
        if (auto s = parse_intent(*i, "intent", *c); !s) return s.error();
      }
      if (auto sg = j->find("segments"); sg != j->end()) {
        if (auto s = parse_segments(*sg, "segments", *c); !s) return s.error();
      }
    }
    profile_config cfg;
    cfg.impl_ = std::move(c);
    return cfg;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string encode_profile_config(const profile_config& config) {
  const auto& c = config.get();
  json j = json::object();
  j["half_life_days"] = c.half_life_days;
  json w = json::object();
  for (int t = 0; t < event_type_count; ++t) {
    if (c.weights[t] != 0.0) w[std::string(event_type_name(static_cast<event_type>(t)))] = c.weights[t];
  }
  j["weights"] = std::move(w);
  j["session_timeout_minutes"] = c.session_timeout_ms / 60000;
  j["lifecycle"] = {{"new_days", c.new_days}, {"active_days", c.active_days},
                    {"lapsed_days", c.lapsed_days}};
  json bands = json::array();
  for (const auto& b : c.price_bands) {
    json o = {{"id", b.id}};
    if (!b.open) o["max"] = b.max_major;
    bands.push_back(std::move(o));
  }
  j["price_bands"] = std::move(bands);
  j["top_k"] = c.top_k;
  j["recent_items"] = c.recent_items;
  json iw = json::object();
  for (int s = 0; s < intent_signal_count; ++s) iw[std::string(signal_names[s])] = c.intent_weights[s];
  j["intent"] = {{"bias", c.intent_bias}, {"weights", std::move(iw)}};
  json segs = json::array();
  for (const auto& r : c.segments) {
    segs.push_back({{"id", r.id}, {"name", r.name}, {"condition", r.condition}});
  }
  j["segments"] = std::move(segs);
  return detail::dump_json(j);
}

}  // namespace tailor
