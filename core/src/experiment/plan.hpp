// GrowthBook definitions compiled once into plain structs: the fast path of
// eval_all_compact. Every field is what the SDK would read from the rule (or
// from the `experiment` object it builds from the rule) for a context that
// holds only attributes, already converted (seeds pre-hashed, ranges and
// coverage as numbers, conditions compiled), so evaluating a shopper touches
// no definition JSON and builds no result JSON.
#pragma once

#include <string>
#include <vector>

#include "common/json.hpp"
#include "condition/condition_impl.hpp"
#include "tailor/experiment.hpp"

namespace tailor::experiment_detail {

// A hash of one id under a seed: GrowthBook's hash(seed, value, version).
struct seeded_hash {
  std::string seed;
  uint32_t seed_state = 0;  // FNV state after the seed (hash version 2 hashes seed + id)
  int32_t version = 0;      // 1 or 2; 0: an unknown version (the SDK's null hash)
};

struct bucket {
  int32_t index = 0;  // variation index the range stands for
  double lo = 0, hi = 0;
};

struct compiled_filter {
  int32_t attribute = 0;  // slot in plan::attributes
  seeded_hash hash;
  std::vector<bucket> ranges;
};

// A rule or parent condition: compiled, raw JSON (not an object), or none.
// Identical conditions (same JSON) share a memo slot: one shopper's answer is
// computed once per page, however many rules repeat the targeting.
struct compiled_check {
  const condition::impl* compiled = nullptr;
  const detail::json* raw = nullptr;
  int32_t memo = -1;  // slot in the evaluation's memo; plan::condition_count slots
  bool present() const { return compiled || raw; }
};

struct compiled_parent {
  int32_t feature = -1;  // -1: not a feature of the definitions (unknownFeature)
  const detail::json* condition = nullptr;  // nullptr: {}
  bool gate = false;
};

struct compiled_rule {
  bool force = false;
  bool runs = false;  // an experiment rule with truthy variations (else skipped after parents/filters)
  std::vector<compiled_parent> parents;
  bool has_filters = false;  // truthy `filters` (an array fills `filters`)
  std::vector<compiled_filter> filters;
  compiled_check condition;
  std::string hash_attribute;
  int32_t hash_slot = 0;  // hash_attribute's slot in plan::attributes
  seeded_hash hash;
  detail::json id;  // ruleId of the FeatureResult
  // Force rules: value and rollout (range, else coverage).
  int32_t value = -1;
  bool has_range = false, range_valid = false, has_coverage = false, coverage_zero = false;
  double range_lo = 0, range_hi = 0, coverage = 0;
  // Experiment rules.
  int32_t variation_count = 0;  // 0 when variations is not an array
  std::vector<int32_t> variation_values;
  std::vector<bool> passthrough;
  std::vector<bucket> buckets;  // chooseVariation's ranges, in order
  bool has_namespace = false, namespace_valid = false;
  seeded_hash namespace_hash;
  double namespace_lo = 0, namespace_hi = 0;
  std::string key_text;  // String(experiment.key)
  detail::json experiment;  // the SDK's `experiment` object
};

struct compiled_feature {
  std::string key;
  bool known = false;  // a truthy definition (else unknownFeature)
  int32_t default_value = -1;
  std::vector<int32_t> rules;
};

struct plan {
  bool compact = true;  // false when a rule uses contextual bandits
  std::vector<compiled_feature> features;  // in the order eval_all_features lists them
  std::vector<compiled_rule> rules;
  std::vector<const detail::json*> values;  // results' values, by id
  std::vector<bool> truthy_values;          // Boolean(value), by id
  std::vector<std::string> attributes;      // attributes ids are hashed from, by slot
  int32_t condition_count = 0;             // distinct rule conditions (memo slots)
};

// Builds the plan of parsed definitions (whose conditions are compiled in
// `conditions`, keyed by their JSON node). Pointers into `doc` stay valid while
// the definitions live.
plan compile_plan(const detail::json& doc,
                  const std::unordered_map<const detail::json*, condition>& conditions);

}  // namespace tailor::experiment_detail
