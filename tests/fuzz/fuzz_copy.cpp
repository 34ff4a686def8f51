// libFuzzer target: Liquid compile + render under small limits. Input: the
// template, optionally followed by a NUL byte and the render data JSON.
// Any result is fine; a crash, hang, sanitizer report or a budget overrun is not.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tailor/copy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace tailor;
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  std::string_view tpl = in, data = R"({"s":"Ana","n":3,"f":1.5,"a":[1,"b",null,{"k":"v"}],"o":{"x":{"y":[2,1]}},"t":true})";
  if (auto z = in.find('\0'); z != std::string_view::npos) {
    tpl = in.substr(0, z);
    data = in.substr(z + 1);
  }
  auto t = copy::compile(tpl);
  if (!t) {
    if (t.error().message.empty()) std::abort();
    return 0;
  }
  (void)t->variables();
  (void)t->data_paths();
  copy::render_options opt;
  opt.limits.steps = 20'000;
  opt.limits.loop_iterations = 2'000;
  opt.limits.output_bytes = 16u << 10;
  opt.limits.memory_bytes = 1u << 20;
  auto r = copy::render(t.value(), data, opt);
  if (r) {
    if (r->text.size() > opt.limits.output_bytes || r->steps > opt.limits.steps) std::abort();
    // Rendered text is measured and checked like any copy.
    (void)copy::sms_segments(r->text);
    (void)copy::display_width(r->text);
    (void)copy::truncate(r->text, "grapheme", 30);
    (void)copy::check_compliance(r->text);
  } else if (r.error().message.empty()) {
    std::abort();
  }
  return 0;
}
