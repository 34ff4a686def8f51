// libFuzzer target: conditions, attributes and saved groups. Input: the
// condition JSON, optionally followed by a NUL byte and the attributes JSON.
#include <cstdint>
#include <string_view>

#include "tailor/condition.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace tailor;
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  std::string_view cond = in, attrs = R"({"id":"u1","country":"CN","age":30,"tags":["a","b"],"v":"1.2.3"})";
  if (auto z = in.find('\0'); z != std::string_view::npos) {
    cond = in.substr(0, z);
    attrs = in.substr(z + 1);
  }
  (void)parse_saved_groups(cond);
  auto c = compile_condition(cond);
  auto a = parse_attributes(attrs);
  if (c && a) (void)evaluate(c.value(), a.value());
  return 0;
}
