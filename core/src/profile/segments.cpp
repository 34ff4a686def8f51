// Segment rules over tailor::condition: compiled once with the config,
// evaluated on the profile JSON value (the attribute document).
#include "condition/condition_impl.hpp"
#include "profile/profile_impl.hpp"
#include "tailor/condition.hpp"

namespace tailor::profile_detail {

struct compiled_segments {
  std::vector<condition> rules;
};

result<std::shared_ptr<const compiled_segments>> compile_segments(const std::vector<segment_rule>& rules) {
  auto out = std::make_shared<compiled_segments>();
  out->rules.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    // `where` is "[i].condition..."; the config parser prefixes "segments".
    auto c = detail::compile_condition_value(
        rules[i].condition, detail::path_join(detail::path_index("", i), "condition"));
    if (!c) return c.error();
    out->rules.push_back(std::move(c.value()));
  }
  return std::shared_ptr<const compiled_segments>(std::move(out));
}

std::vector<bool> evaluate_segments(const compiled_segments& segs, const detail::json& attributes) {
  std::vector<bool> out(segs.rules.size(), false);
  for (std::size_t i = 0; i < segs.rules.size(); ++i) {
    out[i] = detail::evaluate_json(segs.rules[i].get(), attributes, nullptr);
  }
  return out;
}

}  // namespace tailor::profile_detail
