// tailor-sync's HTTP layer: routing, authentication, limits, handlers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::sync {

// Named limits of the HTTP API (documented in server/openapi.yaml).
namespace http_limits {
inline constexpr std::size_t max_events_body_bytes = 1u << 20;    // POST /v1/events
inline constexpr std::size_t max_small_body_bytes = 16u << 10;    // identify, keys, tokens, assign
inline constexpr std::size_t max_config_bytes = 1u << 20;         // PUT /v1/config
inline constexpr std::size_t max_bundle_bytes = 64u << 20;        // PUT /v1/bundle
inline constexpr std::size_t max_profile_page = 5000;             // events per profile page
inline constexpr int64_t max_token_ttl_s = 90 * 24 * 3600;
inline constexpr std::size_t max_key_name_bytes = 64;
}  // namespace http_limits

struct server_config {
  std::string db = "tailor.db";
  std::string host = "127.0.0.1";
  uint16_t port = 8787;
  unsigned threads = 0;                 // 0: one per core
  std::string token_secret;             // empty: generated once and kept in the database
  std::string admin_key;                // bootstraps an admin key named "bootstrap-admin"
  std::vector<std::string> cors_origins;
  double rate_ip = 200, burst_ip = 400;        // per client IP (0 disables)
  double rate_key = 20000, burst_key = 40000;  // per API key (0 disables)
  std::size_t max_connections = 20000;
  int request_timeout_ms = 30000;
  int drain_timeout_ms = 10000;
  std::size_t commit_max_events = 20000;
  std::size_t queue_max_events = 200000;
  std::size_t db_connections = 4;
  bool sqlite_sync_full = true;         // --sqlite-synchronous full|normal (storage.hpp)
  bool access_log = true;
  bool metrics_public = true;           // false: /metrics needs an admin key
};

// Runs until SIGINT/SIGTERM, then drains in-flight requests. Returns the exit code.
int run_server(const server_config& config);

}  // namespace tailor::sync
