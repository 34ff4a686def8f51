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
#include "tailor/experiment.hpp"

namespace tailor::experiment_detail {

using detail::json;

std::optional<double> hash_json(std::string_view seed, const json& value, const json& version,
                                hash_encoding enc);
std::vector<double> equal_weights(int64_t n);
// getBucketRanges(numVariations, coverage, weights); null pointers are `undefined`.
json bucket_ranges(int64_t num_variations, const json* coverage, const json* weights);
int64_t choose_variation(double n, const json& ranges);
std::optional<int64_t> query_string_override(const std::string& id, const std::string& url,
                                             int64_t num_variations);
bool in_namespace(const json& hash_value, const json& ns, hash_encoding enc);

}  // namespace tailor::experiment_detail

namespace tailor {
// Parsed once, evaluated for many shoppers: definitions with their
// conditions compiled (regexes included).
struct gb_definitions::impl {
  detail::json doc = detail::json::object();
  saved_groups groups;
  std::unordered_map<const detail::json*, condition> conditions;
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
  std::vector<std::string> stack;  // features being evaluated (cycle detection)

  explicit evaluation(const json& context, const gb_definitions::impl* definitions = nullptr);
  json eval_feature(const std::string& id);
  json run(json experiment, const json* feature_id);
};

// isURLTargeted(url, urlPatterns) and mergeQueryStrings(old, new) (url.cpp).
bool url_targeted(const std::string& href, const json& targets);
std::string merge_query_strings(const std::string& old_url, const std::string& new_url);

// Sticky docs this user would load from a store holding `all_docs`
// (getStickyBucketAttributes + getAllAssignments).
json load_sticky_docs(const json& context, const json& all_docs);

}  // namespace tailor::experiment_detail
