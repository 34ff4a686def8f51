#include "experiments.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/json.hpp"
#include "event/money.hpp"
#include "tailor/event.hpp"
#include "tailor/experiment.hpp"

namespace tailor::sync {

using json = nlohmann::json;

std::optional<std::string> gb_definitions_of(const json& config) {
  if (!config.is_object()) return std::nullopt;
  json defs = json::object();
  for (const char* k : {"features", "savedGroups", "contextualBandits"}) {
    if (auto it = config.find(k); it != config.end()) defs[k] = *it;
  }
  if (defs.empty()) return std::nullopt;
  return defs.dump();
}

namespace {

std::optional<experiment_layout> layout_of(const json& rule) {
  const auto v = rule.find("variations");
  if (v == rule.end() || !v->is_array() || v->empty()) return std::nullopt;
  experiment_layout out;
  const std::size_t n = v->size();
  const json* meta = nullptr;
  if (auto m = rule.find("meta"); m != rule.end() && m->is_array()) meta = &*m;
  for (std::size_t i = 0; i < n; ++i) {
    std::string key = std::to_string(i);
    if (meta && i < meta->size() && (*meta)[i].is_object()) {
      if (auto k = (*meta)[i].find("key"); k != (*meta)[i].end() && k->is_string()) {
        key = k->get<std::string>();
      }
    }
    out.variations.push_back(std::move(key));
  }
  double total = 0;
  if (auto w = rule.find("weights"); w != rule.end() && w->is_array() && w->size() == n) {
    for (const auto& x : *w) {
      const double d = x.is_number() ? x.get<double>() : -1;
      if (!(d >= 0) || !std::isfinite(d)) {
        out.weights.clear();
        break;
      }
      out.weights.push_back(d);
      total += d;
    }
  }
  if (out.weights.size() != n || !(total > 0)) {
    out.weights.assign(n, 1.0 / static_cast<double>(n));
  } else {
    for (double& d : out.weights) d /= total;
  }
  return out;
}

}  // namespace

std::optional<experiment_layout> find_experiment(const json& config, std::string_view key) {
  if (!config.is_object()) return std::nullopt;
  if (auto f = config.find("features"); f != config.end() && f->is_object()) {
    for (auto it = f->begin(); it != f->end(); ++it) {
      if (!it->is_object()) continue;
      auto rules = it->find("rules");
      if (rules == it->end() || !rules->is_array()) continue;
      for (const auto& rule : *rules) {
        if (!rule.is_object() || !rule.contains("variations")) continue;
        std::string k = it.key();
        if (auto rk = rule.find("key"); rk != rule.end() && rk->is_string() && !rk->get<std::string>().empty()) {
          k = rk->get<std::string>();
        }
        if (k == key) return layout_of(rule);
      }
    }
  }
  if (auto e = config.find("experiments"); e != config.end() && e->is_array()) {
    for (const auto& exp : *e) {
      if (exp.is_object() && exp.value("key", json()) == json(std::string(key))) return layout_of(exp);
    }
  }
  return std::nullopt;
}

result<std::string> experiment_results(std::string_view key, const std::vector<exposure_row>& rows,
                                       const std::optional<experiment_layout>& layout,
                                       const results_options& options) noexcept {
  try {
    struct shopper {
      std::string variation;
      bool converted = false;
      int64_t purchases = 0;
      double revenue = 0;  // in the chosen currency, major units
    };
    // Pass 1: decode purchases once, pick the currency.
    std::vector<std::optional<event>> purchases(rows.size());
    std::map<std::string, int64_t> by_currency;
    int64_t undecodable = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].purchase.empty()) continue;
      auto ev = decode_event(rows[i].purchase);
      if (!ev || ev->type != event_type::purchase) {
        ++undecodable;
        continue;
      }
      ++by_currency[ev->currency];
      purchases[i] = std::move(ev.value());
    }
    std::string currency = options.currency;
    if (currency.empty()) {
      int64_t best = 0;
      for (const auto& [c, n] : by_currency) {
        if (n > best) {
          best = n;
          currency = c;
        }
      }
    }
    // Pass 2: one record per shopper (rows are ordered by uid).
    std::map<std::string, shopper> users;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& s = users[rows[i].uid];
      s.variation = rows[i].variation;
      if (!purchases[i]) continue;
      const event& p = *purchases[i];
      s.converted = true;
      ++s.purchases;
      if (p.currency != currency) continue;
      for (const auto& line : p.lines) {
        s.revenue += detail::from_minor_units(line.price_minor, currency) * line.quantity;
      }
    }
    struct arm_total {
      int64_t exposed = 0, converted = 0, purchases = 0;
      double revenue = 0, revenue_sq = 0;
    };
    std::map<std::string, arm_total> totals;
    for (const auto& [uid, s] : users) {
      auto& t = totals[s.variation];
      ++t.exposed;
      t.converted += s.converted ? 1 : 0;
      t.purchases += s.purchases;
      t.revenue += s.revenue;
      t.revenue_sq += s.revenue * s.revenue;
    }
    std::vector<std::string> order;
    std::vector<double> weights;
    json other = json::array();
    if (layout) {
      order = layout->variations;
      weights = layout->weights;
      for (const auto& [v, t] : totals) {
        if (std::find(order.begin(), order.end(), v) == order.end()) {
          other.push_back({{"variation", v}, {"exposed", t.exposed}});
        }
      }
    } else {
      for (const auto& [v, t] : totals) order.push_back(v);
    }
    json vars = json::array();
    json arms = json::array();
    for (const auto& v : order) {
      const arm_total t = totals.count(v) ? totals[v] : arm_total{};
      vars.push_back({{"variation", v}, {"exposed", t.exposed}, {"converted", t.converted},
                      {"purchases", t.purchases}, {"revenue", t.revenue}});
      arms.push_back({{"key", v}, {"users", t.exposed}, {"conversions", t.converted},
                      {"revenue", t.revenue}, {"revenue_sq", t.revenue_sq}});
    }
    json out = json::object();
    out["experiment"] = std::string(key);
    out["defined_in_config"] = layout.has_value();
    out["control"] = order.empty() ? json(nullptr) : json(order.front());
    out["currency"] = currency.empty() ? json(nullptr) : json(currency);
    out["variations"] = std::move(vars);
    out["other_variations"] = std::move(other);
    out["undecodable_purchases"] = undecodable;
    if (order.size() >= 2 && order.size() <= max_arms) {
      json in = {{"arms", arms}, {"sequential", options.sequential}};
      if (!weights.empty()) in["expected_weights"] = weights;
      auto a = analyze_json(in.dump());
      if (!a) return a.error();
      out["analysis"] = json::parse(a.value());
    } else {
      out["analysis"] = nullptr;
    }
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what(), "results");
  }
}

}  // namespace tailor::sync
