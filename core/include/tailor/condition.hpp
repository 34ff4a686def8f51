// Targeting conditions: the MongoDB-style language GrowthBook defines
// ($eq, $in, $elemMatch, $regex, $vgt, ...), shared by segments, experiments,
// recommendation rules and copy. Evaluation matches GrowthBook's JS SDK
// (`evalCondition`), including its JS comparison semantics.
#pragma once

#include <memory>
#include <string_view>

#include "tailor/common.hpp"

namespace tailor {

// A parsed attribute document (JSON object) that conditions are evaluated on.
class attributes {
 public:
  attributes();
  ~attributes();
  attributes(attributes&&) noexcept;
  attributes& operator=(attributes&&) noexcept;

  struct impl;
  const impl& get() const noexcept { return *impl_; }
  impl& get() noexcept { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

[[nodiscard]] result<attributes> parse_attributes(std::string_view json) noexcept;

// A compiled condition. Compilation checks structure and limits (depth,
// regex length); evaluation never fails. Regexes run on a linear-time engine,
// so a hostile pattern cannot hang the module; an invalid pattern is false.
class condition {
 public:
  condition();
  ~condition();
  condition(condition&&) noexcept;
  condition& operator=(condition&&) noexcept;

  struct impl;
  explicit condition(std::unique_ptr<impl> p) noexcept;
  const impl& get() const noexcept { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

// Compiles condition JSON text (an object). Errors: invalid_condition (not
// JSON, not an object), limit_exceeded (nesting deeper than
// limits::max_condition_depth, a regex longer than limits::max_regex_pattern_bytes
// or one that expands past the regex program cap).
[[nodiscard]] result<condition> compile_condition(std::string_view json) noexcept;

// GrowthBook's saved groups payload: {"id": [values...]} (v1) or
// {"id": {"type":"list","attributeKey":"...","values":[...]}} /
// {"id": {"type":"condition","condition":{...}}}. Used by $inGroup,
// $notInGroup and $savedGroup; without it, every group is unknown.
class saved_groups {
 public:
  saved_groups();
  ~saved_groups();
  saved_groups(saved_groups&&) noexcept;
  saved_groups& operator=(saved_groups&&) noexcept;

  struct impl;
  explicit saved_groups(std::unique_ptr<impl> p) noexcept;
  const impl& get() const noexcept { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

[[nodiscard]] result<saved_groups> parse_saved_groups(std::string_view json) noexcept;

// Evaluates as GrowthBook's evalCondition does. Never fails: where the JS SDK
// would throw (e.g. `{"$or": null}`), or the evaluation budget
// (condition_eval_budget) runs out, the answer is false.
bool evaluate(const condition& cond, const attributes& attrs) noexcept;
bool evaluate(const condition& cond, const attributes& attrs, const saved_groups& groups) noexcept;

// Steps (comparisons, path lookups, operator calls) one evaluation may take.
inline constexpr uint64_t condition_eval_budget = 4'000'000;

}  // namespace tailor
