// Segment rules over tailor::condition: compiled once with the config,
// evaluated on the profile JSON (the attribute document).
#include "profile/profile_impl.hpp"
#include "tailor/condition.hpp"

#if __has_include("condition/condition_impl.hpp")
#define TAILOR_HAS_CONDITION 1
#include "condition/condition_impl.hpp"
#else
#define TAILOR_HAS_CONDITION 0
#endif

namespace tailor::profile_detail {

struct compiled_segments {
#if TAILOR_HAS_CONDITION
  std::vector<condition> rules;
#else
  std::size_t count = 0;  // until the condition module lands: only {} (always true)
#endif
};

result<std::shared_ptr<const compiled_segments>> compile_segments(const std::vector<segment_rule>& rules) {
  auto out = std::make_shared<compiled_segments>();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string base = detail::path_join(detail::path_index("", i), "condition");
#if TAILOR_HAS_CONDITION
    auto c = detail::compile_condition_value(rules[i].condition, base);
    if (!c) return c.error();
    out->rules.push_back(std::move(c.value()));
#else
    if (!rules[i].condition.empty()) {
      return make_error(errc::invalid_condition, "this build has no condition engine", base);
    }
    ++out->count;
#endif
  }
  return std::shared_ptr<const compiled_segments>(std::move(out));
}

std::vector<bool> evaluate_segments(const compiled_segments& segs, const detail::json& attributes) {
#if TAILOR_HAS_CONDITION
  std::vector<bool> out(segs.rules.size(), false);
  for (std::size_t i = 0; i < segs.rules.size(); ++i) {
    out[i] = detail::evaluate_json(segs.rules[i].get(), attributes, nullptr);
  }
  return out;
#else
  (void)attributes;
  return std::vector<bool>(segs.count, true);
#endif
}

}  // namespace tailor::profile_detail
