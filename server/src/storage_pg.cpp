// PostgreSQL back end (libpq): a pool of connections, every statement
// prepared once per connection, group commits as one multi-row INSERT.
// Replicas share the database; per-uid advisory locks order writers.
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "crypto.hpp"
#include "pool.hpp"
#include "schema.hpp"
#include "sql_shared.hpp"
#include "storage.hpp"

namespace tailor::sync {
namespace {

struct pg_result {
  PGresult* r = nullptr;
  explicit pg_result(PGresult* p) : r(p) {}
  pg_result(pg_result&& o) noexcept : r(o.r) { o.r = nullptr; }
  pg_result(const pg_result&) = delete;
  ~pg_result() {
    if (r) PQclear(r);
  }
  int rows() const { return PQntuples(r); }
  bool null(int row, int col) const { return PQgetisnull(r, row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  }
  int64_t i64(int row, int col) const { return std::strtoll(PQgetvalue(r, row, col), nullptr, 10); }
  bool boolean(int row, int col) const { return PQgetvalue(r, row, col)[0] == 't'; }
};

// A parameter: text, binary bytes, or SQL NULL.
struct param {
  std::string value;
  bool is_null = false;
  bool binary = false;
  param(std::string v) : value(std::move(v)) {}                 // NOLINT
  param(std::string_view v) : value(v) {}                       // NOLINT
  param(const char* v) : value(v) {}                            // NOLINT
  param(int64_t v) : value(std::to_string(v)) {}               // NOLINT
  static param null_value() {
    param p(std::string{});
    p.is_null = true;
    return p;
  }
  static param bytes(std::string_view v) {
    param p(v);
    p.binary = true;
    return p;
  }
};

class connection {
 public:
  ~connection() {
    if (conn_) PQfinish(conn_);
  }

  static result<std::unique_ptr<connection>> open(const std::string& url) {
    auto c = std::make_unique<connection>();
    c->conn_ = PQconnectdb(url.c_str());
    if (!c->conn_ || PQstatus(c->conn_) != CONNECTION_OK) {
      std::string msg = c->conn_ ? PQerrorMessage(c->conn_) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      return make_error(errc::invalid_config, "cannot connect to PostgreSQL: " + msg, "--db");
    }
    auto r = c->exec("SET client_min_messages = warning");
    if (!r) return r.error();
    return c;
  }

  error last_error(std::string_view what, PGresult* r = nullptr) {
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return make_error(errc::internal, std::string(what) + ": " + msg,
                      std::string("postgres") + (state ? std::string(" ") + state : ""));
  }

  // Constant SQL only (transaction control, migrations).
  result<pg_result> exec(const char* sql) {
    pg_result r(PQexec(conn_, sql));
    auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return last_error("exec", r.r);
    return r;
  }

  result<pg_result> run(const char* sql, const std::vector<param>& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size());
      pg_result p(PQprepare(conn_, name.c_str(), sql, 0, nullptr));
      if (PQresultStatus(p.r) != PGRES_COMMAND_OK) return last_error("prepare", p.r);
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params) {
      values.push_back(p.is_null ? nullptr : p.value.c_str());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
    pg_result r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), lengths.data(), formats.data(), 0));
    auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return last_error("query", r.r);
    return r;
  }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  void reset() {
    PQreset(conn_);
    prepared_.clear();
  }

 private:
  PGconn* conn_ = nullptr;
  std::map<const char*, std::string> prepared_;
};

template <class Fn>
auto in_tx(connection& c, Fn&& fn) -> decltype(fn()) {
  if (auto s = c.exec("BEGIN"); !s) return s.error();
  auto r = fn();
  if (!r) {
    (void)c.exec("ROLLBACK");
    return r;
  }
  if (auto s = c.exec("COMMIT"); !s) {
    (void)c.exec("ROLLBACK");
    return s.error();
  }
  return r;
}

// A PostgreSQL array literal of text values ({"a","b",NULL}).
std::string text_array(const std::vector<const std::string*>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out.push_back('"');
    for (char ch : *values[i]) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string int_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  return out;
}

// The shared statements (sql_shared.hpp) with $N placeholders, rewritten once.
const char* pg_text(const char* sqlite_text) {
  static std::mutex mu;
  static std::map<const char*, std::string> texts;  // node-based: c_str() stays valid
  std::lock_guard lock(mu);
  auto it = texts.find(sqlite_text);
  if (it == texts.end()) {
    std::string out;
    for (const char* p = sqlite_text; *p; ++p) out.push_back(*p == '?' ? '$' : *p);
    it = texts.emplace(sqlite_text, std::move(out)).first;
  }
  return it->second.c_str();
}
const char* const sql_tombstoned = pg_text(shared_sql::sql_tombstoned);
const char* const sql_alias = pg_text(shared_sql::sql_alias);
const char* const sql_page = pg_text(shared_sql::sql_page);
const char* const sql_latest = pg_text(shared_sql::sql_latest);
const char* const sql_count_events = pg_text(shared_sql::sql_count_events);
const char* const sql_delete_events = pg_text(shared_sql::sql_delete_events);
const char* const sql_delete_profile = pg_text(shared_sql::sql_delete_profile);
const char* const sql_repoint_aliases = pg_text(shared_sql::sql_repoint_aliases);
const char* const sql_put_alias = pg_text(shared_sql::sql_put_alias);
const char* const sql_aliases_of = pg_text(shared_sql::sql_aliases_of);
const char* const sql_delete_aliases = pg_text(shared_sql::sql_delete_aliases);
const char* const sql_tombstone = pg_text(shared_sql::sql_tombstone);
const char* const sql_find_key = pg_text(shared_sql::sql_find_key);
const char* const sql_init_setting = pg_text(shared_sql::sql_init_setting);
const char* const sql_get_setting = pg_text(shared_sql::sql_get_setting);
const char* const sql_next_version = pg_text(shared_sql::sql_next_version);
const char* const sql_put_artifact = pg_text(shared_sql::sql_put_artifact);
const char* const sql_set_current = pg_text(shared_sql::sql_set_current);
const char* const sql_experiment_rows = pg_text(shared_sql::sql_experiment_rows);
const char* const sql_latest_of_type = pg_text(shared_sql::sql_latest_of_type);
const char* const sql_read_sticky = pg_text(shared_sql::sql_read_sticky);
const char* const sql_write_sticky = pg_text(shared_sql::sql_write_sticky);
const char* const sql_move_sticky = pg_text(shared_sql::sql_move_sticky);
const char* const sql_delete_sticky = pg_text(shared_sql::sql_delete_sticky);
const char* const sql_ping = pg_text(shared_sql::sql_ping);
const char* const sql_read_settings = pg_text(shared_sql::sql_read_settings);
const char* const sql_write_settings = pg_text(shared_sql::sql_write_settings);
const char* const sql_delete_settings = pg_text(shared_sql::sql_delete_settings);

constexpr const char* sql_lock = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))";
// Group commit in a constant number of round trips: one statement each for
// the locks, the uid states and the seq reservations of the whole group.
constexpr const char* sql_lock_many =
    "SELECT pg_advisory_xact_lock(hashtextextended(s.u, 7)) FROM"
    " (SELECT DISTINCT u FROM unnest($1::text[]) AS t(u) ORDER BY u) AS s";
constexpr const char* sql_uid_states =
    "SELECT t.u, EXISTS(SELECT 1 FROM tombstones WHERE uid_hash = t.h),"
    " (SELECT uid FROM aliases WHERE alias = t.u) FROM unnest($1::text[], $2::text[]) AS t(u, h)";
constexpr const char* sql_reserve_many =
    "INSERT INTO profiles(uid, last_seq, updated_ms)"
    " SELECT u, n, $3 FROM unnest($1::text[], $2::bigint[]) AS t(u, n) ORDER BY u"
    " ON CONFLICT(uid) DO UPDATE SET last_seq = profiles.last_seq + excluded.last_seq,"
    " updated_ms = excluded.updated_ms RETURNING uid, last_seq";
constexpr const char* sql_insert_events =
    "INSERT INTO events(uid, id, seq, ts, type, experiment, variation, body)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[],"
    " $6::text[], $7::text[], $8::text[]) ON CONFLICT (uid, id) DO NOTHING RETURNING uid, id";
constexpr const char* sql_last_seq = "SELECT last_seq FROM profiles WHERE uid = $1";
constexpr const char* sql_move_events =
    "INSERT INTO events(uid, id, seq, ts, type, experiment, variation, body)"
    " SELECT $2, e.id, $3 + ROW_NUMBER() OVER (ORDER BY e.seq), e.ts, e.type, e.experiment,"
    " e.variation, e.body FROM events e WHERE e.uid = $1 AND NOT EXISTS"
    " (SELECT 1 FROM events x WHERE x.uid = $2 AND x.id = e.id)";
constexpr const char* sql_lock_profile =
    "INSERT INTO profiles(uid, last_seq, updated_ms) VALUES($1, 0, $2)"
    " ON CONFLICT(uid) DO UPDATE SET updated_ms = excluded.updated_ms RETURNING last_seq";
constexpr const char* sql_set_last_seq =
    "UPDATE profiles SET last_seq = $2, updated_ms = $3 WHERE uid = $1";
constexpr const char* sql_put_key =
    "INSERT INTO api_keys(key_hash, name, scope, created_ms, revoked) VALUES($1, $2, $3, $4, FALSE)"
    " ON CONFLICT(name) DO UPDATE SET key_hash = excluded.key_hash, scope = excluded.scope,"
    " created_ms = excluded.created_ms, revoked = FALSE";
constexpr const char* sql_revoke_key = "UPDATE api_keys SET revoked = TRUE WHERE name = $1";
constexpr const char* sql_lock_kind = "SELECT pg_advisory_xact_lock(hashtextextended($1, 11))";
constexpr const char* sql_lock_settings = "SELECT pg_advisory_xact_lock(hashtextextended($1, 13))";
constexpr const char* sql_current_meta =
    "SELECT a.version, a.etag, octet_length(a.body), a.created_ms FROM artifact_current c"
    " JOIN artifacts a ON a.kind = c.kind AND a.version = c.version WHERE c.kind = $1";
constexpr const char* sql_get_artifact =
    "SELECT a.version, a.etag, octet_length(a.body), a.created_ms, a.body,"
    " COALESCE((SELECT version FROM artifact_current WHERE kind = a.kind) = a.version, FALSE)"
    " FROM artifacts a WHERE a.kind = $1 AND a.version = $2";
constexpr const char* sql_list_artifacts =
    "SELECT a.version, a.etag, octet_length(a.body), a.created_ms,"
    " COALESCE((SELECT version FROM artifact_current WHERE kind = a.kind) = a.version, FALSE)"
    " FROM artifacts a WHERE a.kind = $1 ORDER BY a.version DESC";
constexpr const char* sql_stats =
    "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM profiles),"
    " (SELECT COUNT(*) FROM tombstones), pg_database_size(current_database())";

bool retryable(const error& e) {
  return e.where.ends_with("40P01") || e.where.ends_with("40001");
}

template <class T>
result<T> guarded(const char* what, std::function<result<T>()> fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string(what) + ": " + e.what(), "postgres");
  }
}

class pg_storage final : public storage {
 public:
  std::string_view kind() const noexcept override { return "postgres"; }
  int64_t schema_version() const noexcept override { return version_; }

  static result<std::unique_ptr<storage>> open(std::string_view url_view,
                                               const storage_options& options) {
    std::string url(url_view);
    auto st = std::make_unique<pg_storage>();
    st->url_ = url;
    const std::size_t n = std::max<std::size_t>(options.read_connections, 2);
    for (std::size_t i = 0; i < n; ++i) {
      auto c = connection::open(url);
      if (!c) return c.error();
      if (i == 0) {
        auto v = migrate(*c.value());
        if (!v) return v.error();
        st->version_ = v.value();
      }
      st->pool_.add(std::move(c.value()));
    }
    return std::unique_ptr<storage>(std::move(st));
  }

  // Runs fn on a pooled connection; reconnects a broken one and retries
  // transactions that lost a deadlock or serialization race.
  template <class T>
  result<T> with_conn(const char* what, std::function<result<T>(connection&)> fn) noexcept {
    return guarded<T>(what, [&]() -> result<T> {
      auto c = pool_.acquire();
      for (int attempt = 0;; ++attempt) {
        if (!c->healthy()) c->reset();
        auto r = fn(*c);
        if (r || attempt >= 2) return r;
        if (!retryable(r.error()) && c->healthy()) return r;
      }
    });
  }

  static result<pg_result> lock_uid(connection& c, std::string_view uid) {
    return c.run(sql_lock, {param(uid)});
  }

  result<std::vector<ingest_outcome>> ingest(const std::vector<stored_event>& events,
                                             int64_t now_ms) noexcept override {
    return with_conn<std::vector<ingest_outcome>>("ingest", [&](connection& c) {
      return in_tx(c, [&]() -> result<std::vector<ingest_outcome>> {
        // Lock every raw uid in a fixed order, so writers never deadlock.
        std::set<std::string> raw;
        for (const auto& ev : events) raw.insert(ev.uid);
        std::vector<const std::string*> raw_list;
        std::vector<std::string> hashes;
        hashes.reserve(raw.size());
        for (const auto& uid : raw) {
          raw_list.push_back(&uid);
          hashes.push_back(sha256_hex(uid));
        }
        std::vector<const std::string*> hash_list;
        for (const auto& h : hashes) hash_list.push_back(&h);
        const std::string raw_array = text_array(raw_list);
        if (auto r = c.run(sql_lock_many, {param(raw_array)}); !r) return r.error();
        std::unordered_map<std::string, std::pair<bool, std::string>> state;  // erased, canonical
        {
          auto r = c.run(sql_uid_states, {param(raw_array), param(text_array(hash_list))});
          if (!r) return r.error();
          for (int row = 0; row < r->rows(); ++row) {
            std::string uid = r->text(row, 0);
            const bool erased = r->boolean(row, 1);
            std::string canon = r->null(row, 2) ? uid : r->text(row, 2);
            state.emplace(std::move(uid), std::make_pair(erased, std::move(canon)));
          }
        }
        std::vector<ingest_outcome> out(events.size(), ingest_outcome::duplicate);
        std::map<std::string, std::vector<std::size_t>> by_canon;  // sorted: lock order
        std::set<std::pair<std::string, std::string>> seen;
        for (std::size_t i = 0; i < events.size(); ++i) {
          const auto& st = state[events[i].uid];
          if (st.first) {
            out[i] = ingest_outcome::erased;
            continue;
          }
          if (!seen.emplace(st.second, events[i].id).second) continue;  // duplicate in the group
          by_canon[st.second].push_back(i);
        }
        if (by_canon.empty()) return out;
        std::vector<const std::string*> uids, ids, types, exps, vars, bodies;
        std::vector<int64_t> seqs, tss;
        std::unordered_map<std::string, int64_t> last_seq;
        {
          std::vector<const std::string*> canon_list;
          std::vector<int64_t> counts;
          for (const auto& [canon, idx] : by_canon) {
            canon_list.push_back(&canon);
            counts.push_back(static_cast<int64_t>(idx.size()));
          }
          auto r = c.run(sql_reserve_many, {param(text_array(canon_list)), param(int_array(counts)),
                                            param(now_ms)});
          if (!r) return r.error();
          for (int row = 0; row < r->rows(); ++row) last_seq[r->text(row, 0)] = r->i64(row, 1);
        }
        for (const auto& [canon, idx] : by_canon) {
          const auto n = static_cast<int64_t>(idx.size());
          auto found = last_seq.find(canon);
          if (found == last_seq.end()) {
            return make_error(errc::internal, "no seq reserved for a uid", "postgres");
          }
          int64_t seq = found->second - n;
          for (std::size_t i : idx) {
            const auto& ev = events[i];
            uids.push_back(&canon);
            ids.push_back(&ev.id);
            seqs.push_back(++seq);
            tss.push_back(ev.ts_ms);
            types.push_back(&ev.type);
            exps.push_back(ev.experiment.empty() ? nullptr : &ev.experiment);
            vars.push_back(ev.experiment.empty() ? nullptr : &ev.variation);
            bodies.push_back(&ev.body);
          }
        }
        auto r = c.run(sql_insert_events,
                       {param(text_array(uids)), param(text_array(ids)), param(int_array(seqs)),
                        param(int_array(tss)), param(text_array(types)), param(text_array(exps)),
                        param(text_array(vars)), param(text_array(bodies))});
        if (!r) return r.error();
        std::set<std::pair<std::string, std::string>> inserted;
        for (int row = 0; row < r->rows(); ++row) inserted.emplace(r->text(row, 0), r->text(row, 1));
        for (const auto& [canon, idx] : by_canon) {
          for (std::size_t i : idx) {
            if (inserted.count({canon, events[i].id})) out[i] = ingest_outcome::accepted;
          }
        }
        return out;
      });
    });
  }

  static result<bool> tombstoned(connection& c, std::string_view uid) {
    auto r = c.run(sql_tombstoned, {param(sha256_hex(uid))});
    if (!r) return r.error();
    return r->rows() > 0;
  }

  static result<std::string> resolve_on(connection& c, std::string_view uid) {
    auto r = c.run(sql_alias, {param(uid)});
    if (!r) return r.error();
    return r->rows() > 0 ? r->text(0, 0) : std::string(uid);
  }

  static result<int64_t> count(connection& c, const char* sql, std::string_view arg) {
    auto r = c.run(sql, {param(arg)});
    if (!r) return r.error();
    return r->rows() > 0 ? r->i64(0, 0) : 0;
  }

  result<event_page> read_events(std::string_view uid, int64_t since,
                                 std::size_t limit) noexcept override {
    return with_conn<event_page>("read_events", [&](connection& c) -> result<event_page> {
      if (auto s = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s.error();
      auto r = [&]() -> result<event_page> {
        auto t = tombstoned(c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        event_page page;
        page.uid = canon.value();
        auto last = count(c, sql_last_seq, page.uid);
        if (!last) return last.error();
        page.last_seq = last.value();
        page.watermark = since;
        auto rows = c.run(sql_page, {param(page.uid), param(since),
                                     param(static_cast<int64_t>(limit) + 1)});
        if (!rows) return rows.error();
        for (int i = 0; i < rows->rows(); ++i) {
          if (page.events.size() == limit) {
            page.has_more = true;
            break;
          }
          page.events.emplace_back(rows->i64(i, 0), rows->text(i, 1));
          page.watermark = rows->i64(i, 0);
        }
        return page;
      }();
      (void)c.exec("COMMIT");
      return r;
    });
  }

  result<std::vector<std::string>> read_latest(std::string_view uid,
                                               std::size_t n) noexcept override {
    return with_conn<std::vector<std::string>>("read_latest", [&](connection& c) -> result<std::vector<std::string>> {
      if (auto s = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s.error();
      auto r = [&]() -> result<std::vector<std::string>> {
        auto t = tombstoned(c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        auto rows = c.run(sql_latest, {param(canon.value()), param(static_cast<int64_t>(n))});
        if (!rows) return rows.error();
        std::vector<std::string> out;
        for (int i = 0; i < rows->rows(); ++i) out.push_back(rows->text(i, 0));
        return out;
      }();
      (void)c.exec("COMMIT");
      return r;
    });
  }

  result<std::string> resolve(std::string_view uid) noexcept override {
    return with_conn<std::string>("resolve", [&](connection& c) { return resolve_on(c, uid); });
  }

  result<bool> is_erased(std::string_view uid) noexcept override {
    return with_conn<bool>("is_erased", [&](connection& c) { return tombstoned(c, uid); });
  }

  result<identify_outcome> identify(std::string_view uid, std::string_view previous_uid,
                                    int64_t now_ms) noexcept override {
    return with_conn<identify_outcome>("identify", [&](connection& c) {
      return in_tx(c, [&]() -> result<identify_outcome> {
        std::set<std::string> locks{std::string(uid), std::string(previous_uid)};
        for (const auto& u : locks) {
          if (auto r = lock_uid(c, u); !r) return r.error();
        }
        for (auto u : {uid, previous_uid}) {
          auto t = tombstoned(c, u);
          if (!t) return t.error();
          if (t.value()) {
            return make_error(errc::invalid_state, "uid \"" + std::string(u) + "\" was erased",
                              u == uid ? "uid" : "previous_uid");
          }
        }
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        auto prev = resolve_on(c, previous_uid);
        if (!prev) return prev.error();
        identify_outcome out;
        out.uid = canon.value();
        if (prev.value() == out.uid) {
          out.already_merged = true;
          return out;
        }
        // Lock both profile rows in a fixed order (the same rows ingest reserves).
        int64_t last = 0;
        for (const auto& u : std::set<std::string>{out.uid, prev.value()}) {
          auto r = c.run(sql_lock_profile, {param(u), param(now_ms)});
          if (!r) return r.error();
          if (u == out.uid) last = r->i64(0, 0);
        }
        auto total = count(c, sql_count_events, prev.value());
        if (!total) return total.error();
        auto mv = c.run(sql_move_events, {param(prev.value()), param(out.uid), param(last)});
        if (!mv) return mv.error();
        out.moved = std::strtoll(PQcmdTuples(mv->r), nullptr, 10);
        out.duplicates = total.value() - out.moved;
        if (auto r = c.run(sql_move_sticky, {param(prev.value()), param(out.uid)}); !r)
          return r.error();
        for (const char* sql : {sql_delete_events, sql_delete_profile, sql_delete_sticky,
                                sql_delete_settings}) {
          if (auto r = c.run(sql, {param(prev.value())}); !r) return r.error();
        }
        if (auto r = c.run(sql_set_last_seq, {param(out.uid), param(last + out.moved),
                                              param(now_ms)}); !r)
          return r.error();
        if (auto r = c.run(sql_repoint_aliases, {param(prev.value()), param(out.uid)}); !r)
          return r.error();
        if (auto r = c.run(sql_put_alias, {param(prev.value()), param(out.uid), param(now_ms)}); !r)
          return r.error();
        return out;
      });
    });
  }

  result<erase_outcome> erase(std::string_view uid, int64_t now_ms) noexcept override {
    return with_conn<erase_outcome>("erase", [&](connection& c) {
      return in_tx(c, [&]() -> result<erase_outcome> {
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        auto al = c.run(sql_aliases_of, {param(canon.value())});
        if (!al) return al.error();
        std::set<std::string> everyone{std::string(uid), canon.value()};
        for (int i = 0; i < al->rows(); ++i) everyone.insert(al->text(i, 0));
        for (const auto& u : everyone) {
          if (auto r = lock_uid(c, u); !r) return r.error();
        }
        erase_outcome out;
        auto d = c.run(sql_delete_events, {param(canon.value())});
        if (!d) return d.error();
        out.events_deleted = std::strtoll(PQcmdTuples(d->r), nullptr, 10);
        out.aliases_tombstoned = al->rows();
        for (const char* sql : {sql_delete_aliases, sql_delete_profile, sql_delete_sticky,
                                sql_delete_settings}) {
          if (auto r = c.run(sql, {param(canon.value())}); !r) return r.error();
        }
        for (const auto& u : everyone) {
          if (auto r = c.run(sql_tombstone, {param(sha256_hex(u)), param(now_ms)}); !r)
            return r.error();
        }
        return out;
      });
    });
  }

  result<std::optional<key_record>> find_key(std::string_view key_hash) noexcept override {
    return with_conn<std::optional<key_record>>("find_key", [&](connection& c) -> result<std::optional<key_record>> {
      auto r = c.run(sql_find_key, {param(key_hash)});
      if (!r) return r.error();
      if (r->rows() == 0) return std::optional<key_record>();
      key_record k{r->text(0, 0), r->text(0, 1),
                   r->text(0, 2) == "admin" ? key_scope::admin : key_scope::browser,
                   r->i64(0, 3), r->boolean(0, 4)};
      return std::optional<key_record>(std::move(k));
    });
  }

  status put_key(const key_record& key) noexcept override {
    return with_conn<ok_t>("put_key", [&](connection& c) -> status {
      auto r = c.run(sql_put_key, {param(key.key_hash), param(key.name),
                                   param(key.scope == key_scope::admin ? "admin" : "browser"),
                                   param(key.created_ms)});
      if (!r) return r.error();
      return ok_value;
    });
  }

  result<bool> revoke_key(std::string_view name) noexcept override {
    return with_conn<bool>("revoke_key", [&](connection& c) -> result<bool> {
      auto r = c.run(sql_revoke_key, {param(name)});
      if (!r) return r.error();
      return std::strtoll(PQcmdTuples(r->r), nullptr, 10) > 0;
    });
  }

  result<std::string> get_or_init_setting(std::string_view name,
                                          std::string_view value) noexcept override {
    return with_conn<std::string>("setting", [&](connection& c) -> result<std::string> {
      if (auto r = c.run(sql_init_setting, {param(name), param(value)}); !r) return r.error();
      auto r = c.run(sql_get_setting, {param(name)});
      if (!r) return r.error();
      if (r->rows() == 0) return make_error(errc::internal, "setting vanished", "postgres");
      return r->text(0, 0);
    });
  }

  result<artifact_meta> put_artifact(std::string_view kind, std::string_view body,
                                     std::string_view etag, int64_t now_ms) noexcept override {
    return with_conn<artifact_meta>("put_artifact", [&](connection& c) {
      return in_tx(c, [&]() -> result<artifact_meta> {
        if (auto r = c.run(sql_lock_kind, {param(kind)}); !r) return r.error();
        auto v = count(c, sql_next_version, kind);
        if (!v) return v.error();
        if (auto r = c.run(sql_put_artifact, {param(kind), param(v.value()), param(etag),
                                              param::bytes(body), param(now_ms)}); !r)
          return r.error();
        if (auto r = c.run(sql_set_current, {param(kind), param(v.value())}); !r) return r.error();
        return artifact_meta{std::string(kind), v.value(), std::string(etag),
                             static_cast<int64_t>(body.size()), now_ms, true};
      });
    });
  }

  result<std::optional<artifact_meta>> current_artifact(std::string_view kind) noexcept override {
    return with_conn<std::optional<artifact_meta>>("current_artifact", [&](connection& c) -> result<std::optional<artifact_meta>> {
      auto r = c.run(sql_current_meta, {param(kind)});
      if (!r) return r.error();
      if (r->rows() == 0) return std::optional<artifact_meta>();
      return std::optional<artifact_meta>(artifact_meta{std::string(kind), r->i64(0, 0),
                                                        r->text(0, 1), r->i64(0, 2),
                                                        r->i64(0, 3), true});
    });
  }

  result<std::optional<artifact>> get_artifact(std::string_view kind,
                                               int64_t version) noexcept override {
    return with_conn<std::optional<artifact>>("get_artifact", [&](connection& c) -> result<std::optional<artifact>> {
      auto r = c.run(sql_get_artifact, {param(kind), param(version)});
      if (!r) return r.error();
      if (r->rows() == 0) return std::optional<artifact>();
      artifact a;
      a.meta = artifact_meta{std::string(kind), r->i64(0, 0), r->text(0, 1), r->i64(0, 2),
                             r->i64(0, 3), r->boolean(0, 5)};
      std::size_t n = 0;
      unsigned char* raw = PQunescapeBytea(
          reinterpret_cast<const unsigned char*>(PQgetvalue(r->r, 0, 4)), &n);
      if (!raw) return make_error(errc::internal, "cannot decode bytea", "postgres");
      a.body.assign(reinterpret_cast<const char*>(raw), n);
      PQfreemem(raw);
      return std::optional<artifact>(std::move(a));
    });
  }

  result<std::vector<artifact_meta>> list_artifacts(std::string_view kind) noexcept override {
    return with_conn<std::vector<artifact_meta>>("list_artifacts", [&](connection& c) -> result<std::vector<artifact_meta>> {
      auto r = c.run(sql_list_artifacts, {param(kind)});
      if (!r) return r.error();
      std::vector<artifact_meta> out;
      for (int i = 0; i < r->rows(); ++i) {
        out.push_back(artifact_meta{std::string(kind), r->i64(i, 0), r->text(i, 1), r->i64(i, 2),
                                    r->i64(i, 3), r->boolean(i, 4)});
      }
      return out;
    });
  }

  status activate_artifact(std::string_view kind, int64_t version) noexcept override {
    return with_conn<ok_t>("activate_artifact", [&](connection& c) {
      return in_tx(c, [&]() -> status {
        auto r = c.run(sql_get_artifact, {param(kind), param(version)});
        if (!r) return r.error();
        if (r->rows() == 0) {
          return make_error(errc::not_found, "no " + std::string(kind) + " version " +
                                                 std::to_string(version), "version");
        }
        if (auto s = c.run(sql_set_current, {param(kind), param(version)}); !s) return s.error();
        return ok_value;
      });
    });
  }

  result<std::vector<exposure_row>> experiment_rows(std::string_view experiment,
                                                    std::size_t max_rows) noexcept override {
    return with_conn<std::vector<exposure_row>>("experiment_rows", [&](connection& c) -> result<std::vector<exposure_row>> {
      auto r = c.run(sql_experiment_rows, {param(experiment), param(static_cast<int64_t>(max_rows) + 1)});
      if (!r) return r.error();
      if (static_cast<std::size_t>(r->rows()) > max_rows) {
        return make_error(errc::limit_exceeded,
                          "more than " + std::to_string(max_rows) + " exposure rows", "experiment");
      }
      std::vector<exposure_row> out;
      for (int i = 0; i < r->rows(); ++i) {
        out.push_back(exposure_row{r->text(i, 0), r->text(i, 1), r->null(i, 2) ? "" : r->text(i, 2)});
      }
      return out;
    });
  }

  result<std::optional<std::string>> latest_of_type(std::string_view uid,
                                                    std::string_view type) noexcept override {
    return with_conn<std::optional<std::string>>("latest_of_type", [&](connection& c) -> result<std::optional<std::string>> {
      if (auto s = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s.error();
      auto r = [&]() -> result<std::optional<std::string>> {
        auto t = tombstoned(c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        auto rows = c.run(sql_latest_of_type, {param(canon.value()), param(type)});
        if (!rows) return rows.error();
        if (rows->rows() == 0) return std::optional<std::string>();
        return std::optional<std::string>(rows->text(0, 0));
      }();
      (void)c.exec("COMMIT");
      return r;
    });
  }

  result<std::vector<sticky_doc>> read_sticky(std::string_view uid) noexcept override {
    return with_conn<std::vector<sticky_doc>>("read_sticky", [&](connection& c) -> result<std::vector<sticky_doc>> {
      auto r = c.run(sql_read_sticky, {param(uid), param(static_cast<int64_t>(max_sticky_docs))});
      if (!r) return r.error();
      std::vector<sticky_doc> out;
      for (int i = 0; i < r->rows(); ++i) out.push_back(sticky_doc{r->text(i, 0), r->text(i, 1)});
      return out;
    });
  }

  result<std::optional<std::string>> read_settings(std::string_view uid) noexcept override {
    return with_conn<std::optional<std::string>>("read_settings", [&](connection& c) -> result<std::optional<std::string>> {
      auto r = c.run(sql_read_settings, {param(uid)});
      if (!r) return r.error();
      if (r->rows() == 0) return std::optional<std::string>();
      return std::optional<std::string>(r->text(0, 0));
    });
  }

  result<std::string> update_settings(std::string_view uid, const settings_change& change,
                                      int64_t now_ms) noexcept override {
    return with_conn<std::string>("update_settings", [&](connection& c) {
      return in_tx(c, [&]() -> result<std::string> {
        // Serializes the read-merge-write with other replicas' for this uid.
        if (auto r = c.run(sql_lock_settings, {param(uid)}); !r) return r.error();
        auto r = c.run(sql_read_settings, {param(uid)});
        if (!r) return r.error();
        std::optional<std::string> stored;
        if (r->rows() > 0) stored = r->text(0, 0);
        auto doc = change(stored);
        if (!doc) return doc.error();
        if (auto w = c.run(sql_write_settings, {param(uid), param(doc.value()), param(now_ms)}); !w) {
          return w.error();
        }
        return std::move(doc.value());
      });
    });
  }

  status write_sticky(std::string_view uid, const std::vector<sticky_doc>& docs,
                      int64_t now_ms) noexcept override {
    return with_conn<ok_t>("write_sticky", [&](connection& c) -> status {
      if (docs.empty()) return ok_value;
      return in_tx(c, [&]() -> status {
        for (const auto& d : docs) {
          if (auto r = c.run(sql_write_sticky, {param(uid), param(d.key), param(d.doc), param(now_ms)}); !r)
            return r.error();
        }
        return ok_value;
      });
    });
  }

  result<storage_stats> stats() noexcept override {
    return with_conn<storage_stats>("stats", [&](connection& c) -> result<storage_stats> {
      auto r = c.run(sql_stats, {});
      if (!r) return r.error();
      return storage_stats{r->i64(0, 0), r->i64(0, 1), r->i64(0, 2), r->i64(0, 3)};
    });
  }

  status ping() noexcept override {
    return with_conn<ok_t>("ping", [&](connection& c) -> status {
      auto r = c.run(sql_ping, {});
      if (!r) return r.error();
      return ok_value;
    });
  }

 private:
  static result<int64_t> migrate(connection& c) {
    return in_tx(c, [&]() -> result<int64_t> {
      // One replica migrates at a time; the others wait here, then see the result.
      if (auto r = c.exec("SELECT pg_advisory_xact_lock(20260728)"); !r) return r.error();
      if (auto r = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY,"
                          " name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
          !r)
        return r.error();
      auto cur = c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (!cur) return cur.error();
      const int64_t current = cur->i64(0, 0);
      if (current > schema_version_latest_postgres) {
        return make_error(errc::invalid_config,
                          "database schema version " + std::to_string(current) +
                              " is newer than this tailor-sync (" +
                              std::to_string(schema_version_latest_postgres) + ")", "--db");
      }
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
      for (const auto& m : schema::postgres_migrations) {
        if (m.version <= current) continue;
        if (auto r = c.exec(m.sql); !r) {
          return make_error(errc::invalid_config, "migration " + std::to_string(m.version) +
                                                      " (" + m.name + ") failed: " +
                                                      r.error().message, "--db");
        }
        if (auto r = c.run("INSERT INTO schema_migrations(version, name, applied_ms)"
                           " VALUES($1, $2, $3)", {param(m.version), param(m.name), param(now)});
            !r)
          return r.error();
      }
      return schema_version_latest_postgres;
    });
  }

  std::string url_;
  int64_t version_ = 0;
  conn_pool<connection> pool_;
};

}  // namespace

result<std::unique_ptr<storage>> open_postgres(std::string_view url,
                                               const storage_options& options) noexcept {
  try {
    return pg_storage::open(url, options);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what(), "postgres");
  }
}

}  // namespace tailor::sync
