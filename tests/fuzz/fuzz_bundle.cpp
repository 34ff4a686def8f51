// libFuzzer target: opening untrusted bundle bytes. The content hash is
// recomputed first, so mutations reach the structural checks behind it (the
// hash check itself is covered by tests/core/bundle_test.cpp).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tailor/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string b(reinterpret_cast<const char*>(bytes), size);  // 8-byte aligned, as open_bundle requires
  if (b.size() >= tailor::bundle_header_bytes) {
    std::memset(b.data() + 24, 0, 8);
    const uint64_t h = tailor::bundle_hash_v1(reinterpret_cast<const uint8_t*>(b.data()), b.size());
    std::memcpy(b.data() + 24, &h, 8);
  }
  auto v = tailor::open_bundle(b);
  (void)v;
  return 0;
}
