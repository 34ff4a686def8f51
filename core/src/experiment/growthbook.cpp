#include "experiment/growthbook.hpp"

#include <algorithm>
#include <cmath>

#include "condition/js_value.hpp"

namespace tailor {

uint32_t fnv1a32(std::string_view text, hash_encoding enc) noexcept {
  return experiment_detail::fnv1a32_extend(experiment_detail::fnv_offset_basis, text, enc);
}

namespace experiment_detail {

uint32_t fnv1a32_extend(uint32_t h, std::string_view text, hash_encoding enc) noexcept {
  if (enc == hash_encoding::utf8) {
    for (char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 16777619u;
    }
    return h;
  }
  // UTF-16 code units, decoded on the fly (charCodeAt).
  std::size_t i = 0;
  auto unit = [&](uint32_t u) {
    h ^= u;
    h *= 16777619u;
  };
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < text.size()) {
      cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((b0 & 0xF0) == 0xE0 && i + 2 < text.size()) {
      cp = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((b0 & 0xF8) == 0xF0 && i + 3 < text.size()) {
      cp = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(text[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(text[i + 3]) & 0x3Fu);
      len = 4;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return h;
}

}  // namespace experiment_detail

std::optional<double> gb_hash(std::string_view seed, std::string_view value, int32_t version,
                              hash_encoding enc) noexcept {
  try {
    if (version == 2) {
      const uint32_t inner = fnv1a32(std::string(seed) + std::string(value), enc);
      return static_cast<double>(fnv1a32(std::to_string(inner), enc) % 10000u) / 10000.0;
    }
    if (version == 1) {
      return static_cast<double>(fnv1a32(std::string(value) + std::string(seed), enc) % 1000u) /
             1000.0;
    }
  } catch (...) {
    return std::nullopt;
  }
  return std::nullopt;
}

namespace experiment_detail {

namespace cd = condition_detail;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// ToNumber for config values (coverage, ranges): null -> 0, strings parsed.
double to_num(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_null()) return 0;
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_string()) return cd::js_string_to_number(v.get_ref<const std::string&>());
  return std::nan("");
}

std::string str_of(const json* v) { return v ? detail::js_string_of(*v) : std::string("undefined"); }

namespace {

// The SDK's toString(): strings as they are, anything else JSON.stringify'd.
std::string sticky_string(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>();
  if (v.is_number()) return cd::js_number_to_string(v.get<double>());
  return detail::dump_json(v);
}

// parseInt(v, 10-or-16) as JS does for query-string values.
std::optional<double> parse_int(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
                          s[i] == '\v' || s[i] == '\f'))
    ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  int base = 10;
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  double v = 0;
  std::size_t start = i;
  for (; i < s.size(); ++i) {
    int d = -1;
    const char c = s[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    if (d < 0 || d >= base) break;
    v = v * base + d;
  }
  if (i == start) return std::nullopt;  // NaN
  return neg ? -v : v;
}

}  // namespace

std::optional<double> hash_json(std::string_view seed, const json& value, const json& version,
                                hash_encoding enc) {
  if (!version.is_number()) return std::nullopt;
  const double v = version.get<double>();
  if (v != 1 && v != 2) return std::nullopt;
  return gb_hash(seed, detail::js_string_of(value), static_cast<int32_t>(v), enc);
}

std::vector<double> equal_weights(int64_t n) {
  if (n <= 0) return {};
  return std::vector<double>(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
}

// Every range empty: no hash falls in any of them.
json nobody_ranges(int64_t num_variations) {
  json out = json::array();
  for (int64_t i = 0; i < num_variations; ++i) out.push_back(json::array({0.0, 0.0}));
  return out;
}

json bucket_ranges(int64_t num_variations, const json* coverage_in, const json* weights_in) {
  double coverage = coverage_in ? to_num(*coverage_in) : 1.0;
  if (coverage < 0) coverage = 0;
  else if (coverage > 1) coverage = 1;
  const std::vector<double> equal = equal_weights(num_variations);
  std::vector<double> weights = equal;
  if (weights_in && weights_in->is_array() &&
      weights_in->size() == static_cast<std::size_t>(std::max<int64_t>(num_variations, 0))) {
    std::vector<double> w;
    for (const json& x : *weights_in) {
      // JS arithmetic turns null and booleans into 0 / 1; text or objects make the SDK's
      // ranges NaN, so nobody is in the experiment: the safe default, and the SDK's answer.
      if (x.is_number()) w.push_back(x.get<double>());
      else if (x.is_null()) w.push_back(0);
      else if (x.is_boolean()) w.push_back(x.get<bool>() ? 1 : 0);
      else return nobody_ranges(num_variations);
    }
    weights = w;
  }
  double total = 0;
  for (double w : weights) total = total + w;
  if (total < 0.99 || total > 1.01) weights = equal;
  json out = json::array();
  double cumulative = 0;
  for (double w : weights) {
    const double start = cumulative;
    cumulative += w;
    const double scaled = coverage * w;
    out.push_back(json::array({start, start + scaled}));
  }
  return out;
}

int64_t choose_variation(double n, const json& ranges) {
  if (!ranges.is_array()) return -1;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const json& r = ranges[i];
    if (!r.is_array() || r.size() < 2) continue;
    if (n >= to_num(r[0]) && n < to_num(r[1])) return static_cast<int64_t>(i);
  }
  return -1;
}

std::optional<int64_t> query_string_override(const std::string& id, const std::string& url,
                                             int64_t num_variations) {
  if (url.empty()) return std::nullopt;
  const std::size_t q = url.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string search = url.substr(q + 1);
  search = search.substr(0, search.find('?'));
  if (search.empty()) return std::nullopt;
  if (auto hash = search.find('#'); hash != std::string::npos) {
    std::size_t end = hash;
    while (end < search.size() && search[end] != '\n' && search[end] != '\r') ++end;
    search.erase(hash, end - hash);
  }
  std::size_t pos = 0;
  while (true) {
    const std::size_t amp = search.find('&', pos);
    const std::string kv = search.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    const std::size_t eq = kv.find('=');
    const std::string k = kv.substr(0, eq);
    if (k == id) {
      if (eq == std::string::npos) return std::nullopt;  // parseInt(undefined): NaN
      std::string v = kv.substr(eq + 1);
      v = v.substr(0, v.find('='));  // split("=", 2)
      auto n = parse_int(v);
      if (n && *n >= 0 && *n < static_cast<double>(num_variations)) return static_cast<int64_t>(*n);
      return std::nullopt;
    }
    if (amp == std::string::npos) return std::nullopt;
    pos = amp + 1;
  }
}

bool in_namespace(const json& hash_value, const json& ns, hash_encoding enc) {
  if (!ns.is_array() || ns.size() < 3) return false;
  auto n = hash_json("__" + detail::js_string_of(ns[0]), hash_value, json(1), enc);
  if (!n) return false;
  return *n >= to_num(ns[1]) && *n < to_num(ns[2]);
}

// ---------------------------------------------------------------------------

namespace {

const json& object_or_empty(const json* j) {
  static const json empty = json::object();  // immutable
  return j && j->is_object() ? *j : empty;
}

struct hash_attr {
  std::string attribute;
  json value;  // "" when missing
};

hash_attr get_hash_attribute(const json& attributes, const json* attr, const json* fallback) {
  hash_attr out{truthy(attr) ? detail::js_string_of(*attr) : std::string("id"), json("")};
  if (const json* v = member(attributes, out.attribute.c_str()); truthy(v)) out.value = *v;
  if (!detail::js_truthy(out.value) && truthy(fallback)) {
    const std::string fb = detail::js_string_of(*fallback);
    if (const json* v = member(attributes, fb.c_str()); truthy(v)) out.value = *v;
    if (detail::js_truthy(out.value)) out.attribute = fb;
  }
  return out;
}

std::string sticky_experiment_key(const json& key, const json* bucket_version) {
  std::string v = "0";
  if (truthy(bucket_version)) v = detail::js_string_of(*bucket_version);
  return detail::js_string_of(key) + "__" + v;
}

}  // namespace

evaluation::evaluation(const json& context, const gb_definitions::impl* definitions)
    : ctx(context), attributes(object_or_empty(member(context, "attributes"))), defs(definitions) {
  const json& source = defs ? defs->doc : ctx;
  features = member(source, "features");
  contextual_bandits = member(source, "contextualBandits");
  if (defs) {
    groups_ptr = &defs->groups;
  } else if (const json* sg = member(ctx, "savedGroups"); sg && sg->is_object()) {
    auto g = detail::make_saved_groups(*sg, "savedGroups");
    if (g) groups = std::move(g.value());
  }
  if (const json* e = member(ctx, "hashEncoding"); e && *e == "utf8") enc = hash_encoding::utf8;
  if (const json* docs = member(ctx, "stickyBucketAssignmentDocs"); docs && docs->is_object()) {
    sticky = true;
    sticky_docs = *docs;
    if (const json* order = member(ctx, "stickyBucketOrder"); order && order->is_array()) sticky_order = *order;
  }
}

namespace {

bool condition_passes(evaluation& ev, const json& cond) {
  if (ev.defs) {
    if (auto it = ev.defs->conditions.find(&cond); it != ev.defs->conditions.end()) {
      return detail::evaluate_json(it->second.get(), ev.attributes, &ev.groups_ptr->get());
    }
  }
  return detail::evaluate_uncompiled(cond, ev.attributes, &ev.groups_ptr->get());
}

json feature_result(const json& value, const char* source, const json* rule_id,
                    const json* experiment = nullptr, const json* result = nullptr) {
  json r = json::object();
  r["value"] = value;
  r["on"] = detail::js_truthy(value);
  r["off"] = !detail::js_truthy(value);
  r["source"] = source;
  r["ruleId"] = truthy(rule_id) ? *rule_id : json("");
  if (experiment) r["experiment"] = *experiment;
  if (result) r["experimentResult"] = *result;
  return r;
}

bool filtered_out(evaluation& ev, const json& filters) {
  if (!filters.is_array()) return false;
  for (const json& f : filters) {
    const hash_attr h = get_hash_attribute(ev.attributes, member(f, "attribute"), nullptr);
    if (!detail::js_truthy(h.value)) return true;
    const json* hv = member(f, "hashVersion");
    const json version = truthy(hv) ? *hv : json(2);
    auto n = hash_json(str_of(member(f, "seed")), h.value, version, ev.enc);
    if (!n) return true;
    bool any = false;
    if (const json* ranges = member(f, "ranges"); ranges && ranges->is_array()) {
      for (const json& r : *ranges) {
        if (r.is_array() && r.size() >= 2 && *n >= to_num(r[0]) && *n < to_num(r[1])) any = true;
      }
    }
    if (!any) return true;
  }
  return false;
}

bool included_in_rollout(evaluation& ev, const std::string& seed, const json* hash_attribute,
                         const json* fallback, const json* range, const json* coverage,
                         const json* hash_version) {
  if (!truthy(range)) range = nullptr;
  if (!range && !coverage) return true;
  if (!range && coverage->is_number() && coverage->get<double>() == 0) return false;
  const hash_attr h = get_hash_attribute(ev.attributes, hash_attribute, fallback);
  if (!detail::js_truthy(h.value)) return false;
  const json version = truthy(hash_version) ? *hash_version : json(1);
  auto n = hash_json(seed, h.value, version, ev.enc);
  if (!n) return false;
  if (range) {
    return range->is_array() && range->size() >= 2 && *n >= to_num((*range)[0]) &&
           *n < to_num((*range)[1]);
  }
  return coverage ? *n <= to_num(*coverage) : true;
}

}  // namespace

json rule_experiment(const json& rule, const json& variations, const std::string& id) {
  json exp = json::object();
  exp["variations"] = variations;
  const json* key = member(rule, "key");
  exp["key"] = truthy(key) ? *key : json(id);
  if (const json* v = member(rule, "coverage")) exp["coverage"] = *v;
  for (const char* k : {"weights", "hashAttribute", "fallbackAttribute", "disableStickyBucketing"}) {
    if (const json* v = member(rule, k); truthy(v)) exp[k] = *v;
  }
  for (const char* k : {"bucketVersion", "minBucketVersion"}) {
    if (const json* v = member(rule, k)) exp[k] = *v;
  }
  for (const char* k : {"namespace", "meta", "ranges", "name", "phase", "seed", "hashVersion",
                        "filters", "condition"}) {
    if (const json* v = member(rule, k); truthy(v)) exp[k] = *v;
  }
  return exp;
}

json evaluation::eval_feature(const std::string& id) {
  if (std::find(stack.begin(), stack.end(), id) != stack.end()) {
    return feature_result(nullptr, "cyclicPrerequisite", nullptr);
  }
  stack.push_back(id);
  if (const json* forced = member(ctx, "forcedFeatureValues"); forced && forced->is_object()) {
    if (auto it = forced->find(id); it != forced->end()) return feature_result(*it, "override", nullptr);
  }
  const json* feature = features ? member(*features, id.c_str()) : nullptr;
  if (!truthy(feature)) return feature_result(nullptr, "unknownFeature", nullptr);

  if (const json* rules = member(*feature, "rules"); rules && rules->is_array()) {
    const std::vector<std::string> evaluated = stack;
    for (const json& rule : *rules) {
      bool skip = false;
      if (const json* parents = member(rule, "parentConditions"); parents && parents->is_array()) {
        for (const json& pc : *parents) {
          stack = evaluated;
          const json parent = eval_feature(str_of(member(pc, "id")));
          if (parent["source"] == "cyclicPrerequisite") {
            return feature_result(nullptr, "cyclicPrerequisite", nullptr);
          }
          const json obj = {{"value", parent["value"]}};
          const json* c = member(pc, "condition");
          const json cond = truthy(c) ? *c : json::object();
          if (!detail::evaluate_uncompiled(cond, obj, &groups_ptr->get())) {
            if (truthy(member(pc, "gate"))) return feature_result(nullptr, "prerequisite", nullptr);
            skip = true;
            break;
          }
        }
      }
      if (skip) continue;
      if (const json* filters = member(rule, "filters"); truthy(filters) && filtered_out(*this, *filters)) {
        continue;
      }
      if (rule.is_object() && rule.contains("force")) {
        if (const json* c = member(rule, "condition"); truthy(c) && !condition_passes(*this, *c)) continue;
        const json* seed = member(rule, "seed");
        const std::string seed_text = truthy(seed) ? detail::js_string_of(*seed) : id;
        const bool use_fallback = sticky && !truthy(member(rule, "disableStickyBucketing"));
        if (!included_in_rollout(*this, seed_text, member(rule, "hashAttribute"),
                                 use_fallback ? member(rule, "fallbackAttribute") : nullptr,
                                 member(rule, "range"), member(rule, "coverage"),
                                 member(rule, "hashVersion"))) {
          continue;
        }
        return feature_result(rule["force"], "force", member(rule, "id"));
      }
      const json* variations = member(rule, "contextualVariations");
      if (!variations || variations->is_null()) variations = member(rule, "variations");
      if (!truthy(variations)) continue;

      json exp = rule_experiment(rule, *variations, id);
      if (const json* ref = member(rule, "contextualBanditRef"); truthy(ref)) {
        const json* def = contextual_bandits ? member(*contextual_bandits, detail::js_string_of(*ref).c_str()) : nullptr;
        if (truthy(def)) {
          const json* leaf = nullptr;
          if (const json* contexts = member(*def, "contexts"); contexts && contexts->is_array()) {
            for (const json& c : *contexts) {
              const json* cond = member(c, "condition");
              if (condition_passes(*this, truthy(cond) ? *cond : json::object())) {
                leaf = &c;
                break;
              }
            }
          }
          json cb = json::object();
          if (leaf) {
            const json* w = member(*leaf, "weights");
            if (w) exp["weights"] = *w;
            cb["leafId"] = leaf->contains("leafId") ? (*leaf)["leafId"] : json(nullptr);
            cb["variationWeights"] = w ? *w : json(nullptr);
          } else {
            cb["leafId"] = -1;
            if (exp.contains("weights")) cb["variationWeights"] = exp["weights"];
            else cb["variationWeights"] = equal_weights(static_cast<int64_t>(variations->is_array() ? variations->size() : 0));
          }
          if (const json* bv = member(*def, "banditVersion")) cb["banditVersion"] = *bv;
          exp["contextualBandit"] = cb;
        }
      }
      const json fid(id);
      json res = run(exp, &fid);
      // run() may have updated exp's contextualBandit; it returns it in res["_experiment"].
      json final_exp = res["_experiment"];
      res.erase("_experiment");
      if (final_exp.contains("contextualBandit") &&
          !(res["hashUsed"] == true && res["inExperiment"] == true)) {
        final_exp.erase("contextualBandit");
      }
      if (res["inExperiment"] == true && !truthy(member(res, "passthrough"))) {
        return feature_result(res["value"], "experiment", member(rule, "id"), &final_exp, &res);
      }
    }
  }
  const json* dv = member(*feature, "defaultValue");
  return feature_result(dv ? *dv : json(nullptr), "defaultValue", nullptr);
}

namespace {

json experiment_result(evaluation& ev, const json& exp, int64_t index, bool hash_used,
                       const json* feature_id, std::optional<double> bucket = std::nullopt,
                       bool sticky_used = false) {
  const json& variations = exp["variations"];
  const int64_t count = variations.is_array() ? static_cast<int64_t>(variations.size()) : 0;
  bool in_experiment = true;
  if (index < 0 || index >= count) {
    index = 0;
    in_experiment = false;
  }
  const bool use_fallback = ev.sticky && !truthy(member(exp, "disableStickyBucketing"));
  const hash_attr h = get_hash_attribute(ev.attributes, member(exp, "hashAttribute"),
                                         use_fallback ? member(exp, "fallbackAttribute") : nullptr);
  const json* meta = nullptr;
  if (const json* m = member(exp, "meta"); truthy(m) && m->is_array() &&
                                           static_cast<std::size_t>(index) < m->size()) {
    meta = &(*m)[static_cast<std::size_t>(index)];
  }
  json r = json::object();
  const json* mk = meta ? member(*meta, "key") : nullptr;
  r["key"] = truthy(mk) ? *mk : json(std::to_string(index));
  r["featureId"] = feature_id ? *feature_id : json(nullptr);
  r["inExperiment"] = in_experiment;
  r["hashUsed"] = hash_used;
  r["variationId"] = index;
  r["value"] = count > 0 ? variations[static_cast<std::size_t>(index)] : json(nullptr);
  r["hashAttribute"] = h.attribute;
  r["hashValue"] = h.value;
  r["stickyBucketUsed"] = sticky_used;
  if (const json* n = meta ? member(*meta, "name") : nullptr; truthy(n)) r["name"] = *n;
  if (bucket) r["bucket"] = *bucket;
  if (const json* p = meta ? member(*meta, "passthrough") : nullptr; truthy(p)) r["passthrough"] = *p;
  if (const json* cb = member(exp, "contextualBandit"); truthy(cb) && hash_used && in_experiment) {
    r["leafId"] = cb->contains("leafId") ? (*cb)["leafId"] : json(nullptr);
    r["variationWeights"] = cb->contains("variationWeights") ? (*cb)["variationWeights"] : json(nullptr);
    if (cb->contains("banditVersion")) r["banditVersion"] = (*cb)["banditVersion"];
  }
  return r;
}

// The sticky assignments of an experiment's user: the fallback attribute's
// doc, overridden by the hash attribute's.
struct sticky_lookup {
  json assignments = json::object();
  std::string hash_doc, fallback_doc;  // doc keys ("attr||value")
  std::vector<std::string> from_hash;  // assignment keys the hash attribute's doc holds

  // The doc key of one of `assignments`.
  const std::string& doc_of(const std::string& key) const {
    return std::find(from_hash.begin(), from_hash.end(), key) != from_hash.end() ? hash_doc : fallback_doc;
  }
};

sticky_lookup sticky_assignments(evaluation& ev, const json* hash_attribute, const json* fallback_attribute) {
  sticky_lookup out;
  const hash_attr h = get_hash_attribute(ev.attributes, hash_attribute, nullptr);
  out.hash_doc = h.attribute + "||" + sticky_string(h.value);
  const hash_attr f = get_hash_attribute(ev.attributes, fallback_attribute, nullptr);
  if (detail::js_truthy(f.value)) {
    out.fallback_doc = f.attribute + "||" + sticky_string(f.value);
    if (const json* doc = member(ev.sticky_docs, out.fallback_doc.c_str())) {
      if (const json* a = member(*doc, "assignments"); a && a->is_object()) out.assignments.update(*a);
    }
  }
  if (const json* doc = member(ev.sticky_docs, out.hash_doc.c_str())) {
    if (const json* a = member(*doc, "assignments"); a && a->is_object()) {
      out.assignments.update(*a);
      for (auto it = a->begin(); it != a->end(); ++it) out.from_hash.push_back(it.key());
    }
  }
  return out;
}

}  // namespace

json evaluation::run(json exp, const json* feature_id) {
  auto done = [&](json res) {
    res["_experiment"] = exp;
    return res;
  };
  auto miss = [&]() { return done(experiment_result(*this, exp, -1, false, feature_id)); };
  const json& variations = exp["variations"];
  const int64_t num = variations.is_array() ? static_cast<int64_t>(variations.size()) : 0;
  const json key = exp.contains("key") ? exp["key"] : json(nullptr);
  const std::string key_text = detail::js_string_of(key);
  if (num < 2) return miss();
  if (const json* e = member(ctx, "enabled"); e && *e == false) return miss();
  if (truthy(member(exp, "contextualBandit")) && truthy(member(exp, "weights"))) {
    exp["contextualBandit"]["variationWeights"] = exp["weights"];
  }
  const json* url = member(ctx, "url");
  const std::string url_text = url && url->is_string() ? url->get<std::string>() : std::string();
  if (const json* patterns = member(exp, "urlPatterns"); truthy(patterns) && !url_targeted(url_text, *patterns)) {
    return miss();
  }
  if (auto qs = query_string_override(key_text, url_text, num)) {
    return done(experiment_result(*this, exp, *qs, false, feature_id));
  }
  if (const json* forced = member(ctx, "forcedVariations"); forced && forced->is_object()) {
    if (auto it = forced->find(key_text); it != forced->end()) {
      const int64_t v = it->is_number() ? static_cast<int64_t>(std::floor(it->get<double>())) : -1;
      return done(experiment_result(*this, exp, v, false, feature_id));
    }
  }
  if (const json* st = member(exp, "status"); st && *st == "draft") return miss();
  if (const json* a = member(exp, "active"); a && *a == false) return miss();

  const bool sticky_on = sticky && !truthy(member(exp, "disableStickyBucketing"));
  const hash_attr h = get_hash_attribute(attributes, member(exp, "hashAttribute"),
                                         sticky_on ? member(exp, "fallbackAttribute") : nullptr);
  if (!detail::js_truthy(h.value)) return miss();

  int64_t assigned = -1;
  bool found_sticky = false;
  bool blocked = false;
  std::string read_doc, read_key;  // the sticky assignment that decides (found or blocking)
  if (sticky_on) {
    const sticky_lookup lookup =
        sticky_assignments(*this, member(exp, "hashAttribute"), member(exp, "fallbackAttribute"));
    const json& assignments = lookup.assignments;
    const json* minv = member(exp, "minBucketVersion");
    const int64_t min_version = truthy(minv) ? static_cast<int64_t>(to_num(*minv)) : 0;
    for (int64_t i = 0; i < min_version && i < 10000; ++i) {
      if (std::string old = key_text + "__" + std::to_string(i); assignments.contains(old)) {
        blocked = true;
        read_doc = lookup.doc_of(old);
        read_key = std::move(old);
        break;
      }
    }
    if (!blocked) {
      const std::string sk = sticky_experiment_key(key, member(exp, "bucketVersion"));
      if (auto it = assignments.find(sk); it != assignments.end()) {
        if (const json* meta = member(exp, "meta"); meta && meta->is_array()) {
          for (std::size_t i = 0; i < meta->size(); ++i) {
            const json* mk = member((*meta)[i], "key");
            if (mk && *mk == *it) {
              assigned = static_cast<int64_t>(i);
              break;
            }
          }
        }
      }
      found_sticky = assigned >= 0;
      if (found_sticky) {
        read_doc = lookup.doc_of(sk);
        read_key = sk;
      }
    }
  }

  if (!found_sticky) {
    if (const json* filters = member(exp, "filters"); truthy(filters)) {
      if (filtered_out(*this, *filters)) return miss();
    } else if (const json* ns = member(exp, "namespace"); truthy(ns) && !in_namespace(h.value, *ns, enc)) {
      return miss();
    }
    if (const json* c = member(exp, "condition"); truthy(c) && !condition_passes(*this, *c)) return miss();
    if (const json* parents = member(exp, "parentConditions"); parents && parents->is_array()) {
      const std::vector<std::string> evaluated = stack;
      for (const json& pc : *parents) {
        stack = evaluated;
        const json parent = eval_feature(str_of(member(pc, "id")));
        if (parent["source"] == "cyclicPrerequisite") return miss();
        const json obj = {{"value", parent["value"]}};
        const json* c = member(pc, "condition");
        if (!detail::evaluate_uncompiled(truthy(c) ? *c : json::object(), obj, &groups_ptr->get())) {
          return miss();
        }
      }
    }
    if (const json* g = member(exp, "groups"); truthy(g) && g->is_array()) {
      const json& flags = object_or_empty(member(ctx, "groups"));
      bool overlap = false;
      for (const json& name : *g) {
        if (const json* f = member(flags, detail::js_string_of(name).c_str()); truthy(f)) overlap = true;
      }
      if (!overlap) return miss();
    }
  }

  const json* seed = member(exp, "seed");
  const json* hv = member(exp, "hashVersion");
  auto n = hash_json(truthy(seed) ? detail::js_string_of(*seed) : key_text, h.value,
                     truthy(hv) ? *hv : json(1), enc);
  if (!n) return miss();
  if (!found_sticky) {
    const json* ranges = member(exp, "ranges");
    if (truthy(ranges)) {
      assigned = choose_variation(*n, *ranges);
    } else {
      const json* cov = member(exp, "coverage");
      assigned = choose_variation(*n, bucket_ranges(num, cov, member(exp, "weights")));
    }
  }
  if (blocked) {
    touch_sticky(read_doc, read_key);
    return done(experiment_result(*this, exp, -1, false, feature_id, std::nullopt, true));
  }
  if (assigned < 0) return miss();
  if (exp.contains("force")) {
    const json& f = exp["force"];
    const int64_t v = f.is_number() ? static_cast<int64_t>(f.get<double>()) : -1;
    return done(experiment_result(*this, exp, v, false, feature_id));
  }
  if (truthy(member(ctx, "qaMode"))) return miss();
  if (const json* st = member(exp, "status"); st && *st == "stopped") return miss();

  json res = experiment_result(*this, exp, assigned, true, feature_id, n, found_sticky);
  if (sticky_on) {
    const std::string value_text = sticky_string(h.value);
    const std::string doc_key = h.attribute + "||" + value_text;
    json existing = json::object();
    if (const json* doc = member(sticky_docs, doc_key.c_str())) {
      if (const json* a = member(*doc, "assignments"); a && a->is_object()) existing = *a;
    }
    json updated = existing;
    const std::string assignment_key = sticky_experiment_key(key, member(exp, "bucketVersion"));
    updated[assignment_key] = res["key"];
    if (updated != existing) {
      sticky_docs[doc_key] = {{"attributeName", h.attribute},
                              {"attributeValue", value_text},
                              {"assignments", updated}};
    }
    if (found_sticky) touch_sticky(read_doc, read_key);
    touch_sticky(doc_key, assignment_key);
  }
  return done(res);
}

json load_sticky_docs(const json& context, const json& all_docs) {
  // deriveStickyBucketIdentifierAttributes: hash and fallback attributes of
  // every experiment rule, then one doc per attribute value.
  std::vector<std::string> attrs;
  auto add = [&](const std::string& a) {
    if (std::find(attrs.begin(), attrs.end(), a) == attrs.end()) attrs.push_back(a);
  };
  if (const json* features = member(context, "features"); features && features->is_object()) {
    for (const json& f : *features) {
      const json* rules = member(f, "rules");
      if (!rules || !rules->is_array()) continue;
      for (const json& r : *rules) {
        if (truthy(member(r, "variations")) || truthy(member(r, "contextualVariations"))) {
          const json* ha = member(r, "hashAttribute");
          add(truthy(ha) ? detail::js_string_of(*ha) : "id");
          if (const json* fa = member(r, "fallbackAttribute"); truthy(fa)) add(detail::js_string_of(*fa));
        }
      }
    }
  }
  if (const json* exps = member(context, "experiments"); exps && exps->is_array()) {
    for (const json& e : *exps) {
      const json* ha = member(e, "hashAttribute");
      add(truthy(ha) ? detail::js_string_of(*ha) : "id");
      if (const json* fa = member(e, "fallbackAttribute"); truthy(fa)) add(detail::js_string_of(*fa));
    }
  }
  const json& attributes = object_or_empty(member(context, "attributes"));
  json out = json::object();
  for (const std::string& a : attrs) {
    const json* v = member(attributes, a.c_str());
    const std::string key = a + "||" + sticky_string(truthy(v) ? *v : json(""));
    if (const json* doc = member(all_docs, key.c_str())) out[key] = *doc;
  }
  return out;
}

}  // namespace experiment_detail

// ---------------------------------------------------------------------------
// Public API.

namespace {

using detail::json;

result<json> parse_context(std::string_view text) {
  auto doc = detail::parse_json(text);
  if (!doc) return doc.error();
  if (!doc->is_object()) {
    return make_error(errc::invalid_config, std::string("context must be an object, got ") +
                                                doc->type_name());
  }
  if (const json* a = doc->contains("attributes") ? &(*doc)["attributes"] : nullptr;
      a && !a->is_object() && !a->is_null()) {
    return make_error(errc::invalid_field, "attributes must be an object", "attributes");
  }
  if (const json* f = doc->contains("features") ? &(*doc)["features"] : nullptr;
      f && !f->is_object() && !f->is_null()) {
    return make_error(errc::invalid_field, "features must be an object", "features");
  }
  if (auto s = experiment_detail::check_sticky_order(doc.value()); !s) return s.error();
  if (doc->contains("savedGroups")) {
    const json& sg = (*doc)["savedGroups"];
    if (!sg.is_object() && !sg.is_null()) {
      return make_error(errc::invalid_field, "savedGroups must be an object", "savedGroups");
    }
    if (sg.is_object()) {
      auto g = detail::make_saved_groups(sg, "savedGroups");
      if (!g) return g.error();
    }
  }
  return doc;
}

}  // namespace

// Exposure events for the experiments a shopper was bucketed into, deduplicated
// by the SDK's key (hashAttribute + hashValue + experiment key + variationId),
// within this evaluation and against the context's `trackedExperiments` list.
json experiment_detail::exposures(const json& ctx, const json& features) {
  std::vector<std::string> seen;
  if (ctx.contains("trackedExperiments") && ctx["trackedExperiments"].is_array()) {
    for (const json& k : ctx["trackedExperiments"]) {
      if (k.is_string()) seen.push_back(k.get<std::string>());
    }
  }
  json out = json::array();
  for (auto it = features.begin(); it != features.end(); ++it) {
    const json& f = it.value();
    if (!f.contains("experimentResult") || !f.contains("experiment")) continue;
    const json& r = f["experimentResult"];
    if (r.value("inExperiment", false) != true || r.value("hashUsed", false) != true) continue;
    const std::string exp_key = detail::js_string_of(f["experiment"].value("key", json("")));
    const std::string key = detail::js_string_of(r["hashAttribute"]) + detail::js_string_of(r["hashValue"]) +
                            exp_key + detail::js_string_of(r["variationId"]);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out.push_back({{"dedupeKey", key}, {"experimentKey", exp_key}, {"featureId", it.key()},
                   {"variationId", r["variationId"]}, {"variationKey", r["key"]},
                   {"hashAttribute", r["hashAttribute"]}, {"hashValue", r["hashValue"]}});
  }
  return out;
}

namespace {

// With sticky bucketing on: the updated docs and their recency, which a
// caller hands to sticky_cookie_encode as they are.
void add_sticky_state(json& out, const experiment_detail::evaluation& ev) {
  if (!ev.sticky) return;
  out["stickyBucketAssignmentDocs"] = ev.sticky_docs;
  out["stickyBucketOrder"] = experiment_detail::sticky_order_of(ev.sticky_docs, ev.sticky_order);
}

std::string with_docs(const experiment_detail::evaluation& ev, const char* name, json value) {
  json out = json::object();
  out[name] = std::move(value);
  add_sticky_state(out, ev);
  return detail::dump_json(out);
}

}  // namespace

result<std::string> eval_feature(std::string_view context_json, std::string_view key) noexcept {
  try {
    auto ctx = parse_context(context_json);
    if (!ctx) return ctx.error();
    experiment_detail::evaluation ev(ctx.value());
    json r = ev.eval_feature(std::string(key));
    return with_docs(ev, "result", std::move(r));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> eval_all_features(std::string_view context_json) noexcept {
  try {
    auto ctx = parse_context(context_json);
    if (!ctx) return ctx.error();
    experiment_detail::evaluation ev(ctx.value());
    json all = json::object();
    if (ev.features && ev.features->is_object()) {
      for (auto it = ev.features->begin(); it != ev.features->end(); ++it) {
        ev.stack.clear();
        all[it.key()] = ev.eval_feature(it.key());
      }
    }
    json out = json::object();
    out["exposures"] = experiment_detail::exposures(ev.ctx, all);
    out["features"] = std::move(all);
    add_sticky_state(out, ev);
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

gb_definitions::gb_definitions() : impl_(std::make_unique<impl>()) {}
gb_definitions::gb_definitions(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
gb_definitions::~gb_definitions() = default;
gb_definitions::gb_definitions(gb_definitions&&) noexcept = default;
gb_definitions& gb_definitions::operator=(gb_definitions&&) noexcept = default;

namespace {

status precompile(gb_definitions::impl& d, const json& cond, const std::string& where) {
  if (!cond.is_object()) return ok_value;  // evaluated uncompiled, as the SDK would
  auto c = detail::compile_condition_value(cond, where);
  if (!c) return c.error();
  d.conditions.emplace(&cond, std::move(c.value()));
  return ok_value;
}

}  // namespace

result<gb_definitions> load_gb_definitions(std::string_view definitions_json) noexcept {
  try {
    auto doc = parse_context(definitions_json);
    if (!doc) return doc.error();
    auto p = std::make_unique<gb_definitions::impl>();
    p->doc = std::move(doc.value());
    const json& d = p->doc;
    if (d.contains("savedGroups") && d["savedGroups"].is_object()) {
      auto g = detail::make_saved_groups(d["savedGroups"], "savedGroups");
      if (!g) return g.error();
      p->groups = std::move(g.value());
    }
    if (d.contains("features") && d["features"].is_object()) {
      for (auto f = d["features"].begin(); f != d["features"].end(); ++f) {
        if (!f->is_object() || !f->contains("rules") || !(*f)["rules"].is_array()) continue;
        const json& rules = (*f)["rules"];
        for (std::size_t i = 0; i < rules.size(); ++i) {
          const std::string where = "features." + f.key() + ".rules[" + std::to_string(i) + "]";
          if (!rules[i].is_object()) continue;
          if (rules[i].contains("condition")) {
            if (auto s = precompile(*p, rules[i]["condition"], where + ".condition"); !s) return s.error();
          }
        }
      }
    }
    if (d.contains("contextualBandits") && d["contextualBandits"].is_object()) {
      for (auto b = d["contextualBandits"].begin(); b != d["contextualBandits"].end(); ++b) {
        if (!b->is_object() || !b->contains("contexts") || !(*b)["contexts"].is_array()) continue;
        for (const json& c : (*b)["contexts"]) {
          if (c.is_object() && c.contains("condition")) {
            if (auto s = precompile(*p, c["condition"], "contextualBandits." + b.key()); !s) return s.error();
          }
        }
      }
    }
    p->plan = experiment_detail::compile_plan(p->doc, p->conditions);
    return gb_definitions(std::move(p));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> eval_all_features(const gb_definitions& defs, std::string_view user_context_json) noexcept {
  try {
    auto ctx = parse_context(user_context_json);
    if (!ctx) return ctx.error();
    experiment_detail::evaluation ev(ctx.value(), &defs.get());
    json all = json::object();
    if (ev.features && ev.features->is_object()) {
      for (auto it = ev.features->begin(); it != ev.features->end(); ++it) {
        ev.stack.clear();
        all[it.key()] = ev.eval_feature(it.key());
      }
    }
    json out = json::object();
    out["exposures"] = experiment_detail::exposures(ev.ctx, all);
    out["features"] = std::move(all);
    add_sticky_state(out, ev);
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> eval_feature(const gb_definitions& defs, std::string_view user_context_json,
                                 std::string_view key) noexcept {
  try {
    auto ctx = parse_context(user_context_json);
    if (!ctx) return ctx.error();
    experiment_detail::evaluation ev(ctx.value(), &defs.get());
    return with_docs(ev, "result", ev.eval_feature(std::string(key)));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> eval_auto_experiments(std::string_view context_json) noexcept {
  try {
    auto ctx = parse_context(context_json);
    if (!ctx) return ctx.error();
    experiment_detail::evaluation ev(ctx.value());
    json tracked = json::array();
    std::string redirect;
    const json& c = ctx.value();
    const std::string current = c.contains("url") && c["url"].is_string() ? c["url"].get<std::string>() : "";
    if (c.contains("experiments") && c["experiments"].is_array()) {
      for (const json& exp : c["experiments"]) {
        if (!exp.is_object() || !exp.contains("variations") || !exp["variations"].is_array()) continue;
        const bool is_redirect = exp.contains("urlPatterns") && detail::js_truthy(exp["urlPatterns"]) &&
            std::any_of(exp["variations"].begin(), exp["variations"].end(),
                        [](const json& v) { return v.is_object() && v.contains("urlRedirect"); });
        json r = ev.run(exp, nullptr);
        r.erase("_experiment");
        if (r["inExperiment"] == true && r["hashUsed"] == true) {
          tracked.push_back({{"experimentKey", exp.contains("key") ? exp["key"] : json(nullptr)}, {"result", r}});
        }
        if (r["inExperiment"] != true) continue;
        const json& value = r["value"];
        if (is_redirect && value.is_object() && value.contains("urlRedirect") &&
            detail::js_truthy(value["urlRedirect"])) {
          const std::string target = detail::js_string_of(value["urlRedirect"]);
          const bool persist = exp.contains("persistQueryString") && detail::js_truthy(exp["persistQueryString"]);
          const std::string u = persist ? experiment_detail::merge_query_strings(current, target) : target;
          if (!experiment_detail::url_targeted(u, exp["urlPatterns"])) redirect = u;
        }
        if (is_redirect) break;
      }
    }
    json out = {{"tracked", tracked}, {"redirectUrl", redirect}};
    add_sticky_state(out, ev);
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> run_experiment(std::string_view context_json,
                                   std::string_view experiment_json) noexcept {
  try {
    auto ctx = parse_context(context_json);
    if (!ctx) return ctx.error();
    auto exp = detail::parse_json(experiment_json);
    if (!exp) return exp.error();
    if (!exp->is_object()) return make_error(errc::invalid_config, "experiment must be an object");
    if (!exp->contains("variations") || !(*exp)["variations"].is_array()) {
      return make_error(errc::invalid_field, "variations must be an array", "variations");
    }
    if (exp->contains("condition")) {
      auto c = detail::compile_condition_value((*exp)["condition"], "condition");
      if (!c && c.error().code == errc::limit_exceeded) return c.error();
    }
    experiment_detail::evaluation ev(ctx.value());
    json r = ev.run(exp.value(), nullptr);
    r.erase("_experiment");
    return with_docs(ev, "result", std::move(r));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
