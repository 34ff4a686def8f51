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
#include "event/event_reader.hpp"
#include "recommend/slot_experiment.hpp"
#include "recommend/sources.hpp"
#include "tailor/repeat_features.hpp"
#include "tailor/event.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr uint32_t no_category = 0xFFFFFFFFu;

enum source : int {
  src_repeat, src_ease, src_covisit, src_trending, src_popular, src_embedding, src_content, src_category_trending,
  src_segment_trending, src_count
};
constexpr std::array<const char*, src_count> source_names{"repeat",  "ease",      "covisit", "trending",
                                                          "popular", "embedding", "content", "category_trending",
                                                          "segment_trending"};

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
  std::string experiment;  // a feature whose value picks this slot's configuration
  json raw;                // the slot's JSON, for variations that patch it
};

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
  if (auto s = detail::check_known_keys(j, {"size", "anchor", "sources", "history_half_life_days", "repeat_power", "rules", "experiment"}, where); !s) {
    return s.error();
  }
  slot_config c;
  c.name = name;
  c.raw = j;
  auto experiment = detail::read_string(j, "experiment", where, limits::max_id_bytes, false);
  if (!experiment) return experiment.error();
  c.experiment = experiment.value();
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
    if (auto s = detail::check_known_keys(*it, {"repeat", "ease", "covisit", "trending", "popular", "embedding", "content", "category_trending",
                                                      "segment_trending"}, sp); !s) {
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

// The configurations a slot's experiment can pick, parsed once: key = slot
// name + "\n" + the canonical variation value.
using variant_map = std::map<std::string, slot_config>;

std::string variant_key(const std::string& slot, const recommend_detail::slot_choice& c) {
  return slot + "\n" + (c.what == recommend_detail::slot_choice::kind::slot ? "slot:" + c.slot : detail::dump_json(c.patch));
}

// The configuration a choice stands for (a named slot keeps the requested slot's name).
result<slot_config> variant_config(const std::map<std::string, slot_config>& slots, const slot_config& base,
                                   const recommend_detail::slot_choice& c, const std::string& where) {
  if (c.what == recommend_detail::slot_choice::kind::slot) {
    auto it = slots.find(c.slot);
    if (it == slots.end()) return make_error(errc::invalid_config, "no slot named \"" + c.slot + "\"", where);
    slot_config out = it->second;
    out.name = base.name;
    return out;
  }
  json merged = base.raw;
  merged.merge_patch(c.patch);
  merged.erase("experiment");
  auto out = parse_slot(base.name, merged, where);
  if (!out) return out.error();
  out->experiment.clear();
  return out;
}

// Loads the definitions and checks every value they can assign to an
// experiment slot, so a bad variation is an error when the bundle is built.
status load_experiments(std::string_view text, const std::map<std::string, slot_config>& slots,
                        recommend_detail::slot_experiments& experiments, variant_map& variants) {
  auto j = detail::parse_json(text, limits::max_bundle_config_bytes);
  if (!j) return j.error();
  if (auto s = experiments.load(j.value()); !s) return s.error();
  for (const auto& [name, cfg] : slots) {
    if (cfg.experiment.empty()) continue;
    const auto values = experiments.values_of(cfg.experiment);
    if (experiments.has_definitions() && values.empty() &&
        !(j->contains("features") && (*j)["features"].contains(cfg.experiment))) {
      return make_error(errc::invalid_config, "slot \"" + name + "\" names experiment \"" + cfg.experiment +
                                                  "\", which config.features does not define",
                        "config.slots." + name + ".experiment");
    }
    for (const auto& [value, where] : values) {
      std::string why;
      auto c = recommend_detail::choice_of_value(value, why);
      if (!c) return make_error(errc::invalid_config, why, where);
      if (c->what == recommend_detail::slot_choice::kind::base) continue;
      auto v = variant_config(slots, cfg, *c, where);
      if (!v) return v.error();
      variants.emplace(variant_key(name, *c), std::move(v.value()));
    }
  }
  return ok_value;
}

struct candidate {
  uint32_t item = 0;
  // ease, covisit, content: the anchor with the largest contribution; category_trending: the
  // category path; segment_trending: the segment (index + 1; 0 = none)
  std::array<uint32_t, 5> because{};
  std::array<double, src_count> raw{};
  std::array<double, 5> best{};
  double score = 0;
  double blend = 0;  // the built-in ranker's score (before rules)
  bool pinned = false;
  bool buried = false;
  bool excluded = false;
  bool disliked = false;  // a neighbour of a disliked item
};

int because_slot(int s) {
  switch (s) {
    case src_ease: return 0;
    case src_covisit: return 1;
    case src_content: return 2;
    case src_category_trending: return 3;
    case src_segment_trending: return 4;
    default: return -1;
  }
}

result<std::vector<std::string>> read_ids(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) return make_error(errc::invalid_field, "expected an array of ids", key);
  if (it->size() > limits::max_request_ids) {
    return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_request_ids) + " ids", key);
  }
  out.reserve(it->size());
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

template <class T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool contains(const std::vector<uint32_t>& sorted, uint32_t x) { return std::binary_search(sorted.begin(), sorted.end(), x); }

enum serving_feature : int {
  f_own_score, f_own_count, f_repeat_rate, f_ease, f_covisit, f_trending, f_popularity, f_recency, f_is_own, f_blend,
  f_price, f_in_stock, f_category_affinity, f_embedding, f_order_share,
  f_repeat_first,  // the seven repeat-purchase features, in the offline ranker's order (repeat_features)
  f_due = f_repeat_first + 5,
  f_count = f_repeat_first + repeat_feature_count
};
constexpr std::array<const char*, f_count> feature_names{
    "own_score", "own_count", "repeat_rate", "ease", "covisit", "trending", "popularity",
    "recency", "is_own", "blend", "price", "in_stock", "category_affinity", "embedding", "order_share",
    "orders", "days_since_order", "shopper_items", "item_days", "days_since_item", "due", "own_due"};
static_assert(std::string_view(feature_names[f_due]) == "due");

}  // namespace

// Everything one request computes before the ranker orders the candidates.
struct recommend_state {
  const slot_config* cfg = nullptr;
  std::unique_ptr<slot_config> variant;  // a variation's configuration not parsed at open
  json experiment;                       // the decision's "experiment" record (null: none)
  int64_t now = 0;
  uint32_t want = 0;
  std::vector<std::string> warnings;
  // Filters.
  std::string filter_category;
  int64_t min_price = 0, max_price = limits::max_price_minor;
  bool filter_in_stock = true;
  // Profile.
  struct hist {
    uint32_t item;
    event_type type;
    int64_t ts;
    double decay;  // 2^(-age / history half-life)
  };
  std::vector<hist> history;
  std::vector<uint32_t> excluded;  // sorted
  std::map<uint32_t, double> anchor_strength;  // anchors, for the embedding and category sources
  // Candidates (slot_of maps an item to its candidate).
  std::vector<candidate> cands;
  std::array<double, src_count> wts{};
  std::array<double, src_count> mx{};
  bool personal = false;
};

struct recommender::impl {
  bundle_view b;
  std::map<std::string, slot_config> slots;
  recommend_detail::slot_experiments experiments;
  variant_map variants;
  std::vector<uint32_t> top_trending, top_popular;  // precomputed fallback candidates
  float max_trending = 0, max_popularity = 0;
  // Open-addressing id -> index table (built at open; the bundle's binary
  // search costs ~16 string compares per lookup). Empty slot = 0xFFFFFFFF.
  std::vector<uint32_t> id_table;
  uint64_t id_mask = 0;

  static uint64_t id_hash(std::string_view id) noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64
    for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
    return h ^ (h >> 29);
  }
  void build_id_table() {
    const uint32_t n = b.item_count();
    uint64_t cap = 16;
    while (cap < std::uint64_t{n} * 2) cap <<= 1;
    id_table.assign(cap, 0xFFFFFFFFu);
    id_mask = cap - 1;
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t h = id_hash(b.item_id(i)) & id_mask;
      while (id_table[h] != 0xFFFFFFFFu) h = (h + 1) & id_mask;
      id_table[h] = i;
    }
  }
  int64_t find(std::string_view id) const noexcept {
    if (id_table.empty()) return -1;
    for (uint64_t h = id_hash(id) & id_mask;; h = (h + 1) & id_mask) {
      const uint32_t i = id_table[h];
      if (i == 0xFFFFFFFFu) return -1;
      if (b.item_id(i) == id) return i;
    }
  }

  result<recommend_state> gather(std::string_view request_json) const;
  void choose_config(const slot_config& base, const json& req, recommend_state& st) const;
  std::string decide(recommend_state& st, const char* fallback, const std::vector<double>* model_scores) const;
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
         R"("browse":{"size":10,"anchor":"profile","sources":{"ease":1,"covisit":0.3,"trending":0.1,"embedding":0.2,"category_trending":0.1,"segment_trending":0.1},"rules":{"exclude_purchased":true,"max_per_category":4}},)"
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
    recommend_detail::slot_experiments experiments;
    variant_map variants;
    return load_experiments(config_json, c.value(), experiments, variants);
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
    if (auto s = load_experiments(r.p_->b.config_json(), r.p_->slots, r.p_->experiments, r.p_->variants); !s) {
      return s.error();
    }
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
    r.p_->build_id_table();
    r.p_->top_trending = top(r.p_->b.trending());
    r.p_->top_popular = top(r.p_->b.popularity());
    for (uint32_t i = 0; i < n; ++i) {
      r.p_->max_trending = std::max(r.p_->max_trending, r.p_->b.trending()[i]);
      r.p_->max_popularity = std::max(r.p_->max_popularity, r.p_->b.popularity()[i]);
    }
    r.p_->category_trend = recommend_detail::category_trending::build(r.p_->b);
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<recommend_state> recommender::impl::gather(std::string_view request_json) const {
  recommend_state st;
  // A plain request hands its events over without a DOM; anything else (and
  // every error, worded by the DOM path) takes the DOM path below.
  auto split = detail::split_events(request_json, limits::max_request_events);
  auto jr = detail::parse_json(split ? std::string_view(split->rest) : request_json);
  if (split && !jr) {
    split.reset();
    jr = detail::parse_json(request_json);
  }
  if (!jr) return jr.error();
  const json& req = jr.value();
  if (!req.is_object()) return make_error(errc::invalid_field, "request must be an object");
  if (auto s = detail::check_known_keys(req, {"slot", "now", "events", "context", "cart", "exclude", "shown", "dislikes", "size", "filters",
                                              "segments",
                                              "experiment_context", "assignments"}, "");
      !s) {
    return s.error();
  }
  auto slot_name = detail::read_string(req, "slot", "", limits::max_id_bytes, true);
  if (!slot_name) return slot_name.error();
  auto sit = slots.find(slot_name.value());
  if (sit == slots.end()) return make_error(errc::not_found, "unknown slot \"" + slot_name.value() + "\"", "slot");
  st.cfg = &sit->second;
  if (!sit->second.experiment.empty()) choose_config(sit->second, req, st);
  const slot_config& cfg = *st.cfg;
  auto now = detail::read_int(req, "now", "", 0, detail::max_event_ts_ms, true);
  if (!now) return now.error();
  st.now = now.value();
  auto size = detail::read_int(req, "size", "", 1, limits::max_rec_size, false, cfg.size);
  if (!size) return size.error();
  st.want = static_cast<uint32_t>(size.value());
  const uint32_t n = b.item_count();
  auto& warnings = st.warnings;
  auto index_of = [&](const std::string& id, const char* what) -> int64_t {
    const int64_t i = find(id);
    if (i < 0) warnings.push_back(std::string(what) + ": unknown item \"" + id + "\" ignored");
    return i;
  };
  // Id lists.
  std::array<std::vector<std::string>, 5> lists;
  const char* list_keys[5] = {"context", "cart", "exclude", "shown", "dislikes"};
  for (int k = 0; k < 5; ++k) {
    auto ids = read_ids(req, list_keys[k]);
    if (!ids) return ids.error();
    lists[static_cast<std::size_t>(k)] = std::move(ids.value());
  }
  auto segments = recommend_detail::read_request_segments(req, b, warnings);
  if (!segments) return segments.error();
  // Filters.
  st.filter_in_stock = cfg.in_stock_only;
  if (auto f = req.find("filters"); f != req.end()) {
    if (!f->is_object()) return make_error(errc::invalid_field, "expected an object", "filters");
    if (auto s = detail::check_known_keys(*f, {"category", "min_price_minor", "max_price_minor", "in_stock"}, "filters"); !s) {
      return s.error();
    }
    auto c = detail::read_string(*f, "category", "filters", limits::max_string_bytes, false);
    if (!c) return c.error();
    st.filter_category = c.value();
    auto lo = detail::read_int(*f, "min_price_minor", "filters", 0, limits::max_price_minor, false, 0);
    if (!lo) return lo.error();
    auto hi = detail::read_int(*f, "max_price_minor", "filters", 0, limits::max_price_minor, false, limits::max_price_minor);
    if (!hi) return hi.error();
    st.min_price = lo.value();
    st.max_price = hi.value();
    if (auto s = f->find("in_stock"); s != f->end()) {
      if (!s->is_boolean()) return make_error(errc::invalid_field, "expected true or false", "filters.in_stock");
      st.filter_in_stock = s->get<bool>();
    }
  }
  // Profile events -> history. Events are applied in time order (stable for
  // equal times); a repeated event id counts once (its first occurrence).
  auto& history = st.history;
  std::vector<uint32_t> purchased, in_cart, last_order;
  int64_t last_order_ts = -1;
  std::vector<event> evs;
  if (split) {
    evs = std::move(split->events);
  } else if (auto ev = req.find("events"); ev != req.end()) {
    if (!ev->is_array()) return make_error(errc::invalid_field, "expected an array of events", "events");
    if (ev->size() > limits::max_request_events) {
      return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_request_events) + " events", "events");
    }
    evs.reserve(ev->size());
    for (std::size_t i = 0; i < ev->size(); ++i) {
      auto e = detail::decode_event_value((*ev)[i], detail::path_index("events", i));
      if (!e) return e.error();
      evs.push_back(std::move(e.value()));
    }
  }
  {
    std::vector<uint32_t> order(evs.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t c) { return evs[a].ts_ms < evs[c].ts_ms; });
    // Duplicates: among events with one id, all but the earliest in `order` are skipped.
    std::vector<uint32_t> rank(evs.size()), by_id(evs.size());
    for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
    for (uint32_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
    std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t c) {
      const int cmp = evs[a].id.compare(evs[c].id);
      return cmp != 0 ? cmp < 0 : rank[a] < rank[c];
    });
    std::vector<char> dup(evs.size(), 0);
    for (std::size_t i = 1; i < by_id.size(); ++i) {
      if (evs[by_id[i]].id == evs[by_id[i - 1]].id) dup[by_id[i]] = 1;
    }
    history.reserve(evs.size());
    for (uint32_t oi : order) {
      if (dup[oi]) continue;
      const event& e = evs[oi];
      auto one = [&](const std::string& id, event_type t) -> int64_t {
        const int64_t i = find(id);
        if (i < 0) {
          warnings.push_back("events: unknown item \"" + id + "\" ignored");
          return i;
        }
        const auto u = static_cast<uint32_t>(i);
        if (t == event_type::remove_from_cart) {
          in_cart.erase(std::remove(in_cart.begin(), in_cart.end(), u), in_cart.end());
          return i;
        }
        history.push_back({u, t, e.ts_ms, detail::half_life_decay(st.now - e.ts_ms, cfg.history_half_life_days)});
        if (t == event_type::add_to_cart && std::find(in_cart.begin(), in_cart.end(), u) == in_cart.end()) in_cart.push_back(u);
        if (t == event_type::purchase) {
          purchased.push_back(u);
          in_cart.erase(std::remove(in_cart.begin(), in_cart.end(), u), in_cart.end());
        }
        return i;
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
            if (const int64_t i = one(l.item_id, e.type); i >= 0) last_order.push_back(static_cast<uint32_t>(i));
          }
          break;
        default:
          break;
      }
    }
  }
  for (const auto& id : lists[1]) {
    if (auto i = index_of(id, "cart"); i >= 0 && std::find(in_cart.begin(), in_cart.end(), static_cast<uint32_t>(i)) == in_cart.end()) {
      in_cart.push_back(static_cast<uint32_t>(i));
    }
  }
  sort_unique(in_cart);
  sort_unique(purchased);
  // Anchors: the items the neighbour sources start from (ascending), with strengths.
  std::vector<std::pair<uint32_t, double>> anchors;
  switch (cfg.anchor) {
    case anchor_kind::profile:
      anchors.reserve(history.size());
      for (const auto& h : history) anchors.emplace_back(h.item, h.decay);
      break;
    case anchor_kind::context:
      for (const auto& id : lists[0]) {
        if (auto i = index_of(id, "context"); i >= 0) anchors.emplace_back(static_cast<uint32_t>(i), 1.0);
      }
      break;
    case anchor_kind::cart:
      for (uint32_t i : in_cart) anchors.emplace_back(i, 1.0);
      break;
    case anchor_kind::last_order:
      for (uint32_t i : last_order) anchors.emplace_back(i, 1.0);
      break;
  }
  std::sort(anchors.begin(), anchors.end());
  {  // one anchor per item, with its strongest strength (the last after sorting)
    std::size_t w = 0;
    for (std::size_t r = 0; r < anchors.size(); ++r) {
      if (r + 1 < anchors.size() && anchors[r + 1].first == anchors[r].first) continue;
      anchors[w++] = anchors[r];
    }
    anchors.resize(w);
  }
  // Candidates.
  std::vector<int32_t> slot_of(n, -1);
  auto& cands = st.cands;
  {
    std::size_t expect = history.size() + 1000;
    for (const auto& a : anchors) {
      if (cfg.weights[src_ease] > 0) expect += b.ease(a.first).count;
      if (cfg.weights[src_covisit] > 0) expect += b.covisit(a.first).count;
    }
    cands.reserve(std::min<std::size_t>(expect, n));
  }
  auto cand = [&](uint32_t item) -> candidate& {
    if (slot_of[item] < 0) {
      slot_of[item] = static_cast<int32_t>(cands.size());
      cands.emplace_back();
      cands.back().item = item;
    }
    return cands[static_cast<std::size_t>(slot_of[item])];
  };
  auto contribute = [&](candidate& c, int s, double v, uint32_t because) {
    c.raw[s] += v;
    const int k = because_slot(s);
    if (k >= 0 && v > c.best[k]) {
      c.best[k] = v;
      c.because[k] = because + 1;
    }
  };
  const event_weights w;
  if (cfg.weights[src_repeat] > 0 && cfg.anchor == anchor_kind::profile) {
    uint32_t last_item = 0xFFFFFFFFu;
    double last_factor = 1.0;
    for (const auto& h : history) {
      double v = weight_of(w, h.type) * h.decay;
      if (h.item != last_item) {  // rr^power, recomputed only when the item changes
        const float rr = b.repeat_rate()[h.item];
        last_factor = cfg.repeat_power > 0 && rr > 0 ? detail::det_exp(cfg.repeat_power * detail::det_log(rr)) : 1.0;
        last_item = h.item;
      }
      v *= last_factor;
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
  if (cfg.weights[src_embedding] > 0 || cfg.weights[src_category_trending] > 0) {
    st.anchor_strength.insert(anchors.begin(), anchors.end());
  }
  if (cfg.weights[src_embedding] > 0) {
    for (const auto& hit : recommend_detail::embedding_source(b, st.anchor_strength, recommend_detail::embedding_candidates)) {
      cand(hit.item).raw[src_embedding] = hit.score;
    }
  }
  auto category_source = [&](const std::map<uint32_t, double>& from, int64_t fallback) {
    for (const auto& hit : recommend_detail::category_trending_source(b, category_trend, from, fallback)) {
      contribute(cand(hit.item), src_category_trending, hit.score, hit.path);  // because: the category path
    }
  };
  if (cfg.weights[src_category_trending] > 0) category_source(st.anchor_strength, -1);
  auto segment_source = [&] {
    for (const auto& hit : recommend_detail::segment_trending_source(b, segments.value())) {
      contribute(cand(hit.item), src_segment_trending, hit.score, hit.segment);  // because: the segment
    }
  };
  if (cfg.weights[src_segment_trending] > 0) segment_source();
  st.personal = !cands.empty();
  st.wts = cfg.weights;
  if (!st.personal) {  // cold start: trending (of the filtered category / the shopper's segments), then popularity
    st.wts = {};
    st.wts[src_trending] = 1.0;
    st.wts[src_popular] = 0.01;
    if (const int64_t path = category_trend.find(st.filter_category); !st.filter_category.empty() && path >= 0) {
      category_source({}, path);
      st.wts[src_category_trending] = 1.0;
    }
    if (!segments->empty()) {
      segment_source();
      st.wts[src_segment_trending] = 1.0;
    }
  }
  const auto& wts = st.wts;
  if (wts[src_trending] > 0) {
    for (uint32_t i : top_trending) cand(i);
  }
  if (wts[src_popular] > 0) {
    for (uint32_t i : top_popular) cand(i);
  }
  // Every candidate carries global trending/popularity when those sources are on.
  for (auto& c : cands) {
    if (wts[src_trending] > 0) c.raw[src_trending] = b.trending()[c.item];
    if (wts[src_popular] > 0) c.raw[src_popular] = b.popularity()[c.item];
  }
  for (const auto& c : cands) {
    for (int s = 0; s < src_count; ++s) st.mx[s] = std::max(st.mx[s], c.raw[s]);
  }
  // Exclusions and negative feedback, marked on the candidates (and kept for pins).
  auto& excluded = st.excluded;
  auto exclude_ids = [&](const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      if (auto i = find(id); i >= 0) excluded.push_back(static_cast<uint32_t>(i));
    }
  };
  if (cfg.anchor == anchor_kind::context) exclude_ids(lists[0]);
  exclude_ids(lists[2]);
  exclude_ids(lists[4]);
  if (cfg.exclude_shown) exclude_ids(lists[3]);
  if (cfg.exclude_purchased) excluded.insert(excluded.end(), purchased.begin(), purchased.end());
  if (cfg.exclude_in_cart) excluded.insert(excluded.end(), in_cart.begin(), in_cart.end());
  sort_unique(excluded);
  for (uint32_t i : excluded) {
    if (slot_of[i] >= 0) cands[static_cast<std::size_t>(slot_of[i])].excluded = true;
  }
  for (const auto& id : lists[4]) {
    const int64_t d = find(id);
    if (d < 0) continue;
    for (auto nb : {b.ease(static_cast<uint32_t>(d)), b.covisit(static_cast<uint32_t>(d))}) {
      for (uint32_t k = 0; k < nb.count; ++k) {
        if (slot_of[nb.items[k]] >= 0) cands[static_cast<std::size_t>(slot_of[nb.items[k]])].disliked = true;
      }
    }
  }
  // The built-in ranker: the weighted blend of max-normalised sources.
  for (auto& c : cands) {
    double s = 0;
    for (int k = 0; k < src_count; ++k) {
      if (wts[k] > 0 && st.mx[k] > 0) s += wts[k] * c.raw[k] / st.mx[k];
    }
    c.blend = s;
  }
  return st;
}

std::string recommender::impl::decide(recommend_state& st, const char* fallback,
                                      const std::vector<double>* model_scores) const {
  const slot_config& cfg = *st.cfg;
  auto& cands = st.cands;
  auto& warnings = st.warnings;
  const auto& wts = st.wts;
  const auto& mx = st.mx;
  // Rules on the ranker's score: negative feedback halves it, boosts multiply it
  // (a negative model score is divided, so a boost always raises), buries sink.
  auto matches = [&](const rule_target& t, uint32_t i) {
    return t.item.empty() ? category_matches(b.item_category(i), t.category) : b.item_id(i) == t.item;
  };
  for (std::size_t ci = 0; ci < cands.size(); ++ci) {
    candidate& c = cands[ci];
    double s = model_scores ? (*model_scores)[ci] : c.blend;
    if (c.disliked) s = s >= 0 ? s * 0.5 : s * 2.0;
    c.score = s;
  }
  for (const auto& t : cfg.boosts) {
    if (!t.item.empty()) {
      const int64_t i = find(t.item);
      if (i < 0) continue;
      for (auto& c : cands) {
        if (c.item == static_cast<uint32_t>(i)) c.score = c.score >= 0 ? c.score * t.factor : c.score / t.factor;
      }
      continue;
    }
    for (auto& c : cands) {
      if (category_matches(b.item_category(c.item), t.category)) c.score = c.score >= 0 ? c.score * t.factor : c.score / t.factor;
    }
  }
  for (const auto& t : cfg.buries) {
    for (auto& c : cands) {
      if (matches(t, c.item)) c.buried = true;
    }
  }
  auto passes = [&](const candidate& c) {
    if (c.excluded) return false;
    const uint32_t i = c.item;
    if (st.filter_in_stock && !b.item_in_stock(i)) return false;
    const int64_t price = b.item_price_minor(i);
    if (price < st.min_price || price > st.max_price) return false;
    return category_matches(b.item_category(i), st.filter_category);
  };
  auto before = [&](uint32_t x, uint32_t y) {
    const candidate& a = cands[x];
    const candidate& c = cands[y];
    if (a.buried != c.buried) return !a.buried;
    return a.score != c.score ? a.score > c.score : a.item < c.item;
  };
  std::vector<uint32_t> ranked(cands.size());
  for (uint32_t i = 0; i < ranked.size(); ++i) ranked[i] = i;
  const uint32_t want = st.want;
  // Only the head needs ordering: it grows (sorting the next stretch) when the
  // filters or the category cap use it up before `want` items are chosen.
  std::size_t head = std::min<std::size_t>(ranked.size(), std::size_t{want} * (cfg.max_per_category > 0 ? 8 : 2) + 64);
  auto order_range = [&](std::size_t from, std::size_t to) {  // ranked[from, to) in order, the rest after
    if (to < ranked.size()) {
      std::nth_element(ranked.begin() + static_cast<std::ptrdiff_t>(from), ranked.begin() + static_cast<std::ptrdiff_t>(to),
                       ranked.end(), before);
    }
    std::sort(ranked.begin() + static_cast<std::ptrdiff_t>(from), ranked.begin() + static_cast<std::ptrdiff_t>(to), before);
  };
  order_range(0, head);
  std::vector<const candidate*> out;
  std::vector<uint32_t> per_cat;  // category index -> count
  for (std::size_t pos = 0; pos < ranked.size() && out.size() < want; ++pos) {
    if (pos == head) {
      const std::size_t next = std::min(ranked.size(), head * 4);
      order_range(head, next);
      head = next;
    }
    const candidate& c = cands[ranked[pos]];
    if (!passes(c)) continue;
    const uint32_t cat = b.item_category_index(c.item);
    if (cfg.max_per_category > 0 && cat != no_category) {
      if (cat >= per_cat.size()) per_cat.resize(std::size_t{cat} + 1, 0);
      if (per_cat[cat] >= cfg.max_per_category) continue;
      ++per_cat[cat];
    }
    out.push_back(&c);
  }
  // Pins: placed at their position (dedupe: a pinned item appears once).
  std::vector<candidate> pinned;
  pinned.reserve(cfg.pins.size());  // stable addresses for `out`
  for (const auto& p : cfg.pins) {
    const int64_t i = find(p.item);
    if (i < 0) {
      warnings.push_back("pin: unknown item \"" + p.item + "\" ignored");
      continue;
    }
    const auto u = static_cast<uint32_t>(i);
    if (contains(st.excluded, u) || (st.filter_in_stock && !b.item_in_stock(u))) continue;
    out.erase(std::remove_if(out.begin(), out.end(), [&](const candidate* c) { return c->item == u; }), out.end());
    pinned.emplace_back();
    pinned.back().item = u;
    pinned.back().pinned = true;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(p.position, out.size())), &pinned.back());
    if (out.size() > want) out.resize(want);
  }
  // Decision JSON with reasons.
  json items = json::array();
  for (const candidate* cp : out) {
    const candidate& c = *cp;
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
        const int bk = because_slot(k);
        if (bk >= 0 && c.because[bk] > 0) {
          r["because"] = k == src_category_trending  ? category_trend.paths[c.because[bk] - 1]
                         : k == src_segment_trending ? std::string(b.segment_id(c.because[bk] - 1))
                                                     : std::string(b.item_id(c.because[bk] - 1));
        }
        if (k == src_embedding) {
          if (const int64_t a = recommend_detail::embedding_because(b, st.anchor_strength, c.item); a >= 0) {
            r["because"] = std::string(b.item_id(static_cast<uint32_t>(a)));
          }
        }
        reasons.push_back(std::move(r));
      }
      if (model_scores) reasons.push_back({{"source", "model"}, {"share", 0.0}});
      if (c.disliked) reasons.push_back({{"source", "negative_feedback"}, {"share", 0.0}});
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
           {"fallback", fallback ? json(fallback) : json(nullptr)},
           {"warnings", warnings}};
  if (!st.experiment.is_null()) dec["experiment"] = st.experiment;
  return detail::dump_json(dec);
}

// The slot's experiment picks the configuration; any problem serves the slot's own.
void recommender::impl::choose_config(const slot_config& base, const json& req, recommend_state& st) const {
  auto field = [&](const char* k) { return req.contains(k) ? &req[k] : nullptr; };
  const json* assignments = field("assignments");
  auto c = experiments.choose(base.experiment, field("experiment_context"), assignments,
                              [&](const recommend_detail::slot_choice& ch, std::string& why) {
                                if (ch.what == recommend_detail::slot_choice::kind::base) return true;
                                if (auto v = variants.find(variant_key(base.name, ch)); v != variants.end()) {
                                  st.cfg = &v->second;
                                  return true;
                                }
                                auto v = variant_config(slots, base, ch, "variation");
                                if (!v) {
                                  why = "the assigned configuration is invalid: " + v.error().message +
                                        (v.error().where.empty() ? "" : " (at " + v.error().where + ")");
                                  return false;
                                }
                                st.variant = std::make_unique<slot_config>(std::move(v.value()));
                                st.cfg = st.variant.get();
                                return true;
                              });
  if (assignments && !assignments->is_object()) {
    c.warnings.insert(c.warnings.begin(), "assignments must be an object of FeatureResults; ignored");
  }
  if (c.what == recommend_detail::slot_choice::kind::base) st.cfg = &base;
  st.experiment = std::move(c.record);
  for (auto& w : c.warnings) st.warnings.push_back(std::move(w));
}

result<std::string> recommender::recommend(std::string_view request_json) const noexcept {
  try {
    if (!p_) return make_error(errc::invalid_state, "recommender is not open");
    auto st = p_->gather(request_json);
    if (!st) return st.error();
    return p_->decide(st.value(), st->personal ? nullptr : "cold_start", nullptr);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

// ---------------------------------------------------------------------------
// Bring your own ranker.

const std::vector<std::string>& ranker_feature_names() {
  static const std::vector<std::string> names(feature_names.begin(), feature_names.end());
  return names;
}

result<ranker_spec> parse_ranker_spec(std::string_view spec_json) noexcept {
  try {
    auto j = detail::parse_json(spec_json, limits::max_bundle_config_bytes);
    if (!j) return j.error();
    if (!j->is_object()) return make_error(errc::invalid_config, "the ranker spec must be a JSON object", "spec");
    if (auto s = detail::check_known_keys(*j, {"features", "input", "output", "candidates"}, ""); !s) return s.error();
    ranker_spec spec;
    auto in = detail::read_string(*j, "input", "", limits::max_id_bytes, false);
    if (!in) return in.error();
    if (!in->empty()) spec.input = in.value();
    auto out = detail::read_string(*j, "output", "", limits::max_id_bytes, false);
    if (!out) return out.error();
    if (!out->empty()) spec.output = out.value();
    auto cands = detail::read_int(*j, "candidates", "", 1, limits::max_ranker_candidates, false, 100);
    if (!cands) return cands.error();
    spec.candidates = static_cast<uint32_t>(cands.value());
    auto f = j->find("features");
    if (f == j->end()) return make_error(errc::missing_field, "the spec must name its features", "features");
    if (!f->is_array() || f->empty()) return make_error(errc::invalid_config, "expected a non-empty array of feature names", "features");
    if (f->size() > limits::max_ranker_features) {
      return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_ranker_features) + " features", "features");
    }
    for (std::size_t i = 0; i < f->size(); ++i) {
      const std::string where = detail::path_index("features", i);
      if (!(*f)[i].is_string()) return make_error(errc::invalid_config, "expected a feature name", where);
      const auto& name = (*f)[i].get_ref<const std::string&>();
      const auto it = std::find(feature_names.begin(), feature_names.end(), name);
      if (it == feature_names.end()) {
        std::string known;
        for (const char* k : feature_names) known += (known.empty() ? "" : ", ") + std::string(k);
        return make_error(errc::invalid_config, "unknown feature \"" + name + "\" (known: " + known + ")", where);
      }
      const auto idx = static_cast<uint32_t>(it - feature_names.begin());
      if (std::find(spec.features.begin(), spec.features.end(), idx) != spec.features.end()) {
        return make_error(errc::invalid_config, "feature \"" + name + "\" is named twice", where);
      }
      spec.features.push_back(idx);
    }
    return spec;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

status check_ranker_model(const ranker_spec& spec, std::string_view signature_json) noexcept {
  try {
    auto j = detail::parse_json(signature_json);
    if (!j) return j.error();
    if (!j->is_object()) return make_error(errc::invalid_config, "the model signature must be an object", "model");
    auto ins = j->find("inputs");
    if (ins == j->end() || !ins->is_array()) return make_error(errc::invalid_config, "expected an array of inputs", "model.inputs");
    const json* input = nullptr;
    std::string names;
    for (const auto& x : *ins) {
      if (!x.is_object() || !x.contains("name") || !x["name"].is_string()) {
        return make_error(errc::invalid_config, "expected {name, shape}", "model.inputs");
      }
      names += (names.empty() ? "" : ", ") + x["name"].get<std::string>();
      if (x["name"].get_ref<const std::string&>() == spec.input) input = &x;
    }
    if (!input) {
      return make_error(errc::invalid_config, "the model has no input \"" + spec.input + "\" (it has: " + names + ")", "model.inputs");
    }
    const std::string cols = std::to_string(spec.features.size());
    if (auto sh = input->find("shape"); sh != input->end() && sh->is_array() && !sh->empty()) {
      const json& shape = *sh;
      auto dim_text = [&]() {
        std::string t = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) t += (i ? ", " : "") + (shape[i].is_string() ? shape[i].get<std::string>() : shape[i].dump());
        return t + "]";
      };
      const std::string where = "model.inputs." + spec.input + ".shape";
      if (shape.size() != 2) {
        return make_error(errc::invalid_config, "the model's input \"" + spec.input + "\" has shape " + dim_text() +
                                                    "; the feature spec needs [rows, " + cols + "]", where);
      }
      if (shape[0].is_number() && shape[0].get<double>() > 0) {
        return make_error(errc::invalid_config, "the model's input \"" + spec.input + "\" has a fixed batch size in " + dim_text() +
                                                    "; the number of candidates varies, so it must be dynamic", where);
      }
      if (shape[1].is_number() && shape[1].get<double>() > 0 && shape[1].get<double>() != static_cast<double>(spec.features.size())) {
        return make_error(errc::invalid_config, "the model's input \"" + spec.input + "\" has shape " + dim_text() + " but the feature spec names " +
                                                    cols + " features", where);
      }
    }
    auto outs = j->find("outputs");
    if (outs == j->end() || !outs->is_array()) return make_error(errc::invalid_config, "expected an array of outputs", "model.outputs");
    bool found = false;
    std::string onames;
    for (const auto& x : *outs) {
      if (!x.is_string()) return make_error(errc::invalid_config, "expected output names", "model.outputs");
      onames += (onames.empty() ? "" : ", ") + x.get<std::string>();
      found |= x.get_ref<const std::string&>() == spec.output;
    }
    if (!found) {
      return make_error(errc::invalid_config, "the model has no output \"" + spec.output + "\" (it has: " + onames + ")", "model.outputs");
    }
    return ok_value;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

ranking_job::ranking_job() = default;
ranking_job::~ranking_job() = default;
ranking_job::ranking_job(ranking_job&&) noexcept = default;
ranking_job& ranking_job::operator=(ranking_job&&) noexcept = default;

result<ranking_job> recommender::prepare_ranking(std::string_view request_json, const ranker_spec& spec) const noexcept {
  try {
    if (!p_) return make_error(errc::invalid_state, "recommender is not open");
    if (spec.features.empty() || spec.features.size() > limits::max_ranker_features) {
      return make_error(errc::invalid_config, "the spec must name 1.." + std::to_string(limits::max_ranker_features) + " features", "features");
    }
    bool repeat = false;
    for (std::size_t k = 0; k < spec.features.size(); ++k) {
      const uint32_t f = spec.features[k];
      if (f >= f_count) return make_error(errc::invalid_config, "unknown feature index " + std::to_string(f), "features");
      repeat = repeat || f >= f_repeat_first;
      if (f == f_due && p_->b.repeat_gap_days() == nullptr) {
        return make_error(errc::invalid_config,
                          "feature \"due\" needs the items' typical repurchase gaps, which this bundle (format version " +
                              std::to_string(p_->b.format_version()) + ") does not carry; rebuild it with tailor build-bundle " +
                              "(format version 4 or newer)",
                          detail::path_index("features", k));
      }
    }
    if (spec.candidates == 0 || spec.candidates > limits::max_ranker_candidates) {
      return make_error(errc::limit_exceeded, "candidates must be 1.." + std::to_string(limits::max_ranker_candidates), "candidates");
    }
    auto gathered = p_->gather(request_json);
    if (!gathered) return gathered.error();
    const bundle_view& b = p_->b;
    auto st = std::make_unique<recommend_state>(std::move(gathered.value()));
    // Keep the best `spec.candidates` that pass the filters, in the built-in order.
    auto& cands = st->cands;
    std::vector<candidate> keep;
    keep.reserve(cands.size());
    for (auto& c : cands) {
      if (c.excluded) continue;
      if (st->filter_in_stock && !b.item_in_stock(c.item)) continue;
      const int64_t price = b.item_price_minor(c.item);
      if (price < st->min_price || price > st->max_price) continue;
      if (!category_matches(b.item_category(c.item), st->filter_category)) continue;
      keep.push_back(c);
    }
    auto better = [](const candidate& a, const candidate& c) { return a.blend != c.blend ? a.blend > c.blend : a.item < c.item; };
    if (keep.size() > spec.candidates) {
      std::partial_sort(keep.begin(), keep.begin() + spec.candidates, keep.end(), better);
      keep.resize(spec.candidates);
    } else {
      std::sort(keep.begin(), keep.end(), better);
    }
    cands = std::move(keep);
    // Profile aggregates per history item.
    struct own_agg {
      uint32_t item;
      double weight = 0, purchases = 0;
      int64_t newest = 0;
    };
    std::vector<own_agg> own;
    {
      std::vector<recommend_state::hist> h = st->history;
      std::sort(h.begin(), h.end(), [](const auto& a, const auto& c) { return a.item != c.item ? a.item < c.item : a.ts < c.ts; });
      const event_weights w;
      for (const auto& e : h) {
        if (own.empty() || own.back().item != e.item) own.push_back({e.item});
        own.back().weight += weight_of(w, e.type) * e.decay;
        if (e.type == event_type::purchase) own.back().purchases += 1;
        own.back().newest = std::max(own.back().newest, e.ts);
      }
    }
    double max_own = 0, max_blend = 0;
    for (const auto& o : own) max_own = std::max(max_own, o.weight);
    for (const auto& c : cands) max_blend = std::max(max_blend, c.blend);
    std::vector<uint32_t> cat_count;
    for (const auto& e : st->history) {
      const uint32_t cat = b.item_category_index(e.item);
      if (cat == no_category) continue;
      if (cat >= cat_count.size()) cat_count.resize(std::size_t{cat} + 1, 0);
      ++cat_count[cat];
    }
    // Orders: distinct purchase times; order_share = the share of them holding the item.
    std::vector<std::pair<int64_t, uint32_t>> orders;
    for (const auto& e : st->history) {
      if (e.type == event_type::purchase) orders.emplace_back(e.ts, e.item);
    }
    sort_unique(orders);
    double order_count = 0;
    for (std::size_t k = 0; k < orders.size(); ++k) {
      if (k == 0 || orders[k].first != orders[k - 1].first) order_count += 1;
    }
    std::vector<std::pair<uint32_t, uint32_t>> in_orders;  // (item, orders), sorted by item
    for (const auto& [ts, item] : orders) in_orders.emplace_back(item, 0u);
    sort_unique(in_orders);
    for (const auto& [ts, item] : orders) {
      ++std::lower_bound(in_orders.begin(), in_orders.end(), std::pair<uint32_t, uint32_t>{item, 0u})->second;
    }
    // The repeat-purchase features: the offline builder's own function, over the same history.
    repeat_profile repeats;
    if (repeat) {
      std::vector<history_entry> h;
      h.reserve(st->history.size());
      for (const auto& e : st->history) h.push_back({e.item, e.type, 1, e.ts});
      repeats = repeat_profile_of(h, b.item_count(), st->now);
    }
    std::array<float, repeat_feature_count> rf{};
    const double pop_den = detail::det_log(2.0 + static_cast<double>(p_->max_popularity));
    ranking_job job;
    job.rows_ = static_cast<uint32_t>(cands.size());
    job.cols_ = static_cast<uint32_t>(spec.features.size());
    job.features_.assign(static_cast<std::size_t>(job.rows_) * job.cols_, 0.0f);
    std::array<double, f_count> f{};
    for (std::size_t r = 0; r < cands.size(); ++r) {
      const candidate& c = cands[r];
      const uint32_t i = c.item;
      auto o = std::lower_bound(own.begin(), own.end(), i, [](const own_agg& a, uint32_t x) { return a.item < x; });
      const bool is_own = o != own.end() && o->item == i;
      auto norm = [](double v, double mx) { return mx > 0 ? v / mx : 0.0; };
      f[f_own_score] = is_own ? norm(o->weight, max_own) : 0.0;
      f[f_own_count] = is_own ? detail::det_log(1.0 + o->purchases) : 0.0;
      f[f_repeat_rate] = b.repeat_rate()[i];
      f[f_ease] = norm(c.raw[src_ease], st->mx[src_ease]);
      f[f_covisit] = norm(c.raw[src_covisit], st->mx[src_covisit]);
      f[f_trending] = norm(b.trending()[i], p_->max_trending);
      f[f_popularity] = detail::det_log(1.0 + static_cast<double>(b.popularity()[i])) / pop_den;
      f[f_recency] = is_own ? detail::half_life_decay(st->now - o->newest, 30.0) : 0.0;
      f[f_is_own] = is_own ? 1.0 : 0.0;
      f[f_blend] = norm(c.blend, max_blend);
      f[f_price] = static_cast<double>(b.item_price_minor(i)) / 100.0;
      f[f_in_stock] = b.item_in_stock(i) ? 1.0 : 0.0;
      const uint32_t cat = b.item_category_index(i);
      f[f_category_affinity] = cat != no_category && cat < cat_count.size() && !st->history.empty()
                                   ? static_cast<double>(cat_count[cat]) / static_cast<double>(st->history.size())
                                   : 0.0;
      f[f_embedding] = norm(c.raw[src_embedding], st->mx[src_embedding]);
      const auto io = std::lower_bound(in_orders.begin(), in_orders.end(), std::pair<uint32_t, uint32_t>{i, 0u});
      f[f_order_share] = io != in_orders.end() && io->first == i && order_count > 0 ? io->second / order_count : 0.0;
      if (repeat) {
        repeat_features(repeats, i, b.repeat_gap_days() ? b.repeat_gap_days()[i] : 0.0, rf.data());
        for (uint32_t k = 0; k < repeat_feature_count; ++k) f[f_repeat_first + k] = rf[k];
      }
      job.ids_.emplace_back(b.item_id(i));
      float* row = job.features_.data() + r * job.cols_;
      for (std::size_t k = 0; k < spec.features.size(); ++k) row[k] = static_cast<float>(f[spec.features[k]]);
    }
    job.st_ = std::move(st);
    return job;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> recommender::finish_ranking(ranking_job& job, const float* scores, std::size_t count) const noexcept {
  try {
    if (!p_) return make_error(errc::invalid_state, "recommender is not open");
    if (!job.st_ || job.finished_) return make_error(errc::invalid_state, "this ranking job is finished or empty");
    if (count != job.rows_) {
      return make_error(errc::invalid_field, "the model returned " + std::to_string(count) + " scores for " + std::to_string(job.rows_) +
                                                 " candidate rows", "scores");
    }
    if (count > 0 && scores == nullptr) return make_error(errc::invalid_field, "no scores", "scores");
    recommend_state& st = *job.st_;
    std::vector<double> model(count);
    const char* fallback = st.personal ? nullptr : "cold_start";
    bool use_model = true;
    for (std::size_t r = 0; r < count; ++r) {
      if (!std::isfinite(scores[r])) {
        st.warnings.push_back("ranker: the model's score for row " + std::to_string(r) + " (item \"" +
                              std::string(p_->b.item_id(st.cands[r].item)) + "\") is not finite; used the built-in ranker");
        use_model = false;
        break;
      }
      model[r] = static_cast<double>(scores[r]);
    }
    if (!use_model && !fallback) fallback = "builtin_ranker";
    job.finished_ = true;
    return p_->decide(st, fallback, use_model ? &model : nullptr);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
