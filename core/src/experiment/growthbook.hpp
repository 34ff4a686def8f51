// GrowthBook's evaluation model over nlohmann JSON (private to the core).
// Functions mirror the JS SDK's pure helpers (src/util.ts) and its numbered
// runExperiment / evalFeature steps (src/core.ts), so each can be checked
// against the shared vectors one by one.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.hpp"
#include "condition/condition_impl.hpp"
#include "experiment/plan.hpp"
#include "tailor/experiment.hpp"

namespace tailor::experiment_detail {

using detail::json;

inline constexpr uint32_t fnv_offset_basis = 0x811c9dc5u;
// FNV-1a 32-bit continued from state `h` (fnv1a32(a + b) == extend(extend(basis, a), b)
// for valid UTF-8 a and b), so seeds can be hashed once, ahead of the ids.
uint32_t fnv1a32_extend(uint32_t h, std::string_view text, hash_encoding enc) noexcept;

// Small readers of definition JSON with the SDK's JavaScript semantics.
const json* member(const json& obj, const char* key);
inline bool truthy(const json* v) { return v && detail::js_truthy(*v); }
double to_num(const json& v);  // ToNumber for config values: null -> 0, strings parsed
std::string str_of(const json* v);  // String(v), "undefined" when missing

std::optional<double> hash_json(std::string_view seed, const json& value, const json& version,
                                hash_encoding enc);
std::vector<double> equal_weights(int64_t n);
// getBucketRanges(numVariations, coverage, weights); null pointers are `undefined`.
json bucket_ranges(int64_t num_variations, const json* coverage, const json* weights);
int64_t choose_variation(double n, const json& ranges);
std::optional<int64_t> query_string_override(const std::string& id, const std::string& url,
                                             int64_t num_variations);
bool in_namespace(const json& hash_value, const json& ns, hash_encoding enc);

// The `experiment` object the SDK builds from an experiment rule of feature `id`
// (before contextual bandits are applied).
json rule_experiment(const json& rule, const json& variations, const std::string& id);

// Exposure events of evaluated FeatureResults (see eval_all_features).
json exposures(const json& ctx, const json& features);

}  // namespace tailor::experiment_detail

namespace tailor {
// Parsed once, evaluated for many shoppers: definitions with their
// conditions compiled (regexes included).
struct gb_definitions::impl {
  detail::json doc = detail::json::object();
  saved_groups groups;
  std::unordered_map<const detail::json*, condition> conditions;
  experiment_detail::plan plan;  // the same definitions as plain structs (eval_all_compact)
};
}  // namespace tailor

namespace tailor::experiment_detail {

// One evaluation: the context plus the state the SDK keeps while evaluating.
struct evaluation {
  const json& ctx;
  const json& attributes;
  const gb_definitions::impl* defs = nullptr;
  const json* features = nullptr;
  const json* contextual_bandits = nullptr;
  saved_groups groups;
  const saved_groups* groups_ptr = &groups;
  hash_encoding enc = hash_encoding::utf16;
  bool sticky = false;
  json sticky_docs = json::object();
  // Recency of the sticky assignments: the context's stickyBucketOrder, then
  // ["attr||value", "exp__version"] of every assignment this evaluation read
  // to decide a result or wrote, in the order it did (see sticky_order_of).
  json sticky_order = json::array();
  std::vector<std::string> stack;  // features being evaluated (cycle detection)

  explicit evaluation(const json& context, const gb_definitions::impl* definitions = nullptr);
  json eval_feature(const std::string& id);
  json run(json experiment, const json* feature_id);
  void touch_sticky(const std::string& doc_key, const std::string& assignment_key);
};

// Every assignment of `docs` once, as ["attr||value", "exp__version"], least
// recently used first: those `order` does not list (in the docs' order), then
// the listed ones by their last place in `order` (sticky_order.cpp). This is
// the order sticky_cookie_encode keeps when it evicts.
json sticky_order_of(const json& docs, const json& order);

// The context's stickyBucketOrder: absent, null or an array of two-string arrays.
status check_sticky_order(const json& context);

// isURLTargeted(url, urlPatterns) and mergeQueryStrings(old, new) (url.cpp).
bool url_targeted(const std::string& href, const json& targets);
std::string merge_query_strings(const std::string& old_url, const std::string& new_url);

// Sticky docs this user would load from a store holding `all_docs`
// (getStickyBucketAttributes + getAllAssignments).
json load_sticky_docs(const json& context, const json& all_docs);

}  // namespace tailor::experiment_detail
