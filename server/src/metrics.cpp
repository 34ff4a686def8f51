#include "metrics.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "common/json.hpp"

namespace tailor::sync {

std::string_view route_name(route r) noexcept {
  static constexpr std::array<std::string_view, route_count> names{
      "hello",          "healthz",         "metrics",          "events",        "profile_get",
      "profile_delete", "identify",        "assign",           "bundle_get",    "bundle_put",
      "bundle_versions", "bundle_rollback", "config_get",      "config_put",    "config_versions",
      "config_rollback", "results",        "keys",             "tokens",        "options",
      "not_found",      "catalog_get",     "catalog_put",      "catalog_versions",
      "catalog_rollback"};
  auto i = static_cast<std::size_t>(r);
  return i < names.size() ? names[i] : "unknown";
}

void latency_histogram::observe(double seconds) noexcept {
  std::size_t b = 0;
  while (b < latency_buckets.size() && seconds > latency_buckets[b]) ++b;
  buckets[b].fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<int64_t>(seconds * 1e6), std::memory_order_relaxed);
}

int64_t latency_histogram::count() const noexcept {
  int64_t n = 0;
  for (const auto& b : buckets) n += b.load(std::memory_order_relaxed);
  return n;
}

namespace {

double seconds_of(const latency_histogram& h) { return static_cast<double>(h.sum_us.load()) / 1e6; }

// The _bucket, _sum and _count lines of one histogram; labels is "" or `k="v",`.
void render_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const latency_histogram& h) {
  int64_t cum = 0;
  for (std::size_t b = 0; b < latency_buckets.size(); ++b) {
    cum += h.buckets[b].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, latency_buckets[b], cum);
  }
  cum += h.buckets[latency_buckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, cum);
  const std::string tail = labels.empty() ? std::string()
                                          : "{" + std::string(labels.substr(0, labels.size() - 1)) + "}";
  out += fmt::format("{}_sum{} {}\n", name, tail, seconds_of(h));
  out += fmt::format("{}_count{} {}\n", name, tail, cum);
}

}  // namespace

void metrics::observe(route r, int status, double seconds) noexcept {
  auto& s = routes_[static_cast<std::size_t>(r)];
  int cls = status / 100 - 1;
  if (cls < 0 || cls > 4) cls = 4;
  s.by_class[static_cast<std::size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  s.latency.observe(seconds);
}

void metrics::events(int64_t accepted, int64_t duplicate, int64_t rejected,
                     int64_t erased) noexcept {
  accepted_.fetch_add(accepted, std::memory_order_relaxed);
  duplicate_.fetch_add(duplicate, std::memory_order_relaxed);
  rejected_.fetch_add(rejected, std::memory_order_relaxed);
  erased_.fetch_add(erased, std::memory_order_relaxed);
}

void metrics::commit(int64_t batch_events, double seconds) noexcept {
  committed_events_.fetch_add(batch_events, std::memory_order_relaxed);
  commits_.observe(seconds);
}

void metrics::checkpoint(double seconds) noexcept { checkpoints_.observe(seconds); }

void metrics::queue_wait(double seconds) noexcept { queue_waits_.observe(seconds); }

std::string metrics::render(const gauges& g) const {
  std::string out;
  auto line = [&](std::string_view s) {
    out += s;
    out.push_back('\n');
  };
  line("# HELP tailor_http_requests_total HTTP requests by route and status class.");
  line("# TYPE tailor_http_requests_total counter");
  static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t r = 0; r < route_count; ++r) {
    for (std::size_t c = 0; c < 5; ++c) {
      auto v = routes_[r].by_class[c].load(std::memory_order_relaxed);
      if (v == 0) continue;
      out += fmt::format("tailor_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         route_name(static_cast<route>(r)), classes[c], v);
    }
  }
  line("# HELP tailor_http_request_duration_seconds Time from routing to response.");
  line("# TYPE tailor_http_request_duration_seconds histogram");
  for (std::size_t r = 0; r < route_count; ++r) {
    const auto& latency = routes_[r].latency;
    if (latency.count() == 0) continue;
    render_histogram(out, "tailor_http_request_duration_seconds",
                     fmt::format("route=\"{}\",", route_name(static_cast<route>(r))), latency);
  }
  line("# HELP tailor_events_total Events received, by outcome.");
  line("# TYPE tailor_events_total counter");
  out += fmt::format("tailor_events_total{{outcome=\"accepted\"}} {}\n", accepted_.load());
  out += fmt::format("tailor_events_total{{outcome=\"duplicate\"}} {}\n", duplicate_.load());
  out += fmt::format("tailor_events_total{{outcome=\"rejected\"}} {}\n", rejected_.load());
  out += fmt::format("tailor_events_total{{outcome=\"erased\"}} {}\n", erased_.load());
  line("# HELP tailor_commits_total Group commits (one transaction each).");
  line("# TYPE tailor_commits_total counter");
  out += fmt::format("tailor_commits_total {}\n", commits_.count());
  line("# HELP tailor_committed_events_total Events written by group commits (incl. duplicates).");
  line("# TYPE tailor_committed_events_total counter");
  out += fmt::format("tailor_committed_events_total {}\n", committed_events_.load());
  line("# HELP tailor_commit_seconds_total Time spent in group commits.");
  line("# TYPE tailor_commit_seconds_total counter");
  out += fmt::format("tailor_commit_seconds_total {}\n", seconds_of(commits_));
  line("# HELP tailor_commit_duration_seconds Time of each group commit (including its fsync).");
  line("# TYPE tailor_commit_duration_seconds histogram");
  render_histogram(out, "tailor_commit_duration_seconds", "", commits_);
  line("# HELP tailor_ingest_queue_wait_seconds Time a batch waits for its group commit to start.");
  line("# TYPE tailor_ingest_queue_wait_seconds histogram");
  render_histogram(out, "tailor_ingest_queue_wait_seconds", "", queue_waits_);
  line("# HELP tailor_checkpoint_duration_seconds WAL checkpoints the writer ran between group commits.");
  line("# TYPE tailor_checkpoint_duration_seconds histogram");
  render_histogram(out, "tailor_checkpoint_duration_seconds", "", checkpoints_);
  line("# HELP tailor_storage_errors_total Storage operations that failed.");
  line("# TYPE tailor_storage_errors_total counter");
  out += fmt::format("tailor_storage_errors_total {}\n", storage_errors_.load());
  line("# HELP tailor_rate_limited_total Requests refused by a rate limit.");
  line("# TYPE tailor_rate_limited_total counter");
  out += fmt::format("tailor_rate_limited_total {}\n", rate_limited_.load());
  line("# HELP tailor_http_in_flight Requests being handled now.");
  line("# TYPE tailor_http_in_flight gauge");
  out += fmt::format("tailor_http_in_flight {}\n", in_flight_.load());
  line("# HELP tailor_ingest_queue_batches Batches waiting for the next group commit.");
  line("# TYPE tailor_ingest_queue_batches gauge");
  out += fmt::format("tailor_ingest_queue_batches {}\n", g.queue_depth);
  line("# HELP tailor_storage_info Storage back end in use.");
  line("# TYPE tailor_storage_info gauge");
  out += fmt::format("tailor_storage_info{{backend=\"{}\"}} 1\n", g.backend);
  if (g.stored_events >= 0) {
    line("# HELP tailor_storage_events Events stored.");
    line("# TYPE tailor_storage_events gauge");
    out += fmt::format("tailor_storage_events {}\n", g.stored_events);
    line("# HELP tailor_storage_profiles Profiles stored.");
    line("# TYPE tailor_storage_profiles gauge");
    out += fmt::format("tailor_storage_profiles {}\n", g.profiles);
    line("# HELP tailor_storage_tombstones Erased uids (tombstones).");
    line("# TYPE tailor_storage_tombstones gauge");
    out += fmt::format("tailor_storage_tombstones {}\n", g.tombstones);
    line("# HELP tailor_storage_bytes Database size on disk.");
    line("# TYPE tailor_storage_bytes gauge");
    out += fmt::format("tailor_storage_bytes {}\n", g.db_bytes);
  }
  return out;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  detail::append_json_string(out, s);
  return out;
}

int64_t now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

void logger::log(std::string_view level, std::string_view msg, std::string_view fields_json) {
  std::string line = fmt::format("{{\"ts\":{},\"level\":{},\"msg\":{}", now_ms(),
                                 json_quote(level), json_quote(msg));
  if (!fields_json.empty()) {
    line.push_back(',');
    line += fields_json;
  }
  line += "}\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tailor::sync
