// Private side of tailor/condition.hpp: the nlohmann-backed representations,
// so other modules (profile segments, experiments) can build attributes and
// conditions from JSON values they already hold, without re-parsing text.
#pragma once

#include <string>
#include <unordered_map>

#include "common/json.hpp"
#include "condition/regex.hpp"
#include "tailor/condition.hpp"

namespace tailor {

struct attributes::impl {
  detail::json doc = detail::json::object();
};

// Regexes are compiled once, when the condition is compiled, and keyed by the
// JSON node that holds the pattern (nodes live on the heap inside `doc` and
// never move while the condition exists). No cache outlives its condition.
using regex_cache = std::unordered_map<const detail::json*, condition_detail::js_regex>;

struct condition::impl {
  detail::json doc = detail::json::object();
  regex_cache regexes;
};

struct saved_groups::impl {
  detail::json doc = detail::json::object();
  regex_cache regexes;  // for "condition" groups
};

namespace detail {

// Wraps a JSON value (normally an object) as attributes. Never fails.
attributes make_attributes(json doc);

// Compiles a condition held as a JSON value. `where` prefixes error paths
// (e.g. "features.checkout.rules[2].condition").
[[nodiscard]] result<condition> compile_condition_value(const json& value,
                                                        const std::string& where);

// Saved groups from a JSON value (must be an object).
[[nodiscard]] result<saved_groups> make_saved_groups(const json& value, const std::string& where);

// Evaluates against a JSON attribute value directly (no copy); `groups` may be null.
bool evaluate_json(const condition::impl& cond, const json& attrs, const saved_groups::impl* groups);

// Evaluates a raw condition JSON value that was not precompiled (regexes are
// compiled on the fly). For callers that hold conditions transiently.
bool evaluate_uncompiled(const json& cond, const json& attrs, const saved_groups::impl* groups);

}  // namespace detail
}  // namespace tailor
