// tailor-sync: flags, environment and subcommands.
//   tailor-sync [serve] [--db PATH|postgres://…] [--port N] …   run the server
//   tailor-sync keys create --name NAME --scope browser|admin    print a new API key
//   tailor-sync keys revoke --name NAME
//   tailor-sync token --uid UID [--ttl SECONDS]                  print a shopper token
//   tailor-sync migrate                                          apply schema migrations
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "crypto.hpp"
#include "metrics.hpp"
#include "server.hpp"
#include "storage.hpp"

namespace {

using tailor::sync::server_config;

constexpr const char* usage_text =
    "usage: tailor-sync [serve] [options]\n"
    "       tailor-sync keys create --name NAME --scope browser|admin [--db URL]\n"
    "       tailor-sync keys revoke --name NAME [--db URL]\n"
    "       tailor-sync token --uid UID [--ttl SECONDS] [--db URL]\n"
    "       tailor-sync migrate [--db URL]\n"
    "\n"
    "options (environment variable in brackets; flags win):\n"
    "  --db PATH|URL          SQLite file or postgres://… URL (TAILOR_DB; default tailor.db)\n"
    "  --host ADDR            listen address (TAILOR_HOST; default 127.0.0.1)\n"
    "  --port N               listen port (TAILOR_PORT; default 8787)\n"
    "  --threads N            I/O threads (TAILOR_THREADS; default: one per core)\n"
    "  --token-secret S       HMAC secret for shopper tokens, >= 32 bytes (TAILOR_TOKEN_SECRET;\n"
    "                         default: generated once and kept in the database)\n"
    "  --admin-key K          bootstrap admin key, >= 32 bytes (TAILOR_ADMIN_KEY)\n"
    "  --cors-origins A,B     allowed browser origins, or * (TAILOR_CORS_ORIGINS)\n"
    "  --rate-ip R[:B]        requests/s (and burst) per client IP, 0 = off (TAILOR_RATE_IP; 200:400)\n"
    "  --rate-key R[:B]       requests/s (and burst) per API key, 0 = off (TAILOR_RATE_KEY; 20000:40000)\n"
    "  --max-connections N    open connections at most (TAILOR_MAX_CONNECTIONS; 20000)\n"
    "  --request-timeout-ms N read/handle/write time limit (TAILOR_REQUEST_TIMEOUT_MS; 30000)\n"
    "  --drain-timeout-ms N   graceful shutdown limit (TAILOR_DRAIN_TIMEOUT_MS; 10000)\n"
    "  --commit-max-events N  events per group commit at most (TAILOR_COMMIT_MAX_EVENTS; 20000)\n"
    "  --queue-max-events N   events waiting for commit at most (TAILOR_QUEUE_MAX_EVENTS; 200000)\n"
    "  --db-connections N     database connections per process (TAILOR_DB_CONNECTIONS; 4)\n"
    "  --sqlite-synchronous full|normal  SQLite fsync per commit (full: survives power loss) or\n"
    "                         at checkpoints only (normal: survives a process crash, not an OS\n"
    "                         crash) (TAILOR_SQLITE_SYNCHRONOUS; full)\n"
    "  --access-log on|off    one JSON log line per request (TAILOR_ACCESS_LOG; on)\n"
    "  --metrics-public on|off  /metrics without a key (TAILOR_METRICS_PUBLIC; on)\n";

struct arg_error {
  std::string message;
};

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  out = v;
  return true;
}

bool parse_rate(std::string_view s, double& rate, double& burst) {
  auto colon = s.find(':');
  uint64_t r = 0, b = 0;
  if (!parse_u64(s.substr(0, colon), r)) return false;
  if (colon != std::string_view::npos) {
    if (!parse_u64(s.substr(colon + 1), b)) return false;
  } else {
    b = r * 2;
  }
  rate = static_cast<double>(r);
  burst = static_cast<double>(b);
  return true;
}

bool parse_bool(std::string_view s, bool& out) {
  if (s == "on" || s == "true" || s == "1") return out = true, true;
  if (s == "off" || s == "false" || s == "0") return out = false, true;
  return false;
}

// Applies one option; returns an error message or empty.
std::string apply(server_config& c, std::string_view name, std::string_view value,
                  std::string& uid, std::string& key_name, std::string& scope, uint64_t& ttl) {
  uint64_t n = 0;
  auto num = [&](uint64_t lo, uint64_t hi) {
    return parse_u64(value, n) && n >= lo && n <= hi;
  };
  auto bad = [&](const char* what) {
    return std::string(name) + ": expected " + what + ", got \"" + std::string(value) + "\"";
  };
  if (name == "db") c.db = value;
  else if (name == "host") c.host = value;
  else if (name == "port") {
    if (!num(0, 65535)) return bad("a port 0..65535");
    c.port = static_cast<uint16_t>(n);
  } else if (name == "threads") {
    if (!num(0, 256)) return bad("0..256");
    c.threads = static_cast<unsigned>(n);
  } else if (name == "token-secret") {
    if (value.size() < 32) return std::string(name) + ": must be at least 32 bytes";
    c.token_secret = value;
  } else if (name == "admin-key") {
    if (value.size() < 32) return std::string(name) + ": must be at least 32 bytes";
    c.admin_key = value;
  } else if (name == "cors-origins") {
    c.cors_origins.clear();
    std::string_view v = value;
    while (!v.empty()) {
      auto comma = v.find(',');
      auto part = v.substr(0, comma);
      if (!part.empty()) c.cors_origins.emplace_back(part);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  } else if (name == "rate-ip") {
    if (!parse_rate(value, c.rate_ip, c.burst_ip)) return bad("RATE or RATE:BURST");
  } else if (name == "rate-key") {
    if (!parse_rate(value, c.rate_key, c.burst_key)) return bad("RATE or RATE:BURST");
  } else if (name == "max-connections") {
    if (!num(1, 1000000)) return bad("1..1000000");
    c.max_connections = n;
  } else if (name == "request-timeout-ms") {
    if (!num(100, 600000)) return bad("100..600000");
    c.request_timeout_ms = static_cast<int>(n);
  } else if (name == "drain-timeout-ms") {
    if (!num(0, 600000)) return bad("0..600000");
    c.drain_timeout_ms = static_cast<int>(n);
  } else if (name == "commit-max-events") {
    if (!num(1, 1000000)) return bad("1..1000000");
    c.commit_max_events = n;
  } else if (name == "queue-max-events") {
    if (!num(1000, 100000000)) return bad("1000..100000000");
    c.queue_max_events = n;
  } else if (name == "db-connections") {
    if (!num(1, 256)) return bad("1..256");
    c.db_connections = n;
  } else if (name == "sqlite-synchronous") {
    if (value != "full" && value != "normal") return bad("full or normal");
    c.sqlite_sync_full = value == "full";
  } else if (name == "access-log") {
    if (!parse_bool(value, c.access_log)) return bad("on or off");
  } else if (name == "metrics-public") {
    if (!parse_bool(value, c.metrics_public)) return bad("on or off");
  } else if (name == "uid") uid = value;
  else if (name == "name") key_name = value;
  else if (name == "scope") scope = value;
  else if (name == "ttl") {
    if (!num(1, 90 * 24 * 3600)) return bad("1..7776000 seconds");
    ttl = n;
  } else {
    return "unknown option --" + std::string(name);
  }
  return {};
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "tailor-sync: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  server_config cfg;
  std::string uid, key_name, scope;
  uint64_t ttl = 86400;
  static constexpr const char* env_names[][2] = {
      {"TAILOR_DB", "db"}, {"TAILOR_HOST", "host"}, {"TAILOR_PORT", "port"},
      {"TAILOR_THREADS", "threads"}, {"TAILOR_TOKEN_SECRET", "token-secret"},
      {"TAILOR_ADMIN_KEY", "admin-key"}, {"TAILOR_CORS_ORIGINS", "cors-origins"},
      {"TAILOR_RATE_IP", "rate-ip"}, {"TAILOR_RATE_KEY", "rate-key"},
      {"TAILOR_MAX_CONNECTIONS", "max-connections"},
      {"TAILOR_REQUEST_TIMEOUT_MS", "request-timeout-ms"},
      {"TAILOR_DRAIN_TIMEOUT_MS", "drain-timeout-ms"},
      {"TAILOR_COMMIT_MAX_EVENTS", "commit-max-events"},
      {"TAILOR_QUEUE_MAX_EVENTS", "queue-max-events"},
      {"TAILOR_DB_CONNECTIONS", "db-connections"}, {"TAILOR_ACCESS_LOG", "access-log"},
      {"TAILOR_SQLITE_SYNCHRONOUS", "sqlite-synchronous"},
      {"TAILOR_METRICS_PUBLIC", "metrics-public"}};
  for (const auto& e : env_names) {
    if (const char* v = std::getenv(e[0]); v && *v) {
      if (auto err = apply(cfg, e[1], v, uid, key_name, scope, ttl); !err.empty()) {
        return fail(std::string(e[0]) + " (" + err + ")");
      }
    }
  }
  std::vector<std::string_view> words;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(usage_text, stdout);
      return 0;
    }
    if (a.starts_with("--")) {
      a.remove_prefix(2);
      std::string_view value;
      if (auto eq = a.find('='); eq != std::string_view::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return fail("--" + std::string(a) + " needs a value");
      }
      if (auto err = apply(cfg, a, value, uid, key_name, scope, ttl); !err.empty()) return fail(err);
      continue;
    }
    words.push_back(a);
  }
  using namespace tailor::sync;
  if (words.empty() || (words.size() == 1 && words[0] == "serve")) return run_server(cfg);

  storage_options so;
  so.read_connections = 1;
  auto open = [&]() { return open_storage(cfg.db, so); };
  if (words.size() == 1 && words[0] == "migrate") {
    auto st = open();
    if (!st) return fail(st.error().message);
    std::printf("schema version %lld (%s)\n", static_cast<long long>(st.value()->schema_version()),
                std::string(st.value()->kind()).c_str());
    return 0;
  }
  if (words.size() == 2 && words[0] == "keys" && words[1] == "create") {
    if (key_name.empty() || key_name.size() > 64) return fail("--name: 1 to 64 bytes required");
    if (scope != "browser" && scope != "admin") return fail("--scope: browser or admin");
    auto st = open();
    if (!st) return fail(st.error().message);
    const std::string key = (scope == "admin" ? "tsa_" : "tsb_") + base64url_encode(random_bytes(32));
    key_record rec{sha256_hex(key), key_name, scope == "admin" ? key_scope::admin : key_scope::browser,
                   now_ms(), false};
    if (auto s = st.value()->put_key(rec); !s) return fail(s.error().message);
    std::printf("%s\n", key.c_str());
    return 0;
  }
  if (words.size() == 2 && words[0] == "keys" && words[1] == "revoke") {
    auto st = open();
    if (!st) return fail(st.error().message);
    auto r = st.value()->revoke_key(key_name);
    if (!r) return fail(r.error().message);
    if (!r.value()) return fail("no key named \"" + key_name + "\"");
    return 0;
  }
  if (words.size() == 1 && words[0] == "token") {
    if (uid.empty() || uid.size() > 128) return fail("--uid: 1 to 128 bytes required");
    std::string secret = cfg.token_secret;
    if (secret.empty()) {
      auto st = open();
      if (!st) return fail(st.error().message);
      auto s = st.value()->get_or_init_setting("token_secret", to_hex(random_bytes(32)));
      if (!s) return fail(s.error().message);
      secret = s.value();
    }
    std::printf("%s\n", issue_token(secret, uid, now_ms() / 1000 + static_cast<int64_t>(ttl)).c_str());
    return 0;
  }
  std::fputs(usage_text, stderr);
  return 2;
}
