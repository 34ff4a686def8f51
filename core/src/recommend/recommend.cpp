// Serving: slot config, candidate sources, rules, reasons.
#include "tailor/recommend.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "common/det_math.hpp"
#include "common/json.hpp"
#include "event/event_json.hpp"
#include "recommend/sources.hpp"
#include "tailor/event.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr double ms_per_day = 86'400'000.0;
constexpr uint32_t no_category = 0xFFFFFFFFu;

enum source : int {
  src_repeat, src_ease, src_covisit, src_trending, src_popular, src_embedding, src_content, src_category_trending, src_count
};
constexpr std::array<const char*, src_count> source_names{"repeat",  "ease",      "covisit", "trending",
                                                          "popular", "embedding", "content", "category_trending"};

enum class anchor_kind { profile, context, cart, last_order };

struct rule_target {
  std::string item;      // or
  std::string category;  // prefix of the category path
  double factor = 1.0;
};

struct pin {
  std::string item;
  uint32_t position = 0;
};

struct slot_config {
  std::string name;
  uint32_t size = 10;
  anchor_kind anchor = anchor_kind::profile;
  std::array<double, src_count> weights{};
  double history_half_life_days = 240.0;
  double repeat_power = 0.5;
  bool exclude_purchased = false;
  bool exclude_in_cart = true;
  bool exclude_shown = true;
  bool in_stock_only = true;
  uint32_t max_per_category = 0;
  std::vector<pin> pins;
  std::vector<rule_target> boosts;
  std::vector<rule_target> buries;
};

double decay(int64_t age_ms, double half_life_days) {
  if (age_ms <= 0 || half_life_days <= 0) return 1.0;
  const double x = static_cast<double>(age_ms) / (half_life_days * ms_per_day);
  if (x > 1000) return 0.0;
  return detail::det_exp2(-x);
}

bool category_matches(std::string_view cat, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (cat.size() < prefix.size() || cat.compare(0, prefix.size(), prefix) != 0) return false;
  return cat.size() == prefix.size() || cat[prefix.size()] == '/';
}

result<double> read_weight(const json& obj, const char* key, const std::string& where, double fallback,
                           double max = 1e6) {
  return detail::read_number(obj, key, where, 0.0, max, false, fallback);
}

result<std::vector<rule_target>> read_targets(const json& rules, const char* key, const std::string& where,
                                              bool with_factor) {
  std::vector<rule_target> out;
  auto it = rules.find(key);
  if (it == rules.end()) return out;
  const std::string path = detail::path_join(where, key);
  if (!it->is_array()) return make_error(errc::invalid_config, "expected an array", path);
  if (it->size() > limits::max_rules) return make_error(errc::limit_exceeded, "too many rules", path);
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& r = (*it)[i];
    const std::string rp = detail::path_index(path, i);
    if (!r.is_object()) return make_error(errc::invalid_config, "expected an object", rp);
    if (auto s = with_factor ? detail::check_known_keys(r, {"item", "category", "factor"}, rp)
                             : detail::check_known_keys(r, {"item", "category"}, rp);
        !s) {
      return s.error();
    }
    rule_target t;
    auto item = detail::read_string(r, "item", rp, limits::max_id_bytes, false);
    if (!item) return item.error();
    auto cat = detail::read_string(r, "category", rp, limits::max_string_bytes, false);
    if (!cat) return cat.error();
    t.item = item.value();
    t.category = cat.value();
    if (t.item.empty() == t.category.empty()) {
      return make_error(errc::invalid_config, "give exactly one of item or category", rp);
    }
    if (with_factor) {
      auto f = detail::read_number(r, "factor", rp, 0.0, 1000.0, true);
      if (!f) return f.error();
      t.factor = f.value();
    }
    out.push_back(std::move(t));
  }
  return out;
}

result<slot_config> parse_slot(const std::string& name, const json& j, const std::string& where) {
  if (!j.is_object()) return make_error(errc::invalid_config, "slot must be an object", where);
  if (auto s = detail::check_known_keys(j, {"size", "anchor", "sources", "history_half_life_days", "repeat_power", "rules"}, where); !s) {
    return s.error();
  }
  slot_config c;
  c.name = name;
  auto size = detail::read_int(j, "size", where, 1, limits::max_rec_size, false, 10);
  if (!size) return size.error();
  c.size = static_cast<uint32_t>(size.value());
  auto anchor = detail::read_string(j, "anchor", where, 32, false);
  if (!anchor) return anchor.error();
  const std::string& a = anchor.value();
  if (a.empty() || a == "profile") {
    c.anchor = anchor_kind::profile;
  } else if (a == "context") {
    c.anchor = anchor_kind::context;
  } else if (a == "cart") {
    c.anchor = anchor_kind::cart;
  } else if (a == "last_order") {
    c.anchor = anchor_kind::last_order;
  } else {
    return make_error(errc::invalid_config, "anchor must be profile, context, cart or last_order",
                      detail::path_join(where, "anchor"));
  }
  auto hl = read_weight(j, "history_half_life_days", where, 240.0, 100000.0);
  if (!hl) return hl.error();
  c.history_half_life_days = hl.value();
  auto rp = read_weight(j, "repeat_power", where, 0.5, 10.0);
  if (!rp) return rp.error();
  c.repeat_power = rp.value();
  if (auto it = j.find("sources"); it != j.end()) {
    const std::string sp = detail::path_join(where, "sources");
    if (!it->is_object()) return make_error(errc::invalid_config, "expected an object", sp);
    if (auto s = detail::check_known_keys(*it, {"repeat", "ease", "covisit", "trending", "popular", "embedding", "content", "category_trending"}, sp); !s) {
      return s.error();
    }
    for (int s = 0; s < src_count; ++s) {
      auto w = read_weight(*it, source_names[s], sp, 0.0);
      if (!w) return w.error();
      c.weights[s] = w.value();
    }
  } else {
    c.weights = {1.0, 0.25, 0.0, 0.025, 0.0};
  }
  if (auto it = j.find("rules"); it != j.end()) {
    const std::string rpth = detail::path_join(where, "rules");
    const json& r = *it;
    if (!r.is_object()) return make_error(errc::invalid_config, "expected an object", rpth);
    if (auto s = detail::check_known_keys(r, {"exclude_purchased", "exclude_in_cart", "exclude_shown", "in_stock_only",
                                              "max_per_category", "pins", "boosts", "buries"},
                                          rpth);
        !s) {
      return s.error();
    }
    auto flag = [&](const char* key, bool& out) -> status {
      auto f = r.find(key);
      if (f == r.end()) return ok_value;
      if (!f->is_boolean()) return make_error(errc::invalid_config, "expected true or false", detail::path_join(rpth, key));
      out = f->get<bool>();
      return ok_value;
    };
    for (auto [key, ptr] : {std::pair{"exclude_purchased", &c.exclude_purchased}, std::pair{"exclude_in_cart", &c.exclude_in_cart},
                            std::pair{"exclude_shown", &c.exclude_shown}, std::pair{"in_stock_only", &c.in_stock_only}}) {
      if (auto s = flag(key, *ptr); !s) return s.error();
    }
    auto cap = detail::read_int(r, "max_per_category", rpth, 0, limits::max_rec_size, false, 0);
    if (!cap) return cap.error();
    c.max_per_category = static_cast<uint32_t>(cap.value());
    if (auto p = r.find("pins"); p != r.end()) {
      const std::string pp = detail::path_join(rpth, "pins");
      if (!p->is_array()) return make_error(errc::invalid_config, "expected an array", pp);
      if (p->size() > limits::max_rules) return make_error(errc::limit_exceeded, "too many pins", pp);
      for (std::size_t i = 0; i < p->size(); ++i) {
        const std::string ip = detail::path_index(pp, i);
        if (!(*p)[i].is_object()) return make_error(errc::invalid_config, "expected an object", ip);
        if (auto s = detail::check_known_keys((*p)[i], {"item", "position"}, ip); !s) return s.error();
        auto item = detail::read_string((*p)[i], "item", ip, limits::max_id_bytes, true);
        if (!item) return item.error();
        auto pos = detail::read_int((*p)[i], "position", ip, 0, limits::max_rec_size - 1, true);
        if (!pos) return pos.error();
        c.pins.push_back({item.value(), static_cast<uint32_t>(pos.value())});
      }
    }
    auto boosts = read_targets(r, "boosts", rpth, true);
    if (!boosts) return boosts.error();
    c.boosts = std::move(boosts.value());
    auto buries = read_targets(r, "buries", rpth, false);
    if (!buries) return buries.error();
    c.buries = std::move(buries.value());
  }
  return c;
}

result<std::map<std::string, slot_config>> parse_config(std::string_view text) {
  auto j = detail::parse_json(text, limits::max_bundle_config_bytes);
  if (!j) return j.error();
  if (!j->is_object()) return make_error(errc::invalid_config, "config must be a JSON object", "config");
  std::map<std::string, slot_config> out;
  auto slots = j->find("slots");
  if (slots == j->end()) return out;
  if (!slots->is_object()) return make_error(errc::invalid_config, "slots must be an object", "config.slots");
  if (slots->size() > limits::max_slots) return make_error(errc::limit_exceeded, "too many slots", "config.slots");
  for (auto it = slots->begin(); it != slots->end(); ++it) {
    auto c = parse_slot(it.key(), it.value(), "config.slots." + it.key());
    if (!c) return c.error();
    out.emplace(it.key(), std::move(c.value()));
  }
  return out;
}

struct candidate {
  uint32_t item = 0;
  std::array<double, src_count> raw{};
  std::array<uint32_t, src_count> because{};  // anchor item with the largest contribution (+1; 0 = none)
  std::array<double, src_count> best{};
  double score = 0;
  bool pinned = false;
  bool buried = false;
};

result<std::vector<std::string>> read_ids(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) return make_error(errc::invalid_field, "expected an array of ids", key);
  if (it->size() > limits::max_request_ids) {
    return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_request_ids) + " ids", key);
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
        v.get_ref<const std::string&>().size() > limits::max_id_bytes) {
      return make_error(errc::invalid_field, "expected a non-empty id string", detail::path_index(key, i));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

struct recommender::impl {
  bundle_view b;
  std::map<std::string, slot_config> slots;
  std::vector<uint32_t> top_trending, top_popular;  // precomputed fallback candidates
  recommend_detail::category_trending category_trend;
};

recommender::recommender() = default;
recommender::~recommender() = default;
recommender::recommender(recommender&&) noexcept = default;
recommender& recommender::operator=(recommender&&) noexcept = default;

const bundle_view& recommender::bundle() const noexcept { return p_->b; }

std::vector<std::string> recommender::slot_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : p_->slots) out.push_back(k);
  return out;
}

std::string default_recommend_config() {
  return R"({"slots":{)"
         R"("home":{"size":10,"anchor":"profile","sources":{"repeat":1,"ease":0.25,"trending":0.025},"rules":{"max_per_category":3}},)"
         R"("browse":{"size":10,"anchor":"profile","sources":{"ease":1,"covisit":0.3,"trending":0.1,"embedding":0.2,"category_trending":0.1},"rules":{"exclude_purchased":true,"max_per_category":4}},)"
         R"("similar":{"size":10,"anchor":"context","sources":{"ease":1,"covisit":0.5,"popular":0.01,"embedding":0.2,"content":0.3}},)"
         R"("bought_together":{"size":6,"anchor":"context","sources":{"covisit":1,"ease":0.3}},)"
         R"("cart":{"size":6,"anchor":"cart","sources":{"ease":1,"covisit":0.5,"trending":0.02},"rules":{"exclude_in_cart":true}},)"
         R"("post_purchase":{"size":6,"anchor":"last_order","sources":{"ease":1,"covisit":0.5},"rules":{"exclude_purchased":true}})"
         R"(}})";
}

status validate_recommend_config(std::string_view config_json) noexcept {
  try {
    auto c = parse_config(config_json);
    if (!c) return c.error();
    return ok_value;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<recommender> recommender::open(std::string_view bytes) noexcept {
  try {
    auto b = open_bundle(bytes);
    if (!b) return b.error();
    auto slots = parse_config(b->config_json());
    if (!slots) return slots.error();
    recommender r;
    r.p_ = std::make_unique<impl>();
    r.p_->b = b.value();
    r.p_->slots = std::move(slots.value());
    const uint32_t n = r.p_->b.item_count();
    auto top = [&](const float* v) {
      std::vector<uint32_t> idx(n);
      for (uint32_t i = 0; i < n; ++i) idx[i] = i;
      const std::size_t k = std::min<std::size_t>(n, 500);
      std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                        [&](uint32_t a, uint32_t c) { return v[a] != v[c] ? v[a] > v[c] : a < c; });
      idx.resize(k);
      return idx;
    };
    r.p_->top_trending = top(r.p_->b.trending());
    r.p_->top_popular = top(r.p_->b.popularity());
    r.p_->category_trend = recommend_detail::category_trending::build(r.p_->b);
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> recommender::recommend(std::string_view request_json) const noexcept {
  try {
    if (!p_) return make_error(errc::invalid_state, "recommender is not open");
    const bundle_view& b = p_->b;
    auto jr = detail::parse_json(request_json);
    if (!jr) return jr.error();
    const json& req = jr.value();
    if (!req.is_object()) return make_error(errc::invalid_field, "request must be an object");
    if (auto s = detail::check_known_keys(req, {"slot", "now", "events", "context", "cart", "exclude", "shown", "dislikes", "size", "filters"}, "");
        !s) {
      return s.error();
    }
    auto slot_name = detail::read_string(req, "slot", "", limits::max_id_bytes, true);
    if (!slot_name) return slot_name.error();
    auto sit = p_->slots.find(slot_name.value());
    if (sit == p_->slots.end()) return make_error(errc::not_found, "unknown slot \"" + slot_name.value() + "\"", "slot");
    const slot_config& cfg = sit->second;
    auto now = detail::read_int(req, "now", "", 0, 253402300799999, true);
    if (!now) return now.error();
    auto size = detail::read_int(req, "size", "", 1, limits::max_rec_size, false, cfg.size);
    if (!size) return size.error();
    std::vector<std::string> warnings;
    const uint32_t n = b.item_count();
    auto index_of = [&](const std::string& id, const char* what) -> int64_t {
      const int64_t i = b.find_item(id);
      if (i < 0) warnings.push_back(std::string(what) + ": unknown item \"" + id + "\" ignored");
      return i;
    };
    // Id lists.
    std::array<std::vector<std::string>, 5> lists;
    const char* list_keys[5] = {"context", "cart", "exclude", "shown", "dislikes"};
    for (int k = 0; k < 5; ++k) {
      auto ids = read_ids(req, list_keys[k]);
      if (!ids) return ids.error();
      lists[k] = std::move(ids.value());
    }
    // Filters.
    std::string filter_category;
    int64_t min_price = 0, max_price = limits::max_price_minor;
    bool filter_in_stock = cfg.in_stock_only;
    if (auto f = req.find("filters"); f != req.end()) {
      if (!f->is_object()) return make_error(errc::invalid_field, "expected an object", "filters");
      if (auto s = detail::check_known_keys(*f, {"category", "min_price_minor", "max_price_minor", "in_stock"}, "filters"); !s) {
        return s.error();
      }
      auto c = detail::read_string(*f, "category", "filters", limits::max_string_bytes, false);
      if (!c) return c.error();
      filter_category = c.value();
      auto lo = detail::read_int(*f, "min_price_minor", "filters", 0, limits::max_price_minor, false, 0);
      if (!lo) return lo.error();
      auto hi = detail::read_int(*f, "max_price_minor", "filters", 0, limits::max_price_minor, false, limits::max_price_minor);
      if (!hi) return hi.error();
      min_price = lo.value();
      max_price = hi.value();
      if (auto s = f->find("in_stock"); s != f->end()) {
        if (!s->is_boolean()) return make_error(errc::invalid_field, "expected true or false", "filters.in_stock");
        filter_in_stock = s->get<bool>();
      }
    }
    // Profile events -> history.
    struct hist {
      uint32_t item;
      event_type type;
      int64_t ts;
    };
    std::vector<hist> history;
    std::set<uint32_t> purchased, in_cart;
    std::vector<uint32_t> last_order;
    int64_t last_order_ts = -1;
    if (auto ev = req.find("events"); ev != req.end()) {
      if (!ev->is_array()) return make_error(errc::invalid_field, "expected an array of events", "events");
      if (ev->size() > limits::max_request_events) {
        return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_request_events) + " events", "events");
      }
      std::vector<event> evs;
      for (std::size_t i = 0; i < ev->size(); ++i) {
        auto e = detail::decode_event_value((*ev)[i], detail::path_index("events", i));
        if (!e) return e.error();
        evs.push_back(std::move(e.value()));
      }
      std::stable_sort(evs.begin(), evs.end(), [](const event& a, const event& c) { return a.ts_ms < c.ts_ms; });
      std::set<std::string> seen;
      for (const auto& e : evs) {
        if (!seen.insert(e.id).second) continue;
        auto one = [&](const std::string& id, event_type t) {
          const int64_t i = b.find_item(id);
          if (i < 0) {
            warnings.push_back("events: unknown item \"" + id + "\" ignored");
            return;
          }
          const auto u = static_cast<uint32_t>(i);
          if (t == event_type::remove_from_cart) {
            in_cart.erase(u);
            return;
          }
          history.push_back({u, t, e.ts_ms});
          if (t == event_type::add_to_cart) in_cart.insert(u);
          if (t == event_type::purchase) {
            purchased.insert(u);
            in_cart.erase(u);
          }
        };
        switch (e.type) {
          case event_type::view:
          case event_type::click:
          case event_type::add_to_cart:
          case event_type::remove_from_cart:
            one(e.item_id, e.type);
            break;
          case event_type::purchase:
            if (e.ts_ms >= last_order_ts) {
              last_order.clear();
              last_order_ts = e.ts_ms;
            }
            for (const auto& l : e.lines) {
              one(l.item_id, e.type);
              const int64_t i = b.find_item(l.item_id);
              if (i >= 0) last_order.push_back(static_cast<uint32_t>(i));
            }
            break;
          default:
            break;
        }
      }
    }
    for (const auto& id : lists[1]) {
      if (auto i = index_of(id, "cart"); i >= 0) in_cart.insert(static_cast<uint32_t>(i));
    }
    // Anchors: the items the neighbour sources start from, with strengths.
    std::map<uint32_t, double> anchors;
    std::vector<double> own;  // repeat source: own history strength
    const event_weights w;
    switch (cfg.anchor) {
      case anchor_kind::profile:
        for (const auto& h : history) {
          const double d = decay(now.value() - h.ts, cfg.history_half_life_days);
          auto& a = anchors[h.item];
          a = std::max(a, d);
        }
        break;
      case anchor_kind::context:
        for (const auto& id : lists[0]) {
          if (auto i = index_of(id, "context"); i >= 0) anchors[static_cast<uint32_t>(i)] = 1.0;
        }
        break;
      case anchor_kind::cart:
        for (uint32_t i : in_cart) anchors[i] = 1.0;
        break;
      case anchor_kind::last_order:
        for (uint32_t i : last_order) anchors[i] = 1.0;
        break;
    }
    // Candidates.
    std::vector<int32_t> slot_of(n, -1);
    std::vector<candidate> cands;
    auto cand = [&](uint32_t item) -> candidate& {
      if (slot_of[item] < 0) {
        slot_of[item] = static_cast<int32_t>(cands.size());
        cands.push_back(candidate{});
        cands.back().item = item;
      }
      return cands[static_cast<std::size_t>(slot_of[item])];
    };
    auto contribute = [&](candidate& c, int s, double v, uint32_t because) {
      c.raw[s] += v;
      if (v > c.best[s]) {
        c.best[s] = v;
        c.because[s] = because + 1;
      }
    };
    if (cfg.weights[src_repeat] > 0 && cfg.anchor == anchor_kind::profile) {
      for (const auto& h : history) {
        double v = weight_of(w, h.type) * decay(now.value() - h.ts, cfg.history_half_life_days);
        const float rr = b.repeat_rate()[h.item];
        if (cfg.repeat_power > 0 && rr > 0) v *= detail::det_exp(cfg.repeat_power * detail::det_log(rr));
        contribute(cand(h.item), src_repeat, v, h.item);
      }
    }
    for (const auto& [a, strength] : anchors) {
      if (cfg.weights[src_ease] > 0) {
        auto nb = b.ease(a);
        for (uint32_t k = 0; k < nb.count; ++k) contribute(cand(nb.items[k]), src_ease, strength * nb.weights[k], a);
      }
      if (cfg.weights[src_covisit] > 0) {
        auto nb = b.covisit(a);
        for (uint32_t k = 0; k < nb.count; ++k) contribute(cand(nb.items[k]), src_covisit, strength * nb.weights[k], a);
      }
      if (cfg.weights[src_content] > 0) {
        auto nb = b.content(a);
        for (uint32_t k = 0; k < nb.count; ++k) contribute(cand(nb.items[k]), src_content, strength * nb.weights[k], a);
      }
    }
    if (cfg.weights[src_embedding] > 0) {
      for (const auto& hit : recommend_detail::embedding_source(b, anchors, recommend_detail::embedding_candidates)) {
        cand(hit.item).raw[src_embedding] = hit.score;
      }
    }
    auto category_source = [&](const std::map<uint32_t, double>& from, int64_t fallback) {
      for (const auto& hit : recommend_detail::category_trending_source(b, p_->category_trend, from, fallback)) {
        contribute(cand(hit.item), src_category_trending, hit.score, hit.path);  // because: the category path
      }
    };
    if (cfg.weights[src_category_trending] > 0) category_source(anchors, -1);
    const bool personal = !cands.empty();
    std::array<double, src_count> wts = cfg.weights;
    if (!personal) {  // cold start: trending (of the filtered category, if any), then popularity
      wts = {};
      wts[src_trending] = 1.0;
      wts[src_popular] = 0.01;
      if (const int64_t path = p_->category_trend.find(filter_category); !filter_category.empty() && path >= 0) {
        category_source({}, path);
        wts[src_category_trending] = 1.0;
      }
    }
    if (wts[src_trending] > 0) {
      for (uint32_t i : p_->top_trending) cand(i).raw[src_trending] = b.trending()[i];
    }
    if (wts[src_popular] > 0) {
      for (uint32_t i : p_->top_popular) cand(i).raw[src_popular] = b.popularity()[i];
    }
    // Every candidate also carries global trending/popularity when those sources are on.
    for (auto& c : cands) {
      if (wts[src_trending] > 0) c.raw[src_trending] = b.trending()[c.item];
      if (wts[src_popular] > 0) c.raw[src_popular] = b.popularity()[c.item];
    }
    std::array<double, src_count> mx{};
    for (const auto& c : cands) {
      for (int s = 0; s < src_count; ++s) mx[s] = std::max(mx[s], c.raw[s]);
    }
    // Exclusions, filters, feedback.
    std::vector<char> excluded(n, 0);
    for (int k : {0, 2, 4}) {  // context, exclude, dislikes
      if (k == 0 && cfg.anchor != anchor_kind::context) continue;
      for (const auto& id : lists[static_cast<std::size_t>(k)]) {
        if (auto i = b.find_item(id); i >= 0) excluded[static_cast<std::size_t>(i)] = 1;
      }
    }
    if (cfg.exclude_shown) {
      for (const auto& id : lists[3]) {
        if (auto i = b.find_item(id); i >= 0) excluded[static_cast<std::size_t>(i)] = 1;
      }
    }
    if (cfg.exclude_purchased) {
      for (uint32_t i : purchased) excluded[i] = 1;
    }
    if (cfg.exclude_in_cart) {
      for (uint32_t i : in_cart) excluded[i] = 1;
    }
    std::vector<char> disliked_nb(n, 0);
    for (const auto& id : lists[4]) {
      const int64_t d = b.find_item(id);
      if (d < 0) continue;
      for (auto nb : {b.ease(static_cast<uint32_t>(d)), b.covisit(static_cast<uint32_t>(d))}) {
        for (uint32_t k = 0; k < nb.count; ++k) disliked_nb[nb.items[k]] = 1;
      }
    }
    auto passes = [&](uint32_t i) {
      if (excluded[i]) return false;
      if (filter_in_stock && !b.item_in_stock(i)) return false;
      const int64_t price = b.item_price_minor(i);
      if (price < min_price || price > max_price) return false;
      return category_matches(b.item_category(i), filter_category);
    };
    auto matches = [&](const rule_target& t, uint32_t i) {
      return t.item.empty() ? category_matches(b.item_category(i), t.category) : b.item_id(i) == t.item;
    };
    std::vector<uint32_t> ranked;  // indices into cands
    for (uint32_t ci = 0; ci < cands.size(); ++ci) {
      candidate& c = cands[ci];
      if (!passes(c.item)) continue;
      double s = 0;
      for (int k = 0; k < src_count; ++k) {
        if (wts[k] > 0 && mx[k] > 0) s += wts[k] * c.raw[k] / mx[k];
      }
      if (disliked_nb[c.item]) s *= 0.5;
      for (const auto& t : cfg.boosts) {
        if (matches(t, c.item)) s *= t.factor;
      }
      for (const auto& t : cfg.buries) {
        if (matches(t, c.item)) c.buried = true;
      }
      c.score = s;
      ranked.push_back(ci);
    }
    auto before = [&](uint32_t x, uint32_t y) {
      const candidate& a = cands[x];
      const candidate& c = cands[y];
      if (a.buried != c.buried) return !a.buried;
      return a.score != c.score ? a.score > c.score : a.item < c.item;
    };
    const uint32_t want = static_cast<uint32_t>(size.value());
    // Only the head needs ordering; with a category cap the head is larger, and
    // the rest is ordered only if the cap exhausts the head before `want` items.
    const std::size_t head =
        std::min<std::size_t>(ranked.size(), cfg.max_per_category > 0 ? std::size_t{want} * 8 + 64 : want);
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(head), ranked.end(), before);
    std::vector<candidate> out;
    std::map<uint32_t, uint32_t> per_cat;
    std::set<uint32_t> used;
    for (std::size_t pos = 0; pos < ranked.size() && out.size() < want; ++pos) {
      if (pos == head) std::sort(ranked.begin() + static_cast<std::ptrdiff_t>(head), ranked.end(), before);
      const candidate& c = cands[ranked[pos]];
      const uint32_t cat = b.item_category_index(c.item);
      if (cfg.max_per_category > 0 && cat != no_category && per_cat[cat] >= cfg.max_per_category) continue;
      ++per_cat[cat];
      used.insert(c.item);
      out.push_back(c);
    }
    // Pins: placed at their position (dedupe: a pinned item appears once).
    for (const auto& p : cfg.pins) {
      const int64_t i = b.find_item(p.item);
      if (i < 0) {
        warnings.push_back("pin: unknown item \"" + p.item + "\" ignored");
        continue;
      }
      const auto u = static_cast<uint32_t>(i);
      if (excluded[u] || (filter_in_stock && !b.item_in_stock(u))) continue;
      if (used.count(u)) {
        out.erase(std::remove_if(out.begin(), out.end(), [&](const candidate& c) { return c.item == u; }), out.end());
      }
      candidate c;
      c.item = u;
      c.pinned = true;
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(p.position, out.size())), c);
      used.insert(u);
      if (out.size() > want) out.resize(want);
    }
    // Decision JSON with reasons.
    json items = json::array();
    for (const auto& c : out) {
      json reasons = json::array();
      if (c.pinned) {
        reasons.push_back({{"source", "pinned"}, {"share", 1.0}});
      } else {
        double total = 0;
        std::array<double, src_count> part{};
        for (int k = 0; k < src_count; ++k) {
          part[k] = (wts[k] > 0 && mx[k] > 0) ? wts[k] * c.raw[k] / mx[k] : 0.0;
          total += part[k];
        }
        for (int k = 0; k < src_count; ++k) {
          if (part[k] <= 0) continue;
          json r{{"source", source_names[k]}, {"share", detail::round_to(total > 0 ? part[k] / total : 0, 4)}};
          if (c.because[k] > 0 && (k == src_ease || k == src_covisit || k == src_content)) {
            r["because"] = std::string(b.item_id(c.because[k] - 1));
          }
          if (c.because[k] > 0 && k == src_category_trending) r["because"] = p_->category_trend.paths[c.because[k] - 1];
          if (k == src_embedding) {
            if (const int64_t a = recommend_detail::embedding_because(b, anchors, c.item); a >= 0) {
              r["because"] = std::string(b.item_id(static_cast<uint32_t>(a)));
            }
          }
          reasons.push_back(std::move(r));
        }
        if (disliked_nb[c.item]) reasons.push_back({{"source", "negative_feedback"}, {"share", 0.0}});
        for (const auto& t : cfg.boosts) {
          if (matches(t, c.item)) reasons.push_back({{"source", "boost"}, {"share", 0.0}, {"factor", t.factor}});
        }
        if (c.buried) reasons.push_back({{"source", "bury"}, {"share", 0.0}});
      }
      items.push_back({{"id", std::string(b.item_id(c.item))},
                       {"title", std::string(b.item_title(c.item))},
                       {"score", detail::round_to(c.score, 6)},
                       {"reasons", std::move(reasons)}});
    }
    json dec{{"slot", cfg.name},
             {"items", std::move(items)},
             {"fallback", personal ? json(nullptr) : json("cold_start")},
             {"warnings", warnings}};
    return detail::dump_json(dec);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
