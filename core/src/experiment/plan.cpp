// Compiling definitions into a plan, and evaluating a shopper's attributes
// over it (eval_all_compact). Each step mirrors evaluation::eval_feature and
// evaluation::run (growthbook.cpp) for a context holding only attributes; the
// differential tests hold the two paths to the same answers.
#include "experiment/plan.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_map>

#include "experiment/growthbook.hpp"

namespace tailor {
namespace experiment_detail {
namespace {

using detail::json;

int32_t version_of(const json* v, int32_t fallback) {
  if (!truthy(v)) return fallback;
  if (!v->is_number()) return 0;
  const double d = v->get<double>();
  return d == 1 ? 1 : d == 2 ? 2 : 0;
}

seeded_hash make_hash(std::string seed, int32_t version) {
  seeded_hash h{std::move(seed), 0, version};
  h.seed_state = fnv1a32_extend(fnv_offset_basis, h.seed, hash_encoding::utf16);
  return h;
}


// Ranges as chooseVariation reads them: [lo, hi) pairs, malformed ones skipped.
std::vector<bucket> buckets_of(const json* ranges) {
  std::vector<bucket> out;
  if (!ranges || !ranges->is_array()) return out;
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    const json& r = (*ranges)[i];
    if (r.is_array() && r.size() >= 2) out.push_back({static_cast<int32_t>(i), to_num(r[0]), to_num(r[1])});
  }
  return out;
}

class compiler {
 public:
  compiler(const json& doc, const std::unordered_map<const json*, condition>& conditions)
      : doc_(doc), conditions_(conditions) {}

  plan run() {
    const json* features = member(doc_, "features");
    if (features && features->is_object()) {
      for (auto it = features->begin(); it != features->end(); ++it) {
        index_.emplace(it.key(), static_cast<int32_t>(p_.features.size()));
        p_.features.push_back({it.key(), false, -1, {}});
      }
      std::size_t f = 0;
      for (auto it = features->begin(); it != features->end(); ++it) feature(p_.features[f++], it.value());
    }
    return std::move(p_);
  }

 private:
  int32_t intern(const json* v) {
    if (!v) return -1;
    p_.values.push_back(v);
    p_.truthy_values.push_back(detail::js_truthy(*v));
    return static_cast<int32_t>(p_.values.size() - 1);
  }

  std::string hash_attribute_of(const json* attr) const {
    return truthy(attr) ? detail::js_string_of(*attr) : std::string("id");
  }
  int32_t slot_of(const std::string& attribute) {
    auto& names = p_.attributes;
    auto it = std::find(names.begin(), names.end(), attribute);
    if (it != names.end()) return static_cast<int32_t>(it - names.begin());
    names.push_back(attribute);
    return static_cast<int32_t>(names.size() - 1);
  }

  compiled_check check_of(const json* c) {
    compiled_check out;
    if (!truthy(c)) return out;
    if (auto it = conditions_.find(c); it != conditions_.end()) out.compiled = &it->second.get();
    else out.raw = c;
    // Objects hold their keys sorted, so equal text means an equal condition.
    auto [slot, added] = memo_.emplace(detail::dump_json(*c), p_.condition_count);
    if (added) ++p_.condition_count;
    out.memo = slot->second;
    return out;
  }

  void feature(compiled_feature& f, const json& def) {
    f.known = detail::js_truthy(def);
    if (!f.known) return;
    if (const json* rules = member(def, "rules"); rules && rules->is_array()) {
      for (const json& r : *rules) {
        f.rules.push_back(static_cast<int32_t>(p_.rules.size()));
        p_.rules.push_back(rule(r, f.key));
      }
    }
    f.default_value = intern(member(def, "defaultValue"));
  }

  compiled_rule rule(const json& r, const std::string& id) {
    compiled_rule c;
    const json* rule_id = member(r, "id");
    c.id = truthy(rule_id) ? *rule_id : json("");
    if (const json* parents = member(r, "parentConditions"); parents && parents->is_array()) {
      for (const json& pc : *parents) {
        const std::string parent = str_of(member(pc, "id"));
        auto it = index_.find(parent.c_str());  // the JSON path looks features up by C string
        const json* cond = member(pc, "condition");
        c.parents.push_back({it == index_.end() ? -1 : it->second, truthy(cond) ? cond : nullptr,
                             truthy(member(pc, "gate"))});
      }
    }
    const json* filters = member(r, "filters");
    c.has_filters = truthy(filters);
    if (c.has_filters && filters->is_array()) {
      for (const json& f : *filters) {
        c.filters.push_back({slot_of(hash_attribute_of(member(f, "attribute"))),
                             make_hash(str_of(member(f, "seed")), version_of(member(f, "hashVersion"), 2)),
                             buckets_of(member(f, "ranges"))});
      }
    }
    if (r.is_object() && r.contains("force")) {
      force_rule(c, r, id);
    } else {
      experiment_rule(c, r, id);
    }
    return c;
  }

  void force_rule(compiled_rule& c, const json& r, const std::string& id) {
    c.force = true;
    c.condition = check_of(member(r, "condition"));
    const json* seed = member(r, "seed");
    c.hash = make_hash(truthy(seed) ? detail::js_string_of(*seed) : id, version_of(member(r, "hashVersion"), 1));
    c.hash_attribute = hash_attribute_of(member(r, "hashAttribute"));
    c.hash_slot = slot_of(c.hash_attribute);
    const json* range = member(r, "range");
    c.has_range = truthy(range);
    c.range_valid = c.has_range && range->is_array() && range->size() >= 2;
    if (c.range_valid) {
      c.range_lo = to_num((*range)[0]);
      c.range_hi = to_num((*range)[1]);
    }
    const json* coverage = member(r, "coverage");
    c.has_coverage = coverage != nullptr;
    c.coverage_zero = coverage && coverage->is_number() && coverage->get<double>() == 0;
    c.coverage = coverage ? to_num(*coverage) : 0;
    c.value = intern(&r["force"]);
  }

  void experiment_rule(compiled_rule& c, const json& r, const std::string& id) {
    const json* variations = member(r, "contextualVariations");
    if (!variations || variations->is_null()) variations = member(r, "variations");
    c.runs = truthy(variations);
    if (!c.runs) return;
    if (truthy(member(r, "contextualBanditRef"))) p_.compact = false;
    c.experiment = rule_experiment(r, *variations, id);
    const json& exp = c.experiment;
    c.key_text = detail::js_string_of(exp["key"]);
    c.hash_attribute = hash_attribute_of(member(exp, "hashAttribute"));
    c.hash_slot = slot_of(c.hash_attribute);
    c.condition = check_of(member(r, "condition"));  // exp's copy of it, compiled once
    const json* seed = member(exp, "seed");
    c.hash = make_hash(truthy(seed) ? detail::js_string_of(*seed) : c.key_text,
                       version_of(member(exp, "hashVersion"), 1));
    if (const json* ns = member(exp, "namespace"); truthy(ns)) {
      c.has_namespace = true;
      c.namespace_valid = ns->is_array() && ns->size() >= 3;
      if (c.namespace_valid) {
        c.namespace_hash = make_hash("__" + detail::js_string_of((*ns)[0]), 1);
        c.namespace_lo = to_num((*ns)[1]);
        c.namespace_hi = to_num((*ns)[2]);
      }
    }
    if (!variations->is_array()) return;
    c.variation_count = static_cast<int32_t>(variations->size());
    const json* ranges = member(exp, "ranges");
    if (truthy(ranges)) {
      c.buckets = buckets_of(ranges);
    } else {
      const json computed = bucket_ranges(c.variation_count, member(exp, "coverage"), member(exp, "weights"));
      c.buckets = buckets_of(&computed);
    }
    const json* meta = member(exp, "meta");
    for (std::size_t i = 0; i < variations->size(); ++i) {
      c.variation_values.push_back(intern(&(*variations)[i]));
      const json* m = truthy(meta) && meta->is_array() && i < meta->size() ? &(*meta)[i] : nullptr;
      c.passthrough.push_back(m && truthy(member(*m, "passthrough")));
    }
  }

  const json& doc_;
  const std::unordered_map<const json*, condition>& conditions_;
  std::unordered_map<std::string, int32_t> index_;
  std::unordered_map<std::string, int32_t> memo_;  // condition text -> memo slot
  plan p_;
};

// ---------------------------------------------------------------------------

std::optional<double> hash_of(const seeded_hash& h, std::string_view id, hash_encoding enc) {
  if (h.version == 2) {
    const uint32_t seed = enc == hash_encoding::utf16 ? h.seed_state
                                                      : fnv1a32_extend(fnv_offset_basis, h.seed, enc);
    const uint32_t inner = fnv1a32_extend(seed, id, enc);
    char digits[16];
    const auto end = std::to_chars(digits, digits + sizeof digits, inner).ptr;
    const uint32_t outer = fnv1a32_extend(fnv_offset_basis, std::string_view(digits, end - digits), enc);
    return static_cast<double>(outer % 10000u) / 10000.0;
  }
  if (h.version == 1) {
    const uint32_t v = fnv1a32_extend(fnv1a32_extend(fnv_offset_basis, id, enc), h.seed, enc);
    return static_cast<double>(v % 1000u) / 1000.0;
  }
  return std::nullopt;
}

// An integer JS holds exactly (|n| <= 2^53), whose String() is its digits.
std::optional<int64_t> exact_integer(const json& v) {
  constexpr int64_t max_safe = int64_t{1} << 53;
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u <= static_cast<uint64_t>(max_safe)) return static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<int64_t>();
    if (i >= -max_safe && i <= max_safe) return i;
  }
  return std::nullopt;
}

int32_t choose(const std::vector<bucket>& buckets, double n) {
  for (const bucket& b : buckets) {
    if (n >= b.lo && n < b.hi) return b.index;
  }
  return -1;
}

class plan_evaluation {
 public:
  plan_evaluation(const plan& p, const json& attributes, const saved_groups::impl* groups, hash_encoding enc)
      : p_(p), attributes_(attributes), groups_(groups), enc_(enc), slots_(p.attributes.size()),
        memo_(static_cast<std::size_t>(p.condition_count), unknown) {}

  // Evaluates feature f from the top (a fresh prerequisite path).
  gb_outcome top(int32_t f) {
    path_.clear();
    return feature(f);
  }

  gb_outcome feature(int32_t f) {
    gb_outcome out;
    if (std::find(path_.begin(), path_.end(), f) != path_.end()) return sourced(gb_source::cyclic_prerequisite);
    path_.push_back(f);
    const compiled_feature& cf = p_.features[static_cast<std::size_t>(f)];
    if (!cf.known) return out;
    const std::size_t depth = path_.size();
    for (const int32_t r : cf.rules) {
      const compiled_rule& rule = p_.rules[static_cast<std::size_t>(r)];
      bool skip = false;
      for (const compiled_parent& pc : rule.parents) {
        path_.resize(depth);
        const gb_outcome parent = pc.feature < 0 ? gb_outcome{} : feature(pc.feature);
        if (parent.source == gb_source::cyclic_prerequisite) return sourced(gb_source::cyclic_prerequisite);
        if (!parent_passes(pc, parent)) {
          if (pc.gate) return sourced(gb_source::prerequisite);
          skip = true;
          break;
        }
      }
      if (skip || (rule.has_filters && filtered_out(rule.filters))) continue;
      if (rule.force) {
        if (rule.condition.present() && !passes(rule.condition)) continue;
        if (!in_rollout(rule)) continue;
        return valued(gb_source::force, rule.value, r);
      }
      if (rule.runs && run(rule, r, out)) return out;
    }
    return valued(gb_source::default_value, cf.default_value, -1);
  }

  // The id an attribute slot holds: its value and String(value), or nullptr
  // when it is missing or falsy (the SDK's "" then). Looked up once per shopper.
  struct hash_id {
    const json* value = nullptr;
    std::string_view text;
  };
  const hash_id& id_of(int32_t slot) {
    attribute_slot& s = slots_[static_cast<std::size_t>(slot)];
    if (!s.looked_up) {
      s.looked_up = true;
      auto it = attributes_.find(p_.attributes[static_cast<std::size_t>(slot)]);
      if (it != attributes_.end() && detail::js_truthy(*it)) {
        s.id.value = &*it;
        if (it->is_string()) {
          s.id.text = it->get_ref<const std::string&>();
        } else if (const auto n = exact_integer(*it)) {  // String(7) without the general number printer
          char digits[24];
          s.text.assign(digits, std::to_chars(digits, digits + sizeof digits, *n).ptr);
          s.id.text = s.text;
        } else {
          s.text = detail::js_string_of(*it);
          s.id.text = s.text;
        }
      }
    }
    return s.id;
  }

 private:
  static gb_outcome sourced(gb_source s) {
    gb_outcome o;
    o.source = s;
    return o;
  }
  gb_outcome valued(gb_source s, int32_t value, int32_t rule) const {
    gb_outcome o;
    o.source = s;
    o.value = value;
    o.rule = rule;
    if (value >= 0 && p_.truthy_values[static_cast<std::size_t>(value)]) o.flags |= gb_on;
    return o;
  }

  bool passes(const compiled_check& c) {
    int8_t& known = memo_[static_cast<std::size_t>(c.memo)];
    if (known == unknown) {
      known = (c.compiled ? detail::evaluate_json(*c.compiled, attributes_, groups_)
                          : detail::evaluate_uncompiled(*c.raw, attributes_, groups_)) ? 1 : 0;
    }
    return known == 1;
  }

  bool parent_passes(const compiled_parent& pc, const gb_outcome& parent) const {
    json obj = json::object();
    obj["value"] = parent.value < 0 ? json(nullptr) : *p_.values[static_cast<std::size_t>(parent.value)];
    static const json empty = json::object();  // immutable
    return detail::evaluate_uncompiled(pc.condition ? *pc.condition : empty, obj, groups_);
  }

  bool filtered_out(const std::vector<compiled_filter>& filters) {
    for (const compiled_filter& f : filters) {
      const hash_id& id = id_of(f.attribute);
      if (!id.value) return true;
      auto n = hash_of(f.hash, id.text, enc_);
      if (!n || choose(f.ranges, *n) < 0) return true;
    }
    return false;
  }

  bool in_rollout(const compiled_rule& rule) {
    if (!rule.has_range && !rule.has_coverage) return true;
    if (!rule.has_range && rule.coverage_zero) return false;
    const hash_id& id = id_of(rule.hash_slot);
    if (!id.value) return false;
    auto n = hash_of(rule.hash, id.text, enc_);
    if (!n) return false;
    if (rule.has_range) return rule.range_valid && *n >= rule.range_lo && *n < rule.range_hi;
    return *n <= rule.coverage;
  }

  // runExperiment for a rule's experiment; true (and `out`) when the shopper is
  // in it and the variation is not a passthrough.
  bool run(const compiled_rule& rule, int32_t r, gb_outcome& out) {
    if (rule.variation_count < 2) return false;
    const hash_id& id = id_of(rule.hash_slot);
    if (!id.value) return false;
    if (rule.has_filters) {
      if (filtered_out(rule.filters)) return false;
    } else if (rule.has_namespace) {
      if (!rule.namespace_valid) return false;
      auto n = hash_of(rule.namespace_hash, id.text, enc_);
      if (!n || !(*n >= rule.namespace_lo && *n < rule.namespace_hi)) return false;
    }
    if (rule.condition.present() && !passes(rule.condition)) return false;
    auto n = hash_of(rule.hash, id.text, enc_);
    if (!n) return false;
    const int32_t assigned = choose(rule.buckets, *n);
    if (assigned < 0 || assigned >= rule.variation_count) return false;
    if (rule.passthrough[static_cast<std::size_t>(assigned)]) return false;
    out = valued(gb_source::experiment, rule.variation_values[static_cast<std::size_t>(assigned)], r);
    out.variation = assigned;
    out.bucket = *n;
    out.flags |= gb_in_experiment | gb_hash_used;
    return true;
  }

  const plan& p_;
  const json& attributes_;
  const saved_groups::impl* groups_;
  hash_encoding enc_;
  struct attribute_slot {
    bool looked_up = false;
    hash_id id;
    std::string text;  // String(value) when the value is not a string
  };

  static constexpr int8_t unknown = -1;

  std::vector<int32_t> path_;  // features being evaluated (cycle detection)
  std::vector<attribute_slot> slots_;
  std::vector<int8_t> memo_;   // condition answers by memo slot: unknown, 0 or 1
};

// Marks the first outcome of each exposure dedupe key (hashAttribute +
// hashValue + experiment key + variationId), as exposures() does.
void mark_exposures(const plan& p, plan_evaluation& ev, std::vector<gb_outcome>& out) {
  std::vector<std::string> seen;
  for (gb_outcome& o : out) {
    if (o.source != gb_source::experiment || (o.flags & gb_in_experiment) == 0 || (o.flags & gb_hash_used) == 0) {
      continue;
    }
    const compiled_rule& rule = p.rules[static_cast<std::size_t>(o.rule)];
    std::string key = rule.hash_attribute;
    key.append(ev.id_of(rule.hash_slot).text).append(rule.key_text).append(std::to_string(o.variation));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    o.flags |= gb_first_exposure;
  }
}

}  // namespace

plan compile_plan(const json& doc, const std::unordered_map<const json*, condition>& conditions) {
  return compiler(doc, conditions).run();
}

}  // namespace experiment_detail

// ---------------------------------------------------------------------------
// Public API.

namespace {

using detail::json;
namespace ed = experiment_detail;

result<json> parse_attributes_object(std::string_view text) {
  auto doc = detail::parse_json(text);
  if (!doc) return doc.error();
  if (doc->is_null()) return json::object();
  if (!doc->is_object()) return make_error(errc::invalid_field, "attributes must be an object", "attributes");
  return doc;
}

status evaluate_into(const gb_definitions& defs, const json& attributes, hash_encoding enc,
                     std::vector<gb_outcome>& out) {
  const ed::plan& p = defs.get().plan;
  if (!p.compact) {
    return make_error(errc::invalid_state, "definitions with contextual bandits take the JSON path");
  }
  ed::plan_evaluation ev(p, attributes, &defs.get().groups.get(), enc);
  out.resize(p.features.size());
  for (std::size_t f = 0; f < p.features.size(); ++f) out[f] = ev.top(static_cast<int32_t>(f));
  ed::mark_exposures(p, ev, out);
  return ok_value;
}

const char* source_name(gb_source s) {
  switch (s) {
    case gb_source::default_value: return "defaultValue";
    case gb_source::force: return "force";
    case gb_source::experiment: return "experiment";
    case gb_source::prerequisite: return "prerequisite";
    case gb_source::cyclic_prerequisite: return "cyclicPrerequisite";
    case gb_source::unknown_feature: break;
  }
  return "unknownFeature";
}

}  // namespace

bool gb_compact(const gb_definitions& defs) noexcept { return defs.get().plan.compact; }

result<std::string> gb_plan_json(const gb_definitions& defs) noexcept {
  try {
    const ed::plan& p = defs.get().plan;
    json features = json::array();
    for (const auto& f : p.features) features.push_back(f.key);
    json values = json::array();
    for (const json* v : p.values) values.push_back(*v);
    json rules = json::array();
    for (const auto& r : p.rules) {
      json rule = {{"id", r.id}};
      if (!r.force && r.runs) {
        rule["hashAttribute"] = r.hash_attribute;
        rule["keyText"] = r.key_text;
        rule["experiment"] = r.experiment;
        json variations = json::array();
        const json* meta = ed::member(r.experiment, "meta");
        for (int32_t i = 0; i < r.variation_count; ++i) {
          const auto u = static_cast<std::size_t>(i);
          const json* m = ed::truthy(meta) && meta->is_array() && u < meta->size() ? &(*meta)[u] : nullptr;
          const json* key = m ? ed::member(*m, "key") : nullptr;
          json v = {{"key", ed::truthy(key) ? *key : json(std::to_string(i))}};
          if (const json* name = m ? ed::member(*m, "name") : nullptr; ed::truthy(name)) v["name"] = *name;
          variations.push_back(std::move(v));
        }
        rule["variations"] = std::move(variations);
      }
      rules.push_back(std::move(rule));
    }
    json out = {{"compact", p.compact}, {"features", features}, {"values", values}, {"rules", rules}};
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

status eval_all_compact(const gb_definitions& defs, std::string_view attributes_json, hash_encoding enc,
                        std::vector<gb_outcome>& out) noexcept {
  try {
    auto attributes = parse_attributes_object(attributes_json);
    if (!attributes) return attributes.error();
    return evaluate_into(defs, attributes.value(), enc, out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> eval_all_compact_json(const gb_definitions& defs, std::string_view attributes_json,
                                          hash_encoding enc) noexcept {
  try {
    auto parsed = parse_attributes_object(attributes_json);
    if (!parsed) return parsed.error();
    const json& attributes = parsed.value();
    std::vector<gb_outcome> outcomes;
    if (auto s = evaluate_into(defs, attributes, enc, outcomes); !s) return s.error();
    const ed::plan& p = defs.get().plan;
    json features = json::object();
    for (std::size_t f = 0; f < outcomes.size(); ++f) {
      const gb_outcome& o = outcomes[f];
      const json value = o.value < 0 ? json(nullptr) : *p.values[static_cast<std::size_t>(o.value)];
      json r = {{"value", value}, {"on", (o.flags & gb_on) != 0}, {"off", (o.flags & gb_on) == 0},
                {"source", source_name(o.source)}, {"ruleId", ""}};
      if (o.rule >= 0) {
        const ed::compiled_rule& rule = p.rules[static_cast<std::size_t>(o.rule)];
        r["ruleId"] = rule.id;
        if (o.source == gb_source::experiment) {
          r["experiment"] = rule.experiment;
          const json* meta = ed::member(rule.experiment, "meta");
          const auto i = static_cast<std::size_t>(o.variation);
          const json* m = ed::truthy(meta) && meta->is_array() && i < meta->size() ? &(*meta)[i] : nullptr;
          const json* key = m ? ed::member(*m, "key") : nullptr;
          json x = {{"key", ed::truthy(key) ? *key : json(std::to_string(i))},
                    {"featureId", p.features[f].key},
                    {"inExperiment", (o.flags & gb_in_experiment) != 0},
                    {"hashUsed", (o.flags & gb_hash_used) != 0},
                    {"variationId", o.variation},
                    {"value", value},
                    {"hashAttribute", rule.hash_attribute},
                    {"hashValue", attributes.at(rule.hash_attribute)},
                    {"stickyBucketUsed", false},
                    {"bucket", o.bucket}};
          if (const json* name = m ? ed::member(*m, "name") : nullptr; ed::truthy(name)) x["name"] = *name;
          r["experimentResult"] = std::move(x);
        }
      }
      features[p.features[f].key] = std::move(r);
    }
    json out = json::object();
    out["exposures"] = ed::exposures(json::object(), features);
    out["features"] = std::move(features);
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
