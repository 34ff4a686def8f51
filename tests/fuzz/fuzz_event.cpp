// libFuzzer target: the event codec (one event, a batch, NDJSON lines), and
// its fast paths against the DOM paths they stand in for: decode_events must
// give exactly what decode_events_dom gives, and encode_event exactly the
// bytes of dump_json(event_to_json(ev)). A difference aborts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "tailor/event.hpp"

namespace {

bool same_error(const tailor::error& a, const tailor::error& b) {
  return a.code == b.code && a.message == b.message && a.where == b.where;
}

// The canonical JSON and the fields it leaves out.
bool same_event(const tailor::event& a, const tailor::event& b) {
  return tailor::encode_event(a) == tailor::encode_event(b) && a.quantity == b.quantity && a.slot == b.slot &&
         a.lines.size() == b.lines.size() && a.item_ids.size() == b.item_ids.size();
}

void check_batch_paths(std::string_view in) {
  const auto fast = tailor::decode_events(in);
  tailor::result<tailor::batch> dom = tailor::make_error(tailor::errc::internal, "");
  try {
    dom = tailor::detail::decode_events_dom(in);
  } catch (const std::exception& e) {
    dom = tailor::make_error(tailor::errc::internal, e.what());
  }
  if (fast.ok() != dom.ok()) std::abort();
  if (!fast.ok()) {
    if (!same_error(fast.error(), dom.error())) std::abort();
    return;
  }
  if (fast->events.size() != dom->events.size() || fast->rejected.size() != dom->rejected.size()) std::abort();
  for (std::size_t i = 0; i < fast->events.size(); ++i) {
    const auto& ev = fast->events[i];
    if (!same_event(ev, dom->events[i])) std::abort();
    if (tailor::encode_event(ev) != tailor::detail::dump_json(tailor::detail::event_to_json(ev))) std::abort();
  }
  for (std::size_t i = 0; i < fast->rejected.size(); ++i) {
    if (!same_error(fast->rejected[i], dom->rejected[i])) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  (void)tailor::decode_event(in);
  check_batch_paths(in);
  (void)tailor::decode_event_lines(in);
  return 0;
}
