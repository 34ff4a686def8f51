#include "server.hpp"

#include <restinio/all.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include "common/json.hpp"
#include "crypto.hpp"
#include "experiments.hpp"
#include "ingest.hpp"
#include "metrics.hpp"
#include "rate_limit.hpp"
#include "storage.hpp"
#include "tailor/bundle.hpp"
#include "tailor/catalog.hpp"
#include "tailor/event.hpp"
#include "tailor/experiment.hpp"
#include "tailor/profile.hpp"

namespace tailor::sync {
namespace {

using json = nlohmann::json;

struct traits : restinio::default_traits_t {
  static constexpr bool use_connection_count_limiter = true;
};

double mono_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string error_body(std::string_view code, std::string_view message, std::string_view where = {}) {
  std::string out = "{\"error\":{\"code\":" + json_quote(code) + ",\"message\":" +
                    json_quote(message);
  if (!where.empty()) out += ",\"where\":" + json_quote(where);
  out += "}}";
  return out;
}

int status_for(errc code) {
  switch (code) {
    case errc::limit_exceeded: return 413;
    case errc::not_found: return 404;
    case errc::internal: return 500;
    default: return 400;
  }
}

// Percent-decodes one path segment; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A query parameter (raw, percent-decoded) or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name) {
      return percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// Catalogs are JSON Lines, or CSV when the first line is a CSV header.
std::string_view content_type_of(std::string_view kind, std::string_view body) {
  if (kind == "bundle") return "application/octet-stream";
  if (kind == "config") return "application/json";
  return body.substr(0, 1) == "{" ? "application/x-ndjson" : "text/csv";
}

// True if s has a C0 control character (NUL included): such ids are legal
// JSON strings but make poor keys (PostgreSQL text cannot hold NUL at all).
bool has_control(std::string_view s) {
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == 0x7f) return true;
  }
  return false;
}

bool valid_uid(std::string_view uid) {
  return !uid.empty() && uid.size() <= limits::max_id_bytes && detail::is_valid_utf8(uid) &&
         !has_control(uid);
}

std::string as_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

struct auth {
  std::string key_name;
  key_scope scope = key_scope::browser;
  std::optional<std::string> token_uid;  // browser keys: the uid the token proves
};

class app {
 public:
  explicit app(const server_config& cfg, std::unique_ptr<storage> store, std::string token_secret)
      : cfg_(cfg),
        store_(std::move(store)),
        token_secret_(std::move(token_secret)),
        log_(cfg.access_log),
        ip_limiter_(cfg.rate_ip, cfg.burst_ip),
        key_limiter_(cfg.rate_key, cfg.burst_key),
        queue_(*store_, metrics_, cfg.commit_max_events, cfg.queue_max_events) {}

  logger& log() { return log_; }
  metrics& stats() { return metrics_; }
  ingest_queue& queue() { return queue_; }
  storage& store() { return *store_; }
  std::atomic<bool>& draining() { return draining_; }

  restinio::request_handling_status_t handle(const restinio::request_handle_t& req);

 private:
  // One request being answered (possibly later, from the writer thread).
  struct call {
    restinio::request_handle_t req;
    route r = route::not_found;
    double t0 = 0;
    std::string origin;  // echoed when CORS allows it
    std::string key_name;
    app* self = nullptr;
  };
  using call_ptr = std::shared_ptr<call>;

  void respond(const call_ptr& c, int status, std::string body,
               std::string_view content_type = "application/json",
               std::vector<std::pair<std::string, std::string>> headers = {});
  void fail(const call_ptr& c, int status, std::string_view code, std::string_view message,
            std::string_view where = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
    respond(c, status, error_body(code, message, where), "application/json", std::move(headers));
  }
  void storage_failed(const call_ptr& c, const error& e);

  std::optional<auth> authenticate(const call_ptr& c, bool allow_query_key);
  std::optional<key_record> lookup_key(const std::string& key_hash);

  void dispatch(const call_ptr& c, std::string_view method, std::string_view path);
  void on_events(const call_ptr& c);
  void on_profile_get(const call_ptr& c, const std::string& uid);
  void on_profile_delete(const call_ptr& c, const std::string& uid);
  void on_identify(const call_ptr& c);
  void on_artifact_get(const call_ptr& c, std::string_view kind);
  void on_artifact_put(const call_ptr& c, std::string_view kind);
  void on_artifact_versions(const call_ptr& c, std::string_view kind);
  void on_artifact_rollback(const call_ptr& c, std::string_view kind);
  void on_results(const call_ptr& c, const std::string& key);
  void on_assign(const call_ptr& c);
  void on_settings(const call_ptr& c, const std::string& uid);
  // The stored settings of a canonical uid as a profile_state (empty when none).
  result<profile_state> settings_of(const std::string& canonical);
  void on_keys_create(const call_ptr& c);
  void on_keys_revoke(const call_ptr& c, const std::string& name);
  void on_tokens(const call_ptr& c);
  void on_healthz(const call_ptr& c);
  void on_metrics(const call_ptr& c);
  std::optional<json> small_json_body(const call_ptr& c);
  static bool is_csv(const call_ptr& c) {
    auto ct = c->req->header().get_field_or(restinio::http_field::content_type, "");
    return ct.substr(0, 8) == "text/csv";
  }
  // The profiler for the current catalog and config (rebuilt when they change).
  result<std::shared_ptr<const profiler>> current_profiler();
  // The current config with its GrowthBook definitions compiled once.
  struct experiment_config {
    int64_t version = 0;  // 0: no config uploaded
    json config = json::object();
    std::optional<gb_definitions> defs;
  };
  result<std::shared_ptr<const experiment_config>> current_experiments();
  // After an upload or rollback on this replica, the next request sees it at
  // once (other replicas within profiler_check_s).
  void forget_cached(std::string_view kind) {
    if (kind == "config" || kind == "catalog") {
      std::lock_guard lock(profiler_mu_);
      profiler_checked_ = -1e9;
    }
    if (kind == "config") {
      std::lock_guard lock(experiments_mu_);
      experiments_checked_ = -1e9;
    }
  }

  const server_config& cfg_;
  std::unique_ptr<storage> store_;
  std::string token_secret_;
  metrics metrics_;
  logger log_;
  rate_limiter ip_limiter_;
  rate_limiter key_limiter_;
  std::atomic<bool> draining_{false};

  std::mutex key_mu_;
  struct cached_key {
    std::optional<key_record> rec;
    double at = 0;
  };
  std::unordered_map<std::string, cached_key> key_cache_;
  static constexpr double key_cache_ttl_s = 5.0;
  static constexpr std::size_t key_cache_max = 10000;

  std::mutex profiler_mu_;
  std::shared_ptr<const profiler> profiler_;
  std::string profiler_key_;  // catalog etag + config etag it was built from
  double profiler_checked_ = -1e9;
  static constexpr double profiler_check_s = 1.0;

  std::mutex experiments_mu_;
  std::shared_ptr<const experiment_config> experiments_;
  double experiments_checked_ = -1e9;

  std::mutex gauge_mu_;
  double gauge_at_ = -1e9;
  storage_stats gauge_stats_;
  static constexpr double gauge_ttl_s = 15.0;

  ingest_queue queue_;  // last: its writer thread uses the members above
};

void app::respond(const call_ptr& c, int status, std::string body, std::string_view content_type,
                  std::vector<std::pair<std::string, std::string>> headers) {
  auto resp = c->req->create_response(restinio::http_status_line_t{
      restinio::http_status_code_t{static_cast<std::uint16_t>(status)}, reason(status)});
  if (!content_type.empty() && status != 304 && status != 204) {
    resp.append_header(restinio::http_field::content_type, std::string(content_type));
  }
  resp.append_header("Cache-Control", "no-store");
  if (!c->origin.empty()) {
    resp.append_header("Access-Control-Allow-Origin", c->origin);
    resp.append_header("Access-Control-Expose-Headers", "ETag, Retry-After");
    resp.append_header("Vary", "Origin");
  }
  for (auto& [k, v] : headers) resp.append_header(k, v);
  if (draining_.load(std::memory_order_relaxed)) resp.connection_close();
  const std::size_t bytes = body.size();
  resp.set_body(std::move(body));
  // A request stays in flight until its response is written out, so the
  // graceful shutdown cannot drop an answer that is still in a socket buffer.
  resp.done([this](const asio::error_code&) { metrics_.in_flight(-1); });
  const double dt = mono_s() - c->t0;
  metrics_.observe(c->r, status, dt);
  if (log_.access_enabled() && c->r != route::hello) {
    log_.log("info", "request",
             fmt::format("\"method\":{},\"path\":{},\"route\":\"{}\",\"status\":{},\"ms\":{:.3f},"
                         "\"bytes\":{},\"ip\":{},\"key\":{}",
                         json_quote(c->req->header().method().c_str()),
                         json_quote(c->req->header().path()), route_name(c->r), status, dt * 1e3,
                         bytes, json_quote(c->req->remote_endpoint().address().to_string()),
                         json_quote(c->key_name)));
  }
}

void app::storage_failed(const call_ptr& c, const error& e) {
  metrics_.storage_error();
  log_.log("error", "storage error",
           "\"message\":" + json_quote(e.message) + ",\"where\":" + json_quote(e.where));
  fail(c, 503, "storage_unavailable", "the database could not complete the request; retry later");
}

std::optional<key_record> app::lookup_key(const std::string& key_hash) {
  const double now = mono_s();
  {
    std::lock_guard lock(key_mu_);
    auto it = key_cache_.find(key_hash);
    if (it != key_cache_.end() && now - it->second.at < key_cache_ttl_s) return it->second.rec;
  }
  auto r = store_->find_key(key_hash);
  if (!r) {
    metrics_.storage_error();
    return std::nullopt;
  }
  std::lock_guard lock(key_mu_);
  if (key_cache_.size() >= key_cache_max) key_cache_.clear();
  key_cache_[key_hash] = cached_key{r.value(), now};
  return r.value();
}

std::optional<auth> app::authenticate(const call_ptr& c, bool allow_query_key) {
  const auto& h = c->req->header();
  std::string key;
  auto authz = h.get_field_or(restinio::http_field::authorization, "");
  if (authz.size() > 7 && (authz.substr(0, 7) == "Bearer " || authz.substr(0, 7) == "bearer ")) {
    key = std::string(authz.substr(7));
  }
  std::string token = std::string(h.get_field_or("X-Tailor-Token", ""));
  if (allow_query_key) {
    if (key.empty()) key = query_param(h.query(), "key").value_or("");
    if (token.empty()) token = query_param(h.query(), "token").value_or("");
  }
  if (key.empty() || key.size() > 256) {
    fail(c, 401, "unauthorized", "an API key is required: Authorization: Bearer <key>");
    return std::nullopt;
  }
  auto rec = lookup_key(sha256_hex(key));
  if (!rec || rec->revoked) {
    fail(c, 401, "unauthorized", "unknown or revoked API key");
    return std::nullopt;
  }
  c->key_name = rec->name;
  double retry = 0;
  if (!key_limiter_.allow(rec->name, mono_s(), retry)) {
    metrics_.rate_limited();
    fail(c, 429, "rate_limited", "too many requests for this API key", {},
         {{"Retry-After", std::to_string(static_cast<int64_t>(retry) + 1)}});
    return std::nullopt;
  }
  auth a{rec->name, rec->scope, std::nullopt};
  if (!token.empty()) {
    a.token_uid = verify_token(token_secret_, token, now_ms() / 1000);
    if (!a.token_uid) {
      fail(c, 401, "invalid_token", "the shopper token is malformed, forged or expired");
      return std::nullopt;
    }
  }
  return a;
}

restinio::request_handling_status_t app::handle(const restinio::request_handle_t& req) {
  auto c = std::make_shared<call>();
  c->req = req;
  c->t0 = mono_s();
  c->self = this;
  metrics_.in_flight(1);
  const auto& h = req->header();
  if (h.has_field("Origin")) {
    std::string origin(h.get_field_or("Origin", ""));
    for (const auto& o : cfg_.cors_origins) {
      if (o == "*" || o == origin) {
        c->origin = origin;
        break;
      }
    }
  }
  std::string method = h.method().c_str();
  std::string_view path = h.path();
  try {
    if (method == "OPTIONS") {
      c->r = route::options;
      if (c->origin.empty()) {
        fail(c, 403, "cors_forbidden", "this origin is not allowed");
      } else {
        respond(c, 204, "", "",
                {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
                 {"Access-Control-Allow-Headers",
                  "Authorization, Content-Type, X-Tailor-Token, If-None-Match"},
                 {"Access-Control-Max-Age", "600"}});
      }
      return restinio::request_accepted();
    }
    if (path == "/hello") {
      c->r = route::hello;
      respond(c, 200, "hello\n", "text/plain");
      return restinio::request_accepted();
    }
    if (path != "/healthz" && path != "/metrics") {
      double retry = 0;
      if (!ip_limiter_.allow(req->remote_endpoint().address().to_string(), mono_s(), retry)) {
        metrics_.rate_limited();
        fail(c, 429, "rate_limited", "too many requests from this address", {},
             {{"Retry-After", std::to_string(static_cast<int64_t>(retry) + 1)}});
        return restinio::request_accepted();
      }
    }
    dispatch(c, method, path);
  } catch (const std::exception& e) {
    log_.log("error", "handler exception", "\"message\":" + json_quote(e.what()));
    fail(c, 500, "internal", "unexpected server error");
  }
  return restinio::request_accepted();
}

void app::dispatch(const call_ptr& c, std::string_view method, std::string_view path) {
  auto segs = std::vector<std::string_view>();
  {
    std::string_view p = path;
    if (!p.empty() && p.front() == '/') p.remove_prefix(1);
    while (!p.empty()) {
      auto s = p.find('/');
      segs.push_back(p.substr(0, s));
      if (s == std::string_view::npos) break;
      p.remove_prefix(s + 1);
    }
  }
  auto not_allowed = [&](route r, const char* allow) {
    c->r = r;
    fail(c, 405, "method_not_allowed", std::string("use ") + allow, {}, {{"Allow", allow}});
  };
  auto decoded = [&](std::string_view seg, const char* what) -> std::optional<std::string> {
    auto d = percent_decode(seg);
    if (!d || !valid_uid(*d)) {
      fail(c, 400, "invalid_field",
           std::string(what) + " must be a percent-encoded UTF-8 id of 1 to 128 bytes", what);
      return std::nullopt;
    }
    return d;
  };
  if (segs.size() == 1 && segs[0] == "healthz") {
    c->r = route::healthz;
    return method == "GET" ? on_healthz(c) : not_allowed(route::healthz, "GET");
  }
  if (segs.size() == 1 && segs[0] == "metrics") {
    c->r = route::metrics;
    return method == "GET" ? on_metrics(c) : not_allowed(route::metrics, "GET");
  }
  if (segs.size() >= 2 && segs[0] == "v1") {
    const auto what = segs[1];
    if (segs.size() == 2 && what == "events") {
      c->r = route::events;
      return method == "POST" ? on_events(c) : not_allowed(route::events, "POST");
    }
    if (segs.size() == 3 && what == "profiles") {
      if (method == "GET") {
        c->r = route::profile_get;
        if (auto uid = decoded(segs[2], "uid")) on_profile_get(c, *uid);
        return;
      }
      if (method == "DELETE") {
        c->r = route::profile_delete;
        if (auto uid = decoded(segs[2], "uid")) on_profile_delete(c, *uid);
        return;
      }
      return not_allowed(route::profile_get, "GET, DELETE");
    }
    if (segs.size() == 4 && what == "profiles" && segs[3] == "settings") {
      c->r = route::profile_get;
      if (method != "POST") return not_allowed(route::profile_get, "POST");
      if (auto uid = decoded(segs[2], "uid")) on_settings(c, *uid);
      return;
    }
    if (segs.size() == 2 && what == "assign") {
      c->r = route::assign;
      return method == "POST" ? on_assign(c) : not_allowed(route::assign, "POST");
    }
    if (segs.size() == 2 && what == "identify") {
      c->r = route::identify;
      return method == "POST" ? on_identify(c) : not_allowed(route::identify, "POST");
    }
    if (what == "bundle" || what == "config" || what == "catalog") {
      // Routes per kind: get, put, versions, rollback.
      const route rs[3][4] = {
          {route::bundle_get, route::bundle_put, route::bundle_versions, route::bundle_rollback},
          {route::config_get, route::config_put, route::config_versions, route::config_rollback},
          {route::catalog_get, route::catalog_put, route::catalog_versions, route::catalog_rollback}};
      const auto& kr = rs[what == "bundle" ? 0 : what == "config" ? 1 : 2];
      if (segs.size() == 2) {
        if (method == "GET") {
          c->r = kr[0];
          return on_artifact_get(c, what);
        }
        if (method == "PUT") {
          c->r = kr[1];
          return on_artifact_put(c, what);
        }
        return not_allowed(kr[0], "GET, PUT");
      }
      if (segs.size() == 3 && segs[2] == "versions") {
        c->r = kr[2];
        return method == "GET" ? on_artifact_versions(c, what) : not_allowed(c->r, "GET");
      }
      if (segs.size() == 3 && segs[2] == "rollback") {
        c->r = kr[3];
        return method == "POST" ? on_artifact_rollback(c, what) : not_allowed(c->r, "POST");
      }
    }
    if (segs.size() == 4 && what == "experiments" && segs[3] == "results") {
      c->r = route::results;
      if (method != "GET") return not_allowed(route::results, "GET");
      if (auto key = decoded(segs[2], "experiment")) on_results(c, *key);
      return;
    }
    if (what == "keys" && segs.size() == 2) {
      c->r = route::keys;
      return method == "POST" ? on_keys_create(c) : not_allowed(route::keys, "POST");
    }
    if (what == "keys" && segs.size() == 3) {
      c->r = route::keys;
      if (method != "DELETE") return not_allowed(route::keys, "DELETE");
      if (auto name = decoded(segs[2], "name")) on_keys_revoke(c, *name);
      return;
    }
    if (what == "tokens" && segs.size() == 2) {
      c->r = route::tokens;
      return method == "POST" ? on_tokens(c) : not_allowed(route::tokens, "POST");
    }
  }
  c->r = route::not_found;
  fail(c, 404, "not_found", "no such route: " + std::string(method) + " " +
                                std::string(path.substr(0, 200)));
}

void app::on_healthz(const call_ptr& c) {
  if (draining_.load()) {
    fail(c, 503, "draining", "shutting down");
    return;
  }
  if (auto s = store_->ping(); !s) {
    storage_failed(c, s.error());
    return;
  }
  respond(c, 200, fmt::format("{{\"status\":\"ok\",\"storage\":\"{}\",\"schema_version\":{}}}",
                              store_->kind(), store_->schema_version()));
}

void app::on_metrics(const call_ptr& c) {
  if (!cfg_.metrics_public) {
    auto a = authenticate(c, false);
    if (!a) return;
    if (a->scope != key_scope::admin) {
      fail(c, 403, "forbidden", "this route needs an admin key");
      return;
    }
  }
  metrics::gauges g;
  g.backend = store_->kind();
  g.queue_depth = static_cast<int64_t>(queue_.depth());
  {
    std::lock_guard lock(gauge_mu_);
    if (mono_s() - gauge_at_ > gauge_ttl_s) {
      if (auto s = store_->stats()) {
        gauge_stats_ = s.value();
        gauge_at_ = mono_s();
      } else {
        metrics_.storage_error();
      }
    }
    g.stored_events = gauge_stats_.events;
    g.profiles = gauge_stats_.profiles;
    g.tombstones = gauge_stats_.tombstones;
    g.db_bytes = gauge_stats_.bytes;
  }
  respond(c, 200, metrics_.render(g), "text/plain; version=0.0.4");
}

std::optional<json> app::small_json_body(const call_ptr& c) {
  const auto& body = c->req->body();
  if (body.size() > http_limits::max_small_body_bytes) {
    fail(c, 413, "payload_too_large",
         "body is larger than " + std::to_string(http_limits::max_small_body_bytes) + " bytes");
    return std::nullopt;
  }
  auto j = detail::parse_json(body, http_limits::max_small_body_bytes);
  if (!j) {
    fail(c, 400, "invalid_json", j.error().message, j.error().where);
    return std::nullopt;
  }
  if (!j->is_object()) {
    fail(c, 400, "invalid_field", "expected a JSON object");
    return std::nullopt;
  }
  return std::move(j.value());
}

void app::on_events(const call_ptr& c) {
  auto a = authenticate(c, true);
  if (!a) return;
  const std::string& body = c->req->body();
  if (body.size() > http_limits::max_events_body_bytes) {
    fail(c, 413, "payload_too_large",
         "an event batch is at most " + std::to_string(http_limits::max_events_body_bytes) +
             " bytes");
    return;
  }
  if (a->scope == key_scope::browser && !a->token_uid) {
    fail(c, 401, "token_required",
         "a browser key writes events only with a shopper token (X-Tailor-Token)");
    return;
  }
  auto batch = decode_events(body);
  if (!batch) {
    const auto& e = batch.error();
    fail(c, status_for(e.code), errc_name(e.code), e.message, e.where);
    return;
  }
  // Position of each valid event in the request, so errors and outcomes line up.
  const std::size_t total = batch->events.size() + batch->rejected.size();
  json rejected = json::array();
  for (const auto& e : batch->rejected) {
    // decode_events puts "[i]" first in where; recover i for the response.
    int64_t index = 0;
    if (e.where.size() > 1 && e.where[0] == '[') {
      index = parse_int(std::string_view(e.where).substr(1, e.where.find(']') - 1)).value_or(0);
    }
    rejected.push_back({{"index", index}, {"code", std::string(errc_name(e.code))},
                        {"message", e.message}, {"where", e.where}});
  }
  // Indices of the valid events: the ones not rejected, in order.
  std::vector<int64_t> valid_index;
  {
    std::vector<bool> bad(total, false);
    for (const auto& r : rejected) {
      auto i = r["index"].get<int64_t>();
      if (i >= 0 && static_cast<std::size_t>(i) < total) bad[static_cast<std::size_t>(i)] = true;
    }
    for (std::size_t i = 0; i < total; ++i) {
      if (!bad[i]) valid_index.push_back(static_cast<int64_t>(i));
    }
  }
  std::vector<stored_event> events;
  std::vector<int64_t> event_index;
  events.reserve(batch->events.size());
  for (std::size_t k = 0; k < batch->events.size(); ++k) {
    auto& ev = batch->events[k];
    const int64_t index = k < valid_index.size() ? valid_index[k] : static_cast<int64_t>(k);
    const char* bad = has_control(ev.uid)          ? "uid"
                      : has_control(ev.id)         ? "id"
                      : has_control(ev.experiment) ? "experiment"
                      : has_control(ev.variation)  ? "variation"
                                                   : nullptr;
    if (bad) {
      rejected.push_back({{"index", index}, {"code", "invalid_field"},
                          {"message", "ids must not contain control characters"},
                          {"where", "[" + std::to_string(index) + "]." + bad}});
      continue;
    }
    if (a->scope == key_scope::browser && ev.uid != *a->token_uid) {
      rejected.push_back({{"index", index}, {"code", "forbidden"},
                          {"message", "the shopper token is for another uid"},
                          {"where", "[" + std::to_string(index) + "].uid"}});
      continue;
    }
    stored_event se;
    se.uid = ev.uid;
    se.id = ev.id;
    se.ts_ms = ev.ts_ms;
    se.type = std::string(event_type_name(ev.type));
    if (ev.type == event_type::exposure) {
      se.experiment = ev.experiment;
      se.variation = ev.variation;
    }
    se.body = encode_event(ev);
    events.push_back(std::move(se));
    event_index.push_back(index);
  }
  const auto n_rejected = static_cast<int64_t>(rejected.size());
  if (events.empty()) {
    metrics_.events(0, 0, n_rejected, 0);
    respond(c, n_rejected > 0 ? 422 : 400,
            json{{"error", {{"code", n_rejected > 0 ? "no_valid_events" : "empty_batch"},
                             {"message", n_rejected > 0 ? "every event was rejected; nothing stored"
                                                        : "the batch has no events"}}},
                 {"accepted", 0}, {"duplicates", 0}, {"rejected", rejected}}.dump(
                -1, ' ', false, json::error_handler_t::replace));
    return;
  }
  auto shared_rejected = std::make_shared<json>(std::move(rejected));
  auto idx = std::make_shared<std::vector<int64_t>>(std::move(event_index));
  bool queued = queue_.submit(std::move(events), [this, c, shared_rejected, idx, n_rejected](
                                                     result<std::vector<ingest_outcome>> r) {
    if (!r) {
      storage_failed(c, r.error());
      return;
    }
    int64_t accepted = 0, dup = 0, erased = 0;
    for (std::size_t i = 0; i < r->size(); ++i) {
      switch ((*r)[i]) {
        case ingest_outcome::accepted: ++accepted; break;
        case ingest_outcome::duplicate: ++dup; break;
        case ingest_outcome::erased:
          ++erased;
          shared_rejected->push_back(
              {{"index", (*idx)[i]}, {"code", "erased"},
               {"message", "this uid was erased; its events are not accepted again"},
               {"where", "[" + std::to_string((*idx)[i]) + "].uid"}});
          break;
      }
    }
    metrics_.events(accepted, dup, n_rejected, erased);
    // This runs on the writer thread, between commits: no JSON tree for the common case.
    std::string out = fmt::format("{{\"accepted\":{},\"duplicates\":{},\"rejected\":", accepted, dup);
    out += shared_rejected->empty() ? "[]" : shared_rejected->dump(-1, ' ', false, json::error_handler_t::replace);
    out += '}';
    respond(c, 200, std::move(out));
  });
  if (!queued) {
    fail(c, 503, "overloaded", "the ingest queue is full or the server is stopping; retry later",
         {}, {{"Retry-After", "1"}});
  }
}

result<std::shared_ptr<const profiler>> app::current_profiler() {
  std::lock_guard lock(profiler_mu_);
  const double now = mono_s();
  if (profiler_ && now - profiler_checked_ < profiler_check_s) return profiler_;
  auto cat_meta = store_->current_artifact("catalog");
  if (!cat_meta) return cat_meta.error();
  auto cfg_meta = store_->current_artifact("config");
  if (!cfg_meta) return cfg_meta.error();
  const std::string key = (cat_meta.value() ? cat_meta.value()->etag : "-") + "/" +
                          (cfg_meta.value() ? cfg_meta.value()->etag : "-");
  profiler_checked_ = now;
  if (profiler_ && key == profiler_key_) return profiler_;
  auto cat = std::make_shared<catalog>();
  if (cat_meta.value()) {
    auto art = store_->get_artifact("catalog", cat_meta.value()->version);
    if (!art) return art.error();
    if (art.value()) {
      const auto& body = art.value()->body;
      auto parsed = body.substr(0, 1) == "{" ? parse_catalog_jsonl(body) : parse_catalog_csv(body);
      if (!parsed) return parsed.error();
      cat = std::make_shared<catalog>(std::move(parsed.value()));
    }
  }
  std::string profile_json;
  if (cfg_meta.value()) {
    auto art = store_->get_artifact("config", cfg_meta.value()->version);
    if (!art) return art.error();
    if (art.value()) {
      auto j = detail::parse_json(art.value()->body, http_limits::max_config_bytes);
      if (j && j->is_object()) {
        if (auto p = j->find("profile"); p != j->end()) profile_json = p->dump();
      }
    }
  }
  auto cfg = parse_profile_config(profile_json);
  if (!cfg) return cfg.error();
  auto prof = profiler::create(std::move(cat), std::move(cfg.value()));
  if (!prof) return prof.error();
  profiler_ = std::make_shared<const profiler>(std::move(prof.value()));
  profiler_key_ = key;
  return profiler_;
}

void app::on_profile_get(const call_ptr& c, const std::string& uid) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope == key_scope::browser && (!a->token_uid || *a->token_uid != uid)) {
    fail(c, 403, "forbidden", "a browser key reads only the profile its shopper token names");
    return;
  }
  const auto& q = c->req->header().query();
  int64_t since = 0;
  std::size_t limit = http_limits::max_profile_page;
  if (auto s = query_param(q, "since")) {
    auto v = parse_int(*s);
    if (!v || *v < 0) {
      fail(c, 400, "invalid_field", "since must be a non-negative integer watermark", "since");
      return;
    }
    since = *v;
  }
  if (auto s = query_param(q, "limit")) {
    auto v = parse_int(*s);
    if (!v || *v < 1 || *v > static_cast<int64_t>(http_limits::max_profile_page)) {
      fail(c, 400, "invalid_field",
           "limit must be 1.." + std::to_string(http_limits::max_profile_page), "limit");
      return;
    }
    limit = static_cast<std::size_t>(*v);
  }
  bool with_profile = true;
  if (auto p = query_param(q, "profile")) {
    if (*p != "0" && *p != "1") {
      fail(c, 400, "invalid_field", "profile must be 0 or 1", "profile");
      return;
    }
    with_profile = *p == "1";
  }
  int64_t at = now_ms();
  if (auto n = query_param(q, "now")) {
    // Folding at a given time makes the answer comparable byte for byte with
    // the browser's and the edge's fold at the same clock value.
    auto v = parse_int(*n);
    if (!v || *v < 0 || *v > 253402300799999) {
      fail(c, 400, "invalid_field", "now must be UTC milliseconds", "now");
      return;
    }
    at = *v;
  }
  auto page = store_->read_events(uid, since, limit);
  if (!page) {
    if (page.error().code == errc::not_found) {
      fail(c, 410, "erased", "this profile was erased", "uid");
    } else {
      storage_failed(c, page.error());
    }
    return;
  }
  std::string out = "{\"uid\":" + json_quote(uid) + ",\"canonical_uid\":" + json_quote(page->uid) +
                    ",\"since\":" + std::to_string(since) + ",\"watermark\":" +
                    std::to_string(page->watermark) + ",\"last_seq\":" +
                    std::to_string(page->last_seq) + ",\"has_more\":" +
                    (page->has_more ? "true" : "false") + ",\"events\":[";
  for (std::size_t i = 0; i < page->events.size(); ++i) {
    if (i) out.push_back(',');
    out += page->events[i].second;  // canonical JSON written by encode_event
  }
  out += "]";
  if (with_profile) {
    // The core's fold over the shopper's newest events: the same bytes the
    // browser and the edge compute from the same events, catalog and config.
    auto prof = current_profiler();
    if (!prof) {
      const auto& e = prof.error();
      if (e.where.starts_with("sqlite") || e.where.starts_with("postgres")) {
        storage_failed(c, e);
      } else {
        fail(c, 500, "profile_unavailable", "the current catalog or config cannot be used: " +
                                                e.message, e.where);
      }
      return;
    }
    auto bodies = store_->read_latest(uid, limits::max_events_per_profile);
    if (!bodies) {
      storage_failed(c, bodies.error());
      return;
    }
    auto settings = settings_of(page->uid);
    if (!settings) {
      storage_failed(c, settings.error());
      return;
    }
    profile_state state = std::move(settings.value());  // suppressions and the switch
    out += ",\"settings\":" + export_state(state);
    for (const auto& b : bodies.value()) {
      auto ev = decode_event(b);
      if (ev) state.add(ev.value());
    }
    auto folded = prof.value()->fold(state, at);
    if (!folded) {
      fail(c, 500, errc_name(folded.error().code), folded.error().message, folded.error().where);
      return;
    }
    out += ",\"profile\":" + folded.value();
  }
  out += "}";
  respond(c, 200, std::move(out));
}

void app::on_profile_delete(const call_ptr& c, const std::string& uid) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) {
    fail(c, 403, "forbidden", "erasure needs an admin key");
    return;
  }
  auto r = store_->erase(uid, now_ms());
  if (!r) {
    storage_failed(c, r.error());
    return;
  }
  log_.log("info", "profile erased",
           fmt::format("\"key\":{},\"events_deleted\":{},\"aliases\":{}", json_quote(c->key_name),
                       r->events_deleted, r->aliases_tombstoned));
  respond(c, 200, fmt::format("{{\"erased\":true,\"events_deleted\":{},\"aliases_erased\":{}}}",
                              r->events_deleted, r->aliases_tombstoned));
}

void app::on_identify(const call_ptr& c) {
  auto a = authenticate(c, false);
  if (!a) return;
  auto body = small_json_body(c);
  if (!body) return;
  if (auto s = detail::check_known_keys(*body, {"uid", "previous_uid", "previous_token"}, ""); !s) {
    fail(c, 400, errc_name(s.error().code), s.error().message, s.error().where);
    return;
  }
  auto uid = detail::read_string(*body, "uid", "", limits::max_id_bytes, true);
  if (!uid) return fail(c, 400, errc_name(uid.error().code), uid.error().message, uid.error().where);
  auto prev = detail::read_string(*body, "previous_uid", "", limits::max_id_bytes, true);
  if (!prev) return fail(c, 400, errc_name(prev.error().code), prev.error().message, prev.error().where);
  auto prev_token = detail::read_string(*body, "previous_token", "", 512, false);
  if (!prev_token) {
    return fail(c, 400, errc_name(prev_token.error().code), prev_token.error().message,
                prev_token.error().where);
  }
  if (uid.value() == prev.value()) {
    return fail(c, 400, "invalid_field", "previous_uid must differ from uid", "previous_uid");
  }
  if (a->scope == key_scope::browser) {
    // A browser proves both ids: its token names uid, previous_token names previous_uid.
    if (!a->token_uid || *a->token_uid != uid.value()) {
      return fail(c, 403, "forbidden", "the shopper token must name uid");
    }
    auto p = verify_token(token_secret_, prev_token.value(), now_ms() / 1000);
    if (!p || *p != prev.value()) {
      return fail(c, 403, "forbidden", "previous_token must be a valid token for previous_uid",
                  "previous_token");
    }
  }
  {
    // Settings follow the events: previous_uid's are merged into uid's first
    // (identify then deletes previous_uid's row).
    auto to = store_->resolve(uid.value());
    auto from = store_->resolve(prev.value());
    if (!to) return storage_failed(c, to.error());
    if (!from) return storage_failed(c, from.error());
    if (to.value() != from.value()) {
      auto prev_settings = store_->read_settings(from.value());
      if (!prev_settings) return storage_failed(c, prev_settings.error());
      auto theirs = prev_settings.value() ? import_state(*prev_settings.value())
                                          : result<profile_state>(error{errc::not_found, "", ""});
      if (theirs) {
        // Unreadable stored settings on either side are left as they are.
        bool refused = false;
        auto w = store_->update_settings(
            to.value(),
            [&](const std::optional<std::string>& stored) -> result<std::string> {
              refused = true;
              profile_state mine;
              if (stored) {
                auto imported = import_state(*stored);
                if (!imported) return imported.error();
                mine = std::move(imported.value());
              }
              if (auto m = mine.merge(theirs.value()); !m) return m.error();
              refused = false;
              return export_state(mine);
            },
            now_ms());
        if (!w && !refused) return storage_failed(c, w.error());
      }
    }
  }
  auto r = store_->identify(uid.value(), prev.value(), now_ms());
  if (!r) {
    if (r.error().code == errc::invalid_state) {
      return fail(c, 410, "erased", r.error().message, r.error().where);
    }
    return storage_failed(c, r.error());
  }
  respond(c, 200, json{{"uid", r->uid}, {"moved", r->moved}, {"duplicates", r->duplicates},
                       {"already_merged", r->already_merged}}
                      .dump(-1, ' ', false, json::error_handler_t::replace));
}

void app::on_artifact_get(const call_ptr& c, std::string_view kind) {
  auto a = authenticate(c, false);
  if (!a) return;
  const auto& h = c->req->header();
  if (auto v = query_param(h.query(), "version")) {
    if (a->scope != key_scope::admin) {
      return fail(c, 403, "forbidden", "fetching an old version needs an admin key");
    }
    auto n = parse_int(*v);
    if (!n || *n < 1) return fail(c, 400, "invalid_field", "version must be a positive integer", "version");
    auto art = store_->get_artifact(kind, *n);
    if (!art) return storage_failed(c, art.error());
    if (!art.value()) return fail(c, 404, "not_found", "no such version", "version");
    auto& x = *art.value();
    return respond(c, 200, std::move(x.body), content_type_of(kind, x.body),
                   {{"ETag", x.meta.etag}, {"X-Tailor-Version", std::to_string(x.meta.version)}});
  }
  auto meta = store_->current_artifact(kind);
  if (!meta) return storage_failed(c, meta.error());
  if (!meta.value()) return fail(c, 404, "not_found", "no " + std::string(kind) + " uploaded yet");
  const auto& m = *meta.value();
  auto inm = h.get_field_or(restinio::http_field::if_none_match, "");
  if (!inm.empty() && (inm == m.etag || inm == "*" ||
                       inm.find(m.etag) != std::string_view::npos)) {
    return respond(c, 304, "", "", {{"ETag", m.etag}, {"X-Tailor-Version", std::to_string(m.version)}});
  }
  auto art = store_->get_artifact(kind, m.version);
  if (!art) return storage_failed(c, art.error());
  if (!art.value()) return fail(c, 503, "storage_unavailable", "the current version changed; retry");
  auto& x = *art.value();
  respond(c, 200, std::move(x.body), content_type_of(kind, x.body),
          {{"ETag", x.meta.etag}, {"X-Tailor-Version", std::to_string(x.meta.version)}});
}

void app::on_artifact_put(const call_ptr& c, std::string_view kind) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "uploads need an admin key");
  const std::string& body = c->req->body();
  const std::size_t max = kind == "config" ? http_limits::max_config_bytes : http_limits::max_bundle_bytes;
  if (body.size() > max) {
    return fail(c, 413, "payload_too_large",
                std::string(kind) + " is at most " + std::to_string(max) + " bytes");
  }
  if (body.empty()) return fail(c, 400, "invalid_field", "empty body");
  if (kind == "config") {
    auto j = detail::parse_json(body, http_limits::max_config_bytes);
    if (!j) return fail(c, 400, "invalid_json", j.error().message, j.error().where);
    if (!j->is_object()) return fail(c, 400, "invalid_config", "config must be a JSON object");
    // GrowthBook definitions are compiled by the core now, as POST /v1/assign will.
    if (auto defs = gb_definitions_of(*j)) {
      auto d = load_gb_definitions(*defs);
      if (!d) {
        const auto& e = d.error();
        return fail(c, 400, errc_name(e.code), e.message, e.where);
      }
    }
    // The profile section is checked by the core now, not when a shopper's profile is read.
    if (auto p = j->find("profile"); p != j->end()) {
      auto pc = parse_profile_config(p->dump());
      if (!pc) {
        const auto& e = pc.error();
        return fail(c, 400, errc_name(e.code), e.message,
                    "profile" + (e.where.empty() ? std::string() :
                                 (e.where[0] == '[' ? "" : ".") + e.where));
      }
    }
  }
  if (kind == "bundle") {
    // The core's own loader checks it (header, sections, hash), as the browser will.
    auto b = open_bundle(body);
    if (!b) {
      const auto& e = b.error();
      return fail(c, status_for(e.code), errc_name(e.code), e.message, e.where);
    }
  }
  if (kind == "catalog") {
    auto cat = is_csv(c) ? parse_catalog_csv(body) : parse_catalog_jsonl(body);
    if (!cat) {
      const auto& e = cat.error();
      return fail(c, status_for(e.code), errc_name(e.code), e.message, e.where);
    }
  }
  const std::string etag = "\"" + sha256_hex(body).substr(0, 32) + "\"";
  auto r = store_->put_artifact(kind, body, etag, now_ms());
  if (!r) return storage_failed(c, r.error());
  forget_cached(kind);
  log_.log("info", std::string(kind) + " uploaded",
           fmt::format("\"version\":{},\"bytes\":{},\"key\":{}", r->version, r->size,
                       json_quote(c->key_name)));
  respond(c, 201, json{{"kind", r->kind}, {"version", r->version}, {"etag", r->etag},
                       {"size", r->size}}.dump(),
          "application/json", {{"ETag", r->etag}});
}

void app::on_artifact_versions(const call_ptr& c, std::string_view kind) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "this route needs an admin key");
  auto r = store_->list_artifacts(kind);
  if (!r) return storage_failed(c, r.error());
  json out = json::array();
  for (const auto& m : r.value()) {
    out.push_back({{"version", m.version}, {"etag", m.etag}, {"size", m.size},
                   {"created_ms", m.created_ms}, {"current", m.current}});
  }
  respond(c, 200, json{{"kind", std::string(kind)}, {"versions", out}}.dump());
}

void app::on_artifact_rollback(const call_ptr& c, std::string_view kind) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "this route needs an admin key");
  auto body = small_json_body(c);
  if (!body) return;
  auto v = detail::read_int(*body, "version", "", 1, INT64_MAX, true);
  if (!v) return fail(c, 400, errc_name(v.error().code), v.error().message, v.error().where);
  auto r = store_->activate_artifact(kind, v.value());
  if (!r) {
    if (r.error().code == errc::not_found) return fail(c, 404, "not_found", r.error().message, "version");
    return storage_failed(c, r.error());
  }
  forget_cached(kind);
  log_.log("info", std::string(kind) + " rolled back",
           fmt::format("\"version\":{},\"key\":{}", v.value(), json_quote(c->key_name)));
  respond(c, 200, json{{"kind", std::string(kind)}, {"version", v.value()}, {"current", true}}.dump());
}

result<std::shared_ptr<const app::experiment_config>> app::current_experiments() {
  std::lock_guard lock(experiments_mu_);
  const double now = mono_s();
  if (experiments_ && now - experiments_checked_ < profiler_check_s) return experiments_;
  auto meta = store_->current_artifact("config");
  if (!meta) return meta.error();
  experiments_checked_ = now;
  const int64_t version = meta.value() ? meta.value()->version : 0;
  if (experiments_ && experiments_->version == version) return experiments_;
  auto next = std::make_shared<experiment_config>();
  next->version = version;
  if (meta.value()) {
    auto art = store_->get_artifact("config", version);
    if (!art) return art.error();
    if (art.value()) {
      auto j = detail::parse_json(art.value()->body, http_limits::max_config_bytes);
      if (!j) return j.error();
      next->config = std::move(j.value());
      if (auto defs = gb_definitions_of(next->config)) {
        auto d = load_gb_definitions(*defs);
        if (!d) return d.error();
        next->defs = std::move(d.value());
      }
    }
  }
  experiments_ = std::move(next);
  return experiments_;
}

void app::on_assign(const call_ptr& c) {
  auto a = authenticate(c, false);
  if (!a) return;
  auto body = small_json_body(c);
  if (!body) return;
  if (auto s = detail::check_known_keys(*body, {"uid", "attributes", "features", "url"}, ""); !s) {
    return fail(c, 400, errc_name(s.error().code), s.error().message, s.error().where);
  }
  auto uid = detail::read_string(*body, "uid", "", limits::max_id_bytes, true);
  if (!uid) return fail(c, 400, errc_name(uid.error().code), uid.error().message, uid.error().where);
  if (!valid_uid(uid.value())) {
    return fail(c, 400, "invalid_field", "uid must be a UTF-8 id of 1 to 128 bytes without control characters", "uid");
  }
  auto url = detail::read_string(*body, "url", "", 4096, false);
  if (!url) return fail(c, 400, errc_name(url.error().code), url.error().message, url.error().where);
  json attributes = json::object();
  if (auto it = body->find("attributes"); it != body->end()) {
    if (!it->is_object()) return fail(c, 400, "invalid_field", "attributes must be an object", "attributes");
    if (it->size() > experiment_limits::max_attributes) {
      return fail(c, 413, "limit_exceeded",
                  "at most " + std::to_string(experiment_limits::max_attributes) + " attributes",
                  "attributes");
    }
    attributes = *it;
  }
  std::optional<std::vector<std::string>> wanted;
  if (auto it = body->find("features"); it != body->end()) {
    if (!it->is_array()) return fail(c, 400, "invalid_field", "features must be an array of keys", "features");
    if (it->size() > experiment_limits::max_assign_features) {
      return fail(c, 413, "limit_exceeded",
                  "at most " + std::to_string(experiment_limits::max_assign_features) + " feature keys",
                  "features");
    }
    wanted.emplace();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& k = (*it)[i];
      if (!k.is_string() || k.get<std::string>().empty() || k.get<std::string>().size() > 256) {
        return fail(c, 400, "invalid_field", "feature keys are strings of 1 to 256 bytes",
                    "features[" + std::to_string(i) + "]");
      }
      wanted->push_back(k.get<std::string>());
    }
  }
  // The hash id is the shopper's uid unless the request names another one;
  // a browser assigns only for the uid its token covers, hashed by that uid.
  if (!attributes.contains("id")) attributes["id"] = uid.value();
  if (a->scope == key_scope::browser) {
    if (!a->token_uid || *a->token_uid != uid.value()) {
      return fail(c, 403, "forbidden", "a browser key assigns only the uid its shopper token names", "uid");
    }
    if (attributes["id"] != json(uid.value())) {
      return fail(c, 403, "forbidden", "attributes.id must be the token's uid", "attributes.id");
    }
  }
  auto exps = current_experiments();
  if (!exps) {
    const auto& e = exps.error();
    if (e.where.starts_with("sqlite") || e.where.starts_with("postgres")) return storage_failed(c, e);
    return fail(c, 500, "config_unavailable", "the current config cannot be used: " + e.message, e.where);
  }
  const auto& cfg = *exps.value();
  auto erased = store_->is_erased(uid.value());
  if (!erased) return storage_failed(c, erased.error());
  if (erased.value()) return fail(c, 410, "erased", "this uid was erased", "uid");
  auto canon = store_->resolve(uid.value());
  if (!canon) return storage_failed(c, canon.error());

  json out = json::object();
  out["uid"] = uid.value();
  out["config_version"] = cfg.version;
  json features = json::object();
  json exposures = json::array();
  if (cfg.defs) {
    // Sticky bucketing, kept on the server per shopper: the docs go into the
    // evaluation and the ones it changed are written back.
    auto stored = store_->read_sticky(canon.value());
    if (!stored) return storage_failed(c, stored.error());
    json docs = json::object();
    std::unordered_map<std::string, std::string> before;
    for (const auto& d : stored.value()) {
      auto doc = detail::parse_json(d.doc);
      if (doc && doc->is_object()) {
        docs[d.key] = std::move(doc.value());
        before[d.key] = d.doc;
      }
    }
    json ctx = {{"attributes", attributes}, {"stickyBucketAssignmentDocs", docs}};
    if (!url.value().empty()) ctx["url"] = url.value();
    auto all = eval_all_features(*cfg.defs, ctx.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!all) {
      const auto& e = all.error();
      return fail(c, status_for(e.code), errc_name(e.code), e.message, e.where);
    }
    json evald = json::parse(all.value());
    if (wanted) {
      for (const auto& k : *wanted) {
        if (auto f = evald["features"].find(k); f != evald["features"].end()) {
          features[k] = *f;
        } else {
          auto one = eval_feature(*cfg.defs, ctx.dump(-1, ' ', false, json::error_handler_t::replace), k);
          if (!one) return fail(c, 500, errc_name(one.error().code), one.error().message, one.error().where);
          features[k] = json::parse(one.value())["result"];
        }
      }
      for (const auto& x : evald["exposures"]) {
        const std::string fid = x.value("featureId", "");
        if (std::find(wanted->begin(), wanted->end(), fid) != wanted->end()) exposures.push_back(x);
      }
    } else {
      features = std::move(evald["features"]);
      exposures = std::move(evald["exposures"]);
    }
    std::vector<sticky_doc> changed;
    if (auto d = evald.find("stickyBucketAssignmentDocs"); d != evald.end() && d->is_object()) {
      for (auto it = d->begin(); it != d->end(); ++it) {
        std::string text = detail::dump_json(it.value());
        auto b = before.find(it.key());
        if (b == before.end() || b->second != text) changed.push_back({it.key(), std::move(text)});
      }
    }
    if (changed.size() + before.size() > max_sticky_docs) changed.clear();  // bounded per shopper
    if (auto s = store_->write_sticky(canon.value(), changed, now_ms()); !s) {
      return storage_failed(c, s.error());
    }
  } else if (wanted) {
    for (const auto& k : *wanted) {
      features[k] = {{"value", nullptr}, {"on", false}, {"off", true}, {"source", "unknownFeature"},
                     {"ruleId", ""}};
    }
  }
  out["features"] = std::move(features);

  // Exposures are recorded as exposure events (the core's exposure_event_id of
  // the dedupe key, as the browser SDK records them: one per shopper,
  // experiment and variation), unless the shopper's latest consent event
  // withdrew analytics.
  auto consent = store_->latest_of_type(uid.value(), "consent");
  if (!consent) {
    if (consent.error().code == errc::not_found) return fail(c, 410, "erased", "this uid was erased", "uid");
    return storage_failed(c, consent.error());
  }
  bool tracking = true;
  if (consent.value()) {
    auto ev = decode_event(*consent.value());
    if (ev && !ev->consent.analytics) tracking = false;
  }
  out["tracking"] = tracking ? "on" : "no_consent";
  std::vector<stored_event> events;
  json listed = json::array();
  const int64_t ts = now_ms();
  for (const auto& x : exposures) {
    event ev;
    ev.type = event_type::exposure;
    ev.uid = uid.value();
    ev.ts_ms = ts;
    ev.experiment = as_text(x["experimentKey"]);
    ev.variation = as_text(x["variationKey"]);
    auto id = exposure_event_id(x.value("dedupeKey", ""));  // the id the browser SDK gives it too
    if (!id) return fail(c, 500, errc_name(id.error().code), id.error().message, id.error().where);
    ev.id = std::move(id.value());
    json item = {{"experiment", ev.experiment}, {"variation", ev.variation},
                 {"feature", x.value("featureId", "")}, {"event_id", ev.id}};
    // The core's codec checks the event (lengths, control characters) as for any upload.
    auto checked = decode_event(encode_event(ev));
    if (!checked || has_control(ev.experiment) || has_control(ev.variation)) {
      item["recorded"] = "invalid";
      listed.push_back(std::move(item));
      continue;
    }
    item["recorded"] = tracking ? "pending" : "not_recorded";
    listed.push_back(std::move(item));
    if (!tracking) continue;
    stored_event se;
    se.uid = ev.uid;
    se.id = ev.id;
    se.ts_ms = ev.ts_ms;
    se.type = "exposure";
    se.experiment = ev.experiment;
    se.variation = ev.variation;
    se.body = encode_event(ev);
    events.push_back(std::move(se));
  }
  if (events.empty()) {
    out["exposures"] = std::move(listed);
    return respond(c, 200, out.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  auto shared = std::make_shared<json>(std::move(out));
  auto items = std::make_shared<json>(std::move(listed));
  bool queued = queue_.submit(std::move(events), [this, c, shared, items](
                                                     result<std::vector<ingest_outcome>> r) {
    if (!r) return storage_failed(c, r.error());
    std::size_t k = 0;
    int64_t accepted = 0, dup = 0;
    for (auto& item : *items) {
      if (item["recorded"] != "pending") continue;
      const auto o = k < r->size() ? (*r)[k] : ingest_outcome::erased;
      ++k;
      if (o == ingest_outcome::erased) return fail(c, 410, "erased", "this uid was erased", "uid");
      item["recorded"] = o == ingest_outcome::accepted ? "new" : "already";
      (o == ingest_outcome::accepted ? accepted : dup) += 1;
    }
    metrics_.events(accepted, dup, 0, 0);
    (*shared)["exposures"] = std::move(*items);
    respond(c, 200, shared->dump(-1, ' ', false, json::error_handler_t::replace));
  });
  if (!queued) {
    fail(c, 503, "overloaded", "the ingest queue is full or the server is stopping; retry later",
         {}, {{"Retry-After", "1"}});
  }
}

result<profile_state> app::settings_of(const std::string& canonical) {
  auto doc = store_->read_settings(canonical);
  if (!doc) return doc.error();
  if (!doc.value()) return profile_state{};
  return import_state(*doc.value());
}

void app::on_settings(const call_ptr& c, const std::string& uid) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope == key_scope::browser && (!a->token_uid || *a->token_uid != uid)) {
    return fail(c, 403, "forbidden", "a browser key changes only the settings of its shopper token's uid");
  }
  auto body = small_json_body(c);
  if (!body) return;
  if (auto s = detail::check_known_keys(*body, {"suppressed", "personalization"}, ""); !s) {
    return fail(c, 400, errc_name(s.error().code), s.error().message, s.error().where);
  }
  // The core checks them as it checks an imported browser state (kinds, keys, limits).
  json doc = {{"version", 1}, {"events", json::array()},
              {"suppressed", body->value("suppressed", json::array())},
              {"personalization", body->value("personalization", json{{"enabled", true}, {"ts", 0}})}};
  auto incoming = import_state(doc.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!incoming) {
    const auto& e = incoming.error();
    return fail(c, status_for(e.code), errc_name(e.code), e.message, e.where);
  }
  auto erased = store_->is_erased(uid);
  if (!erased) return storage_failed(c, erased.error());
  if (erased.value()) return fail(c, 410, "erased", "this profile was erased", "uid");
  auto canon = store_->resolve(uid);
  if (!canon) return storage_failed(c, canon.error());
  // Union of suppressions, last writer wins for the switch ("off" wins ties):
  // the core's merge, inside the store's transaction so concurrent writers on
  // other replicas are merged, not overwritten.
  std::optional<std::pair<int, error>> refused;  // the merge's own failure, not the store's
  auto out = store_->update_settings(
      canon.value(),
      [&](const std::optional<std::string>& stored) -> result<std::string> {
        refused.reset();
        profile_state current;
        if (stored) {
          auto imported = import_state(*stored);
          if (!imported) {
            refused.emplace(500, error{errc::internal, "stored settings are unreadable: " +
                                                           imported.error().message,
                                       imported.error().where});
            return refused->second;
          }
          current = std::move(imported.value());
        }
        if (auto m = current.merge(incoming.value()); !m) {
          refused.emplace(status_for(m.error().code), m.error());
          return m.error();
        }
        return export_state(current);
      },
      now_ms());
  if (!out) {
    if (refused) {
      const auto& [code, e] = *refused;
      return fail(c, code, errc_name(e.code), e.message, e.where);
    }
    return storage_failed(c, out.error());
  }
  respond(c, 200, "{\"uid\":" + json_quote(uid) + ",\"canonical_uid\":" + json_quote(canon.value()) +
                      ",\"settings\":" + out.value() + "}");
}

void app::on_results(const call_ptr& c, const std::string& key) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "results need an admin key");
  const auto& q = c->req->header().query();
  results_options opt;
  if (auto cur = query_param(q, "currency")) {
    if (cur->size() != 3 || !std::all_of(cur->begin(), cur->end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      return fail(c, 400, "invalid_field", "currency must be an ISO 4217 code like EUR", "currency");
    }
    opt.currency = *cur;
  }
  if (auto sq = query_param(q, "sequential")) {
    if (*sq != "0" && *sq != "1") return fail(c, 400, "invalid_field", "sequential must be 0 or 1", "sequential");
    opt.sequential = *sq == "1";
  }
  auto exps = current_experiments();
  if (!exps) {
    const auto& e = exps.error();
    if (e.where.starts_with("sqlite") || e.where.starts_with("postgres")) return storage_failed(c, e);
    return fail(c, 500, "config_unavailable", "the current config cannot be used: " + e.message, e.where);
  }
  auto rows = store_->experiment_rows(key, experiment_limits::max_result_rows);
  if (!rows) {
    if (rows.error().code == errc::limit_exceeded) {
      return fail(c, 413, "limit_exceeded", rows.error().message, "experiment");
    }
    return storage_failed(c, rows.error());
  }
  auto out = experiment_results(key, rows.value(), find_experiment(exps.value()->config, key), opt);
  if (!out) return fail(c, 500, errc_name(out.error().code), out.error().message, out.error().where);
  respond(c, 200, std::move(out.value()));
}

void app::on_keys_create(const call_ptr& c) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "keys need an admin key");
  auto body = small_json_body(c);
  if (!body) return;
  if (auto s = detail::check_known_keys(*body, {"name", "scope"}, ""); !s) {
    return fail(c, 400, errc_name(s.error().code), s.error().message, s.error().where);
  }
  auto name = detail::read_string(*body, "name", "", http_limits::max_key_name_bytes, true);
  if (!name) return fail(c, 400, errc_name(name.error().code), name.error().message, name.error().where);
  auto scope = detail::read_string(*body, "scope", "", 16, true);
  if (!scope) return fail(c, 400, errc_name(scope.error().code), scope.error().message, scope.error().where);
  if (scope.value() != "browser" && scope.value() != "admin") {
    return fail(c, 400, "invalid_field", "scope must be \"browser\" or \"admin\"", "scope");
  }
  if (name.value() == "bootstrap-admin") {
    return fail(c, 400, "invalid_field", "this name is reserved", "name");
  }
  const std::string key = (scope.value() == "admin" ? "tsa_" : "tsb_") + base64url_encode(random_bytes(32));
  key_record rec{sha256_hex(key), name.value(),
                 scope.value() == "admin" ? key_scope::admin : key_scope::browser, now_ms(), false};
  if (auto s = store_->put_key(rec); !s) return storage_failed(c, s.error());
  log_.log("info", "key created", fmt::format("\"name\":{},\"scope\":{},\"by\":{}",
                                              json_quote(rec.name), json_quote(scope.value()),
                                              json_quote(c->key_name)));
  respond(c, 201, json{{"name", rec.name}, {"scope", scope.value()}, {"key", key}}.dump());
}

void app::on_keys_revoke(const call_ptr& c, const std::string& name) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "keys need an admin key");
  auto r = store_->revoke_key(name);
  if (!r) return storage_failed(c, r.error());
  if (!r.value()) return fail(c, 404, "not_found", "no key with this name", "name");
  {
    std::lock_guard lock(key_mu_);
    key_cache_.clear();  // effective at once on this replica; others within the cache TTL
  }
  respond(c, 200, json{{"name", name}, {"revoked", true}}.dump());
}

void app::on_tokens(const call_ptr& c) {
  auto a = authenticate(c, false);
  if (!a) return;
  if (a->scope != key_scope::admin) return fail(c, 403, "forbidden", "tokens are issued with an admin key");
  auto body = small_json_body(c);
  if (!body) return;
  if (auto s = detail::check_known_keys(*body, {"uid", "ttl_s"}, ""); !s) {
    return fail(c, 400, errc_name(s.error().code), s.error().message, s.error().where);
  }
  auto uid = detail::read_string(*body, "uid", "", limits::max_id_bytes, true);
  if (!uid) return fail(c, 400, errc_name(uid.error().code), uid.error().message, uid.error().where);
  auto ttl = detail::read_int(*body, "ttl_s", "", 1, http_limits::max_token_ttl_s, false, 86400);
  if (!ttl) return fail(c, 400, errc_name(ttl.error().code), ttl.error().message, ttl.error().where);
  const int64_t exp = now_ms() / 1000 + ttl.value();
  respond(c, 201, json{{"uid", uid.value()}, {"token", issue_token(token_secret_, uid.value(), exp)},
                       {"expires_at", exp}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

int run_server(const server_config& cfg) {
  logger boot_log(false);
  storage_options so;
  so.read_connections = cfg.db_connections;
  so.sqlite_sync_full = cfg.sqlite_sync_full;
  auto store = open_storage(cfg.db, so);
  if (!store) {
    boot_log.log("fatal", "cannot open the database",
                 "\"db\":" + json_quote(cfg.db.starts_with("postgres") ? "postgres://…" : cfg.db) +
                     ",\"error\":" + json_quote(store.error().message));
    std::fprintf(stderr, "tailor-sync: %s\n", store.error().message.c_str());
    return 3;
  }
  std::string secret = cfg.token_secret;
  if (secret.empty()) {
    auto s = store.value()->get_or_init_setting("token_secret", to_hex(random_bytes(32)));
    if (!s) {
      std::fprintf(stderr, "tailor-sync: cannot read the token secret: %s\n",
                   s.error().message.c_str());
      return 3;
    }
    secret = s.value();
  }
  if (!cfg.admin_key.empty()) {
    key_record rec{sha256_hex(cfg.admin_key), "bootstrap-admin", key_scope::admin, now_ms(), false};
    if (auto s = store.value()->put_key(rec); !s) {
      std::fprintf(stderr, "tailor-sync: cannot store the admin key: %s\n", s.error().message.c_str());
      return 3;
    }
  }
  auto the_app = std::make_unique<app>(cfg, std::move(store.value()), secret);
  app& a = *the_app;

  const unsigned threads = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));
  using server_t = restinio::http_server_t<traits>;
  auto settings = restinio::server_settings_t<traits>{};
  settings.address(cfg.host)
      .port(cfg.port)
      .max_parallel_connections(cfg.max_connections)
      .concurrent_accepts_count(threads)
      .separate_accept_and_create_connect(false)
      .read_next_http_message_timelimit(std::chrono::milliseconds(cfg.request_timeout_ms))
      .write_http_response_timelimit(std::chrono::milliseconds(cfg.request_timeout_ms))
      .handle_request_timeout(std::chrono::milliseconds(cfg.request_timeout_ms))
      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                    .max_body_size(http_limits::max_bundle_bytes + 1)
                                    .max_field_count(100)
                                    .max_url_size(8192)
                                    .max_field_name_size(256)
                                    .max_field_value_size(8192))
      .request_handler([&a](restinio::request_handle_t req) { return a.handle(req); });
  server_t server{restinio::external_io_context(io), std::move(settings)};

  std::atomic<int> open_state{0};  // 0 pending, 1 listening, 2 failed
  std::string open_message;
  asio::post(io, [&] {
    try {
      server.open_sync();
      open_state = 1;
    } catch (const std::exception& e) {
      open_message = e.what();
      open_state = 2;
      io.stop();
    }
  });
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::atomic<bool> stop_requested{false};
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (!ec) stop_requested = true;
  });
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  while (open_state == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (open_state == 2) {
    for (auto& t : pool) t.join();
    a.log().log("fatal", "cannot listen", fmt::format("\"host\":{},\"port\":{},\"error\":{}",
                json_quote(cfg.host), cfg.port, json_quote(open_message)));
    std::fprintf(stderr, "tailor-sync: cannot listen on %s:%u: %s\n", cfg.host.c_str(), cfg.port,
                 open_message.c_str());
    a.queue().stop();
    return 4;
  }
  // Tests and scripts wait for this line.
  a.log().log("info", "listening",
              fmt::format("\"host\":{},\"port\":{},\"storage\":\"{}\",\"threads\":{},\"pid\":{}",
                          json_quote(cfg.host), cfg.port, a.store().kind(), threads, getpid()));
  while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(20));

  // Graceful shutdown: stop accepting, let in-flight requests finish, then
  // commit what is queued and close the database.
  a.draining() = true;
  a.log().log("info", "draining", fmt::format("\"in_flight\":{}", a.stats().in_flight()));
  asio::post(io, [&] {
    try {
      server.close_sync();
    } catch (const std::exception&) {
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.drain_timeout_ms);
  while (a.stats().in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int64_t left = a.stats().in_flight();
  io.stop();
  for (auto& t : pool) t.join();
  a.queue().stop();
  a.log().log("info", "stopped", fmt::format("\"abandoned_requests\":{}", left));
  the_app.reset();
  return 0;
}

}  // namespace tailor::sync
