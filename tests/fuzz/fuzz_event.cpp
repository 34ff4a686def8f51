// libFuzzer target: the event codec (one event, a batch, NDJSON lines).
#include <cstdint>
#include <string_view>

#include "tailor/event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  (void)tailor::decode_event(in);
  (void)tailor::decode_events(in);
  (void)tailor::decode_event_lines(in);
  return 0;
}
