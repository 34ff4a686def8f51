// Recommender configurations as experiment variations (see slot_experiment.hpp).
// Assignment goes through the experiment module's public API, so a slot buckets
// exactly as GrowthBook's SDK buckets the same feature.
#include "recommend/slot_experiment.hpp"

#include <algorithm>

#include "condition/condition_impl.hpp"

namespace tailor::recommend_detail {

std::optional<slot_choice> choice_of_value(const json& value, std::string& why) {
  slot_choice c;
  if (value.is_null()) return c;
  if (value.is_string()) {
    c.what = slot_choice::kind::slot;
    c.slot = value.get<std::string>();
    return c;
  }
  if (value.is_object()) {
    if (value.contains("experiment")) {
      why = "a variation cannot name another experiment";
      return std::nullopt;
    }
    c.what = slot_choice::kind::patch;
    c.patch = value;
    return c;
  }
  why = std::string("a variation value must be null, a slot name or an object of overrides, not ") + value.type_name();
  return std::nullopt;
}

status slot_experiments::load(const json& config) {
  json defs = json::object();
  for (const char* key : {"features", "savedGroups", "contextualBandits"}) {
    if (auto it = config.find(key); it != config.end()) defs[key] = *it;
  }
  if (defs.empty()) return ok_value;
  if (auto f = defs.find("features"); f != defs.end() && f->is_object()) features_ = *f;
  auto d = load_gb_definitions(detail::dump_json(defs));
  if (!d) {
    error e = d.error();
    e.where = detail::path_join("config", e.where);
    return e;
  }
  defs_ = std::move(d.value());
  return ok_value;
}

std::vector<std::pair<json, std::string>> slot_experiments::values_of(const std::string& feature) const {
  std::vector<std::pair<json, std::string>> out;
  auto f = features_.find(feature);
  if (f == features_.end() || !f->is_object()) return out;
  const std::string base = "config.features." + feature;
  if (auto d = f->find("defaultValue"); d != f->end()) out.emplace_back(*d, base + ".defaultValue");
  auto rules = f->find("rules");
  if (rules == f->end() || !rules->is_array()) return out;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const json& r = (*rules)[i];
    if (!r.is_object()) continue;
    const std::string rp = detail::path_index(base + ".rules", i);
    if (auto force = r.find("force"); force != r.end()) out.emplace_back(*force, rp + ".force");
    if (auto v = r.find("variations"); v != r.end() && v->is_array()) {
      for (std::size_t j = 0; j < v->size(); ++j) out.emplace_back((*v)[j], detail::path_index(rp + ".variations", j));
    }
  }
  return out;
}

namespace {

json empty_record(const std::string& feature) {
  return {{"feature", feature},   {"source", nullptr}, {"experiment_key", nullptr}, {"variation_id", nullptr},
          {"variation_key", nullptr}, {"in_experiment", false}, {"config", "default"},   {"exposure", nullptr}};
}

std::string error_text(const error& e) {
  return std::string(errc_name(e.code)) + ": " + e.message + (e.where.empty() ? "" : " (at " + e.where + ")");
}

// The evaluation output for `feature`: {"result": FeatureResult, "stickyBucketAssignmentDocs"?}.
result<json> evaluate(const std::optional<gb_definitions>& defs, const std::string& feature, const json* context) {
  const std::string text = context ? detail::dump_json(*context) : std::string("{}");
  auto r = defs ? eval_feature(*defs, text, feature) : eval_feature(text, feature);
  if (!r) return r.error();
  auto j = detail::parse_json(r.value());
  if (!j) return j.error();
  return std::move(j.value());
}

// The exposure event evalAll would list for this FeatureResult, deduplicated by
// the SDK's key against the context's trackedExperiments; null when there is none.
json exposure_of(const std::string& feature, const json& fr, const json* context) {
  auto r = fr.find("experimentResult");
  auto x = fr.find("experiment");
  if (r == fr.end() || x == fr.end() || !r->is_object() || !x->is_object()) return nullptr;
  if (r->value("inExperiment", false) != true || r->value("hashUsed", false) != true) return nullptr;
  auto field = [&](const char* k) { return r->contains(k) ? (*r)[k] : json(nullptr); };
  const std::string exp_key = detail::js_string_of(x->value("key", json("")));
  const std::string dedupe = detail::js_string_of(field("hashAttribute")) + detail::js_string_of(field("hashValue")) +
                             exp_key + detail::js_string_of(field("variationId"));
  if (context && context->is_object()) {
    if (auto t = context->find("trackedExperiments"); t != context->end() && t->is_array()) {
      if (std::find(t->begin(), t->end(), json(dedupe)) != t->end()) return nullptr;
    }
  }
  return {{"dedupeKey", dedupe},        {"experimentKey", exp_key},           {"featureId", feature},
          {"variationId", field("variationId")}, {"variationKey", field("key")}, {"hashAttribute", field("hashAttribute")},
          {"hashValue", field("hashValue")}};
}

}  // namespace

void slot_experiments::fall_back(slot_choice& c, const std::string& feature, const std::string& why) {
  c.what = slot_choice::kind::base;
  c.slot.clear();
  c.patch = nullptr;
  c.assigned = false;
  c.record["config"] = "default";
  c.record["exposure"] = nullptr;
  c.warnings.push_back("experiment \"" + feature + "\": " + why + "; served the slot's own configuration");
}

slot_choice slot_experiments::assign(const std::string& feature, const json* context, const json* assignments) const {
  slot_choice c;
  c.record = empty_record(feature);
  if (context && !context->is_object()) {
    c.record["source"] = "error";
    fall_back(c, feature, "experiment_context must be an object");
    return c;
  }
  json fr;
  if (assignments && assignments->is_object() && assignments->contains(feature)) {
    fr = (*assignments)[feature];
    if (!fr.is_object()) {
      c.record["source"] = "error";
      fall_back(c, feature, "the assignment is not a FeatureResult object");
      return c;
    }
    c.record["source"] = fr.contains("source") ? fr["source"] : json("assignment");
  } else {
    auto out = evaluate(defs_, feature, context);
    if (!out) {
      c.record["source"] = "error";
      fall_back(c, feature, "cannot evaluate: " + error_text(out.error()));
      return c;
    }
    fr = (*out)["result"];
    c.record["source"] = fr.value("source", json(nullptr));
    if (auto docs = out->find("stickyBucketAssignmentDocs"); docs != out->end()) {
      c.record["stickyBucketAssignmentDocs"] = *docs;
    }
  }
  if (auto r = fr.find("experimentResult"); r != fr.end() && r->is_object()) {
    if (auto x = fr.find("experiment"); x != fr.end() && x->is_object() && x->contains("key")) {
      c.record["experiment_key"] = detail::js_string_of((*x)["key"]);
    }
    c.record["variation_id"] = r->value("variationId", json(nullptr));
    c.record["variation_key"] = r->value("key", json(nullptr));
    c.record["in_experiment"] = r->value("inExperiment", false) == true;
  }
  std::string why;
  auto choice = choice_of_value(fr.value("value", json(nullptr)), why);
  if (!choice) {
    fall_back(c, feature, why);
    return c;
  }
  c.what = choice->what;
  c.slot = std::move(choice->slot);
  c.patch = std::move(choice->patch);
  c.assigned = true;
  c.record["config"] = c.what == slot_choice::kind::base    ? json("default")
                       : c.what == slot_choice::kind::patch ? json("override")
                                                            : json("slot:" + c.slot);
  c.record["exposure"] = exposure_of(feature, fr, context);
  return c;
}

}  // namespace tailor::recommend_detail
