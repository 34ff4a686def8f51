// The event codec on an ingest batch: the DOM path (nlohmann parse, then
// decode_event_value per event; event_to_json + dump_json per event) against
// decode_events' DOM-free reader and encode_event's direct writer, in one
// process, rounds interleaved so both see the same machine load.
//
//   build/native/tailor_event_codec_bench [batches per round] [rounds]
//
// The batch is shaped like bench/server-events.lua's: 20 view events of
// mixed shoppers. Both paths' results are checked equal before timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "event/event_json.hpp"
#include "tailor/event.hpp"

namespace {

std::string base36(long long n) {
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  do {
    s.insert(s.begin(), digits[n % 36]);
    n /= 36;
  } while (n > 0);
  return s;
}

// As server-events.lua's request(): counter 1, thread 1, 10,000 shoppers.
std::string server_batch(int size) {
  const long long now_ms = 1764915000000;
  const long long counter = 1;
  std::string text = "[";
  for (int i = 1; i <= size; ++i) {
    const long long n = counter * size + i;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  R"({"id":"e-%s-b1-1-%08llx","type":"view","ts":%lld,"uid":"u%lld","item_id":"sku-%lld"})",
                  base36(now_ms).c_str(), n, now_ms + i, (n * 7919 + 1) % 10000, n % 5000);
    text += (i > 1 ? "," : "");
    text += buf;
  }
  return text + "]";
}

// One request's codec work: decode the batch, encode each event for storage.
// Each path returns the number of events it handled.
std::size_t dom_decode(const std::string& text, std::vector<std::string>&) {
  auto b = tailor::detail::decode_events_dom(text);
  if (!b) std::abort();
  return b->events.size();
}

std::size_t direct_decode(const std::string& text, std::vector<std::string>&) {
  auto b = tailor::decode_events(text);
  if (!b) std::abort();
  return b->events.size();
}

const std::vector<tailor::event>& decoded(const std::string& text) {
  static const auto b = tailor::decode_events(text);
  return b->events;
}

std::size_t dom_encode(const std::string& text, std::vector<std::string>& out) {
  out.clear();
  for (const auto& ev : decoded(text)) out.push_back(tailor::detail::dump_json(tailor::detail::event_to_json(ev)));
  return out.size();
}

std::size_t direct_encode(const std::string& text, std::vector<std::string>& out) {
  out.clear();
  for (const auto& ev : decoded(text)) out.push_back(tailor::encode_event(ev));
  return out.size();
}

std::size_t dom_both(const std::string& text, std::vector<std::string>& out) {
  auto b = tailor::detail::decode_events_dom(text);
  if (!b) std::abort();
  out.clear();
  for (const auto& ev : b->events) out.push_back(tailor::detail::dump_json(tailor::detail::event_to_json(ev)));
  return out.size();
}

std::size_t direct_both(const std::string& text, std::vector<std::string>& out) {
  auto b = tailor::decode_events(text);
  if (!b) std::abort();
  out.clear();
  for (const auto& ev : b->events) out.push_back(tailor::encode_event(ev));
  return out.size();
}

using path = std::size_t (*)(const std::string&, std::vector<std::string>&);

double microseconds_per_batch(path run, const std::string& text, int batches) {
  std::vector<std::string> out;
  std::size_t events = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < batches; ++i) events += run(text, out);
  const auto t1 = std::chrono::steady_clock::now();
  if (events != static_cast<std::size_t>(batches) * 20) std::abort();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / batches;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int batches = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  const std::string text = server_batch(20);

  std::vector<std::string> dom_out, direct_out;
  dom_both(text, dom_out);
  direct_both(text, direct_out);
  if (dom_out != direct_out || dom_out.size() != 20) {
    std::fprintf(stderr, "the two paths disagree on the batch\n");
    return 1;
  }

  struct pair {
    const char* what;
    path dom, direct;
    std::vector<double> dom_us, direct_us;
  };
  pair pairs[] = {{"decode", dom_decode, direct_decode, {}, {}},
                  {"encode", dom_encode, direct_encode, {}, {}},
                  {"decode+encode", dom_both, direct_both, {}, {}}};
  for (int r = 0; r < rounds; ++r) {
    for (auto& p : pairs) {
      p.dom_us.push_back(microseconds_per_batch(p.dom, text, batches));
      p.direct_us.push_back(microseconds_per_batch(p.direct, text, batches));
    }
  }
  std::printf("batch: 20 view events, %zu bytes; medians of %d interleaved rounds of %d batches\n", text.size(),
              rounds, batches);
  std::printf("%-14s %12s %12s %8s\n", "us/batch", "DOM", "direct", "ratio");
  for (const auto& p : pairs) {
    const double d = median(p.dom_us), f = median(p.direct_us);
    std::printf("%-14s %12.2f %12.2f %7.2fx\n", p.what, d, f, d / f);
  }
  return 0;
}
