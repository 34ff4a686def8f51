// Prometheus metrics (text exposition format 0.0.4) and structured JSON logs.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tailor::sync {

// Latency buckets in seconds (upper bounds), shared by every route.
inline constexpr std::array<double, 12> latency_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

// Routes are a closed set so metrics have bounded cardinality.
enum class route : uint8_t {
  hello, healthz, metrics, events, profile_get, profile_delete, identify, assign, bundle_get,
  bundle_put, bundle_versions, bundle_rollback, config_get, config_put, config_versions,
  config_rollback, results, keys, tokens, options, not_found, catalog_get, catalog_put,
  catalog_versions, catalog_rollback, count_
};
inline constexpr std::size_t route_count = static_cast<std::size_t>(route::count_);
std::string_view route_name(route r) noexcept;

// One latency histogram over latency_buckets; observed from any thread.
struct latency_histogram {
  std::array<std::atomic<int64_t>, latency_buckets.size() + 1> buckets{};  // the last: +Inf
  std::atomic<int64_t> sum_us{0};
  void observe(double seconds) noexcept;
  int64_t count() const noexcept;
};

class metrics {
 public:
  void observe(route r, int status, double seconds) noexcept;
  void events(int64_t accepted, int64_t duplicate, int64_t rejected, int64_t erased) noexcept;
  void commit(int64_t batch_events, double seconds) noexcept;
  // From a batch queued to its group commit starting.
  void queue_wait(double seconds) noexcept;
  // A storage checkpoint run by the writer between commits.
  void checkpoint(double seconds) noexcept;
  void storage_error() noexcept { storage_errors_.fetch_add(1, std::memory_order_relaxed); }
  void rate_limited() noexcept { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
  void in_flight(int delta) noexcept { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }

  // Storage gauges are filled in by the caller (sampled, not per request).
  struct gauges {
    int64_t stored_events = -1, profiles = -1, tombstones = -1, db_bytes = -1;
    int64_t queue_depth = 0, open_connections = 0;
    std::string_view backend;
  };
  std::string render(const gauges& g) const;

 private:
  struct route_stats {
    std::array<std::atomic<int64_t>, 5> by_class{};  // 1xx..5xx
    latency_histogram latency;
  };
  std::array<route_stats, route_count> routes_{};
  std::atomic<int64_t> accepted_{0}, duplicate_{0}, rejected_{0}, erased_{0};
  std::atomic<int64_t> committed_events_{0};
  // Commit time decides ingest's tail latency: a request waits for the commit
  // in progress and then for its own. Its count and sum are also the commit totals.
  latency_histogram commits_, queue_waits_, checkpoints_;
  std::atomic<int64_t> storage_errors_{0}, rate_limited_{0}, in_flight_{0};
};

// One JSON object per line on stderr; thread-safe.
class logger {
 public:
  explicit logger(bool access_log) : access_(access_log) {}
  bool access_enabled() const noexcept { return access_; }
  // fields_json: extra members without braces, e.g. "\"uid\":\"x\"" (already escaped).
  void log(std::string_view level, std::string_view msg, std::string_view fields_json = {});

 private:
  bool access_;
  std::mutex mu_;
};

// JSON string escaping for log fields and hand-built responses.
std::string json_quote(std::string_view s);
int64_t now_ms() noexcept;

}  // namespace tailor::sync
