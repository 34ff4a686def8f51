// libFuzzer target: catalog import (JSON lines and CSV).
#include <cstdint>
#include <string_view>

#include "tailor/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  (void)tailor::parse_catalog_jsonl(in);
  (void)tailor::parse_catalog_csv(in);
  return 0;
}
