// Embind entry points of the condition module.
#include <emscripten/bind.h>

#include "envelope.hpp"
#include "tailor/condition.hpp"

namespace tailor::wasm {
namespace {

// {"ok":true,"value":true|false}; an empty `groups` text means no saved groups.
std::string eval_condition_json(const std::string& cond, const std::string& attrs,
                                const std::string& groups) {
  return guarded([&] {
    auto c = compile_condition(cond);
    if (!c) return fail(c.error());
    auto a = parse_attributes(attrs);
    if (!a) return fail(a.error());
    if (groups.empty()) return succeed(evaluate(c.value(), a.value()));
    auto g = parse_saved_groups(groups);
    if (!g) return fail(g.error());
    return succeed(evaluate(c.value(), a.value(), g.value()));
  });
}

// Checks a condition without evaluating it: {"ok":true,"value":null} or the error.
std::string check_condition_json(const std::string& cond) {
  return guarded([&] {
    auto c = compile_condition(cond);
    if (!c) return fail(c.error());
    return succeed(nullptr);
  });
}

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_condition) {
  emscripten::function("evalCondition", &tailor::wasm::eval_condition_json);
  emscripten::function("checkCondition", &tailor::wasm::check_condition_json);
}
