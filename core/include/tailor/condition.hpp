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
  const impl& get() const noexcept { return *impl_; }

 private:
  friend result<condition> compile_condition(std::string_view json) noexcept;
  std::unique_ptr<impl> impl_;
};

[[nodiscard]] result<condition> compile_condition(std::string_view json) noexcept;

bool evaluate(const condition& cond, const attributes& attrs) noexcept;

}  // namespace tailor
