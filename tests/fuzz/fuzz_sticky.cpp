// libFuzzer target: the sticky-bucketing cookie (decode, then re-encode what decoded).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  auto d = tailor::sticky_cookie_decode(in);
  if (!d) return 0;
  // What decodes is {"stickyBucketAssignmentDocs":{...},"order":[...]}: it must encode again.
  auto j = nlohmann::json::parse(d.value(), nullptr, false);
  if (j.is_discarded() || !j.contains("stickyBucketAssignmentDocs") || !j.contains("order")) std::abort();
  auto e = tailor::sticky_cookie_encode(j["stickyBucketAssignmentDocs"].dump(), j["order"].dump());
  if (!e) std::abort();
  return 0;
}
