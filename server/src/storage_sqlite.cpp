// SQLite back end: WAL journal, synchronous=FULL by default (an acknowledged commit
// survives a crash), one writer connection and a pool of readers.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <mutex>
#include <unordered_map>

#include "crypto.hpp"
#include "pool.hpp"
#include "schema.hpp"
#include "sql_shared.hpp"
#include "sqlite_checkpointer.hpp"
#include "storage.hpp"

namespace tailor::sync {
namespace {

using namespace shared_sql;  // NOLINT: the statements both back ends share

error db_error(sqlite3* db, std::string_view what) {
  return make_error(errc::internal, std::string(what) + ": " + sqlite3_errmsg(db), "sqlite");
}

// One prepared statement, reset when the holder goes out of scope.
class stmt {
 public:
  stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  stmt(const stmt&) = delete;
  stmt(stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  ~stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // No copy: v must stay alive and unchanged until the statement is reset.
  stmt& bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  stmt& bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW -> true, SQLITE_DONE -> false, otherwise an error.
  result<bool> step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_error(db_, "step");
  }
  status run() {
    auto r = step();
    if (!r) return r.error();
    return ok_value;
  }
  int64_t i64(int col) { return sqlite3_column_int64(s_, col); }
  sqlite3_stmt* raw() { return s_; }
  std::string text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class connection {
 public:
  ~connection() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close_v2(db_);
  }

  static result<std::unique_ptr<connection>> open(const std::string& path, bool create,
                                                  int busy_ms, bool sync_full) {
    // No global statistics of SQLite's allocations: each malloc would take a mutex.
    static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    (void)configured;
    auto c = std::make_unique<connection>();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &c->db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = c->db_ ? sqlite3_errmsg(c->db_) : "out of memory";
      return make_error(errc::invalid_config, "cannot open SQLite database \"" + path + "\": " + msg,
                        "--db");
    }
    sqlite3_busy_timeout(c->db_, busy_ms);
    sqlite3_extended_result_codes(c->db_, 1);
    // A large page cache, and memory-mapped reads for the readers (create marks
    // the writer, which would copy every page it changes out of the map: it
    // reads through its page cache). Ingest touches pages all over the per-uid
    // index. When the writer checkpoints is sqlite_checkpointer's decision (its
    // WAL hook replaces wal_autocheckpoint); a WAL file that grew during a
    // burst is cut back to 64 MiB when it restarts.
    for (const char* pragma : {"PRAGMA journal_mode=WAL",
                               sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                               "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-32768",
                               create ? "PRAGMA mmap_size=0" : "PRAGMA mmap_size=1073741824",
                               "PRAGMA wal_autocheckpoint=16384",
                               "PRAGMA journal_size_limit=67108864",
                               "PRAGMA temp_store=MEMORY"}) {
      if (auto s = c->exec(pragma); !s) {
        return make_error(errc::invalid_config,
                          "cannot use SQLite database \"" + path + "\": " + s.error().message,
                          "--db");
      }
    }
    return c;
  }

  status exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return make_error(errc::internal, msg, "sqlite");
    }
    return ok_value;
  }

  // Prepared once per connection, keyed by the SQL text's address.
  result<stmt> prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
        return db_error(db_, std::string("prepare ") + sql);
      }
      it = cache_.emplace(sql, s).first;
    }
    return stmt(db_, it->second);
  }

  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// Runs fn inside BEGIN IMMEDIATE … COMMIT, rolling back on any error.
template <class Fn>
auto in_write_tx(connection& c, Fn&& fn) -> decltype(fn()) {
  if (auto s = c.exec("BEGIN IMMEDIATE"); !s) return s.error();
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

template <class Fn>
auto in_read_tx(connection& c, Fn&& fn) -> decltype(fn()) {
  if (auto s = c.exec("BEGIN"); !s) return s.error();
  auto r = fn();
  (void)c.exec("COMMIT");
  return r;
}

// Everything ingest needs to know about one uid, in one step.
// The newest seq comes from the (uid, seq) index, so ingest writes no
// per-uid counter row (the profiles row is only created for a new uid).
constexpr const char* sql_uid_state =
    "SELECT EXISTS(SELECT 1 FROM tombstones WHERE uid_hash = ?1),"
    " (SELECT uid FROM aliases WHERE alias = ?2),"
    " (SELECT MAX(seq) FROM events WHERE uid = ?2)";
constexpr const char* sql_max_seq = "SELECT MAX(seq) FROM events WHERE uid = ?1";
constexpr const char* sql_new_profile =
    "INSERT INTO profiles(uid, last_seq, updated_ms) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(uid) DO NOTHING";
constexpr const char* sql_insert_event =
    "INSERT INTO events(uid, id, seq, ts, type, experiment, variation, body)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(uid, id) DO NOTHING";
constexpr const char* sql_upsert_profile =
    "INSERT INTO profiles(uid, last_seq, updated_ms) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(uid) DO UPDATE SET last_seq = excluded.last_seq, updated_ms = excluded.updated_ms";
constexpr const char* sql_count_moving =
    "SELECT COUNT(*) FROM events e WHERE e.uid = ?1 AND NOT EXISTS"
    " (SELECT 1 FROM events x WHERE x.uid = ?2 AND x.id = e.id)";
constexpr const char* sql_move_events =
    "INSERT INTO events(uid, id, seq, ts, type, experiment, variation, body)"
    " SELECT ?2, e.id, ?3 + ROW_NUMBER() OVER (ORDER BY e.seq), e.ts, e.type, e.experiment,"
    " e.variation, e.body FROM events e WHERE e.uid = ?1 AND NOT EXISTS"
    " (SELECT 1 FROM events x WHERE x.uid = ?2 AND x.id = e.id) ORDER BY e.seq";
constexpr const char* sql_put_key =
    "INSERT INTO api_keys(key_hash, name, scope, created_ms, revoked) VALUES(?1, ?2, ?3, ?4, 0)"
    " ON CONFLICT(name) DO UPDATE SET key_hash = excluded.key_hash, scope = excluded.scope,"
    " created_ms = excluded.created_ms, revoked = 0";
constexpr const char* sql_revoke_key = "UPDATE api_keys SET revoked = 1 WHERE name = ?1";
constexpr const char* sql_current_meta =
    "SELECT a.version, a.etag, length(a.body), a.created_ms FROM artifact_current c"
    " JOIN artifacts a ON a.kind = c.kind AND a.version = c.version WHERE c.kind = ?1";
constexpr const char* sql_get_artifact =
    "SELECT a.version, a.etag, length(a.body), a.created_ms, a.body,"
    " (SELECT version FROM artifact_current WHERE kind = a.kind) = a.version"
    " FROM artifacts a WHERE a.kind = ?1 AND a.version = ?2";
constexpr const char* sql_list_artifacts =
    "SELECT a.version, a.etag, length(a.body), a.created_ms,"
    " COALESCE((SELECT version FROM artifact_current WHERE kind = a.kind) = a.version, 0)"
    " FROM artifacts a WHERE a.kind = ?1 ORDER BY a.version DESC";
constexpr const char* sql_count_all = "SELECT COUNT(*) FROM events";
constexpr const char* sql_count_profiles = "SELECT COUNT(*) FROM profiles";
constexpr const char* sql_count_tombstones = "SELECT COUNT(*) FROM tombstones";

result<bool> exists(connection& c, const char* sql, std::string_view arg) {
  auto s = c.prepare(sql);
  if (!s) return s.error();
  s->bind(1, arg);
  return s->step();
}

result<bool> tombstoned(connection& c, std::string_view uid) {
  return exists(c, sql_tombstoned, sha256_hex(uid));
}

result<std::string> resolve_on(connection& c, std::string_view uid) {
  auto s = c.prepare(sql_alias);
  if (!s) return s.error();
  s->bind(1, uid);
  auto row = s->step();
  if (!row) return row.error();
  return row.value() ? s->text(0) : std::string(uid);
}

result<int64_t> scalar(connection& c, const char* sql, std::string_view arg, int64_t fallback) {
  auto s = c.prepare(sql);
  if (!s) return s.error();
  if (!arg.empty()) s->bind(1, arg);
  auto row = s->step();
  if (!row) return row.error();
  return row.value() ? s->i64(0) : fallback;
}

status put_profile(connection& c, std::string_view uid, int64_t last_seq, int64_t now_ms) {
  auto s = c.prepare(sql_upsert_profile);
  if (!s) return s.error();
  s->bind(1, uid).bind(2, last_seq).bind(3, now_ms);
  return s->run();
}

status add_tombstone(connection& c, std::string_view uid, int64_t now_ms) {
  auto s = c.prepare(sql_tombstone);
  if (!s) return s.error();
  s->bind(1, sha256_hex(uid)).bind(2, now_ms);
  return s->run();
}

template <class T>
result<T> guarded(const char* what, std::function<result<T>()> fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string(what) + ": " + e.what(), "sqlite");
  }
}

class sqlite_storage final : public storage {
 public:
  std::string_view kind() const noexcept override { return "sqlite"; }
  int64_t schema_version() const noexcept override { return version_; }

  static result<std::unique_ptr<storage>> open(std::string_view path_view,
                                               const storage_options& options) {
    std::string path(path_view);
    if (path.empty()) return make_error(errc::invalid_config, "empty database path", "--db");
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      return make_error(errc::invalid_config,
                        "cannot open SQLite database \"" + path + "\": directory \"" +
                            parent.string() + "\" does not exist",
                        "--db");
    }
    auto st = std::make_unique<sqlite_storage>();
    auto writer = connection::open(path, true, options.busy_timeout_ms, options.sqlite_sync_full);
    if (!writer) return writer.error();
    st->writer_ = std::move(writer.value());
    if (auto v = st->migrate(); !v) return v.error();
    for (std::size_t i = 0; i < std::max<std::size_t>(options.read_connections, 1); ++i) {
      auto r = connection::open(path, false, options.busy_timeout_ms, options.sqlite_sync_full);
      if (!r) return r.error();
      st->readers_.add(std::move(r.value()));
    }
    st->path_ = path;
    st->checkpointer_ = std::make_unique<sqlite_checkpointer>(
        st->writer_->raw(), static_cast<int>(std::clamp<int64_t>(options.sqlite_checkpoint_bytes / 4096, 16, 1 << 20)));
    return std::unique_ptr<storage>(std::move(st));
  }

  result<std::vector<ingest_outcome>> ingest(const std::vector<stored_event>& events,
                                             int64_t now_ms) noexcept override {
    return guarded<std::vector<ingest_outcome>>("ingest", [&]() -> result<std::vector<ingest_outcome>> {
      std::lock_guard lock(write_mu_);
      if (known_.size() > max_known_uids) known_.clear();
      auto r = in_write_tx(*writer_, [&] { return ingest_in_tx(events, now_ms); });
      if (!r) known_.clear();  // rolled back: the seqs advanced in known_ were not committed
      return r;
    });
  }

  bool checkpoint_if_due() noexcept override {
    std::lock_guard lock(write_mu_);
    return checkpointer_->checkpoint_if_due(writer_->raw());
  }

  struct uid_info {
    bool erased = false;
    std::string canonical;  // the uid itself unless identify made it an alias
  };

  // One INSERT per event with the seq read from known_ (the newest committed
  // seq of every canonical uid this process has written): a known shopper
  // costs no state query and no SHA-256. known_ is advanced in place; the
  // caller clears it when the transaction rolls back.
  result<std::vector<ingest_outcome>> ingest_in_tx(const std::vector<stored_event>& events,
                                                   int64_t now_ms) {
    connection& c = *writer_;
    std::unordered_map<std::string, uid_info> unknown;  // uids not in known_: this commit's answers
    std::vector<std::string> fresh;                     // canonical uids without events before
    std::vector<ingest_outcome> out;
    out.reserve(events.size());
    auto insert = c.prepare(sql_insert_event);
    if (!insert) return insert.error();
    for (const auto& ev : events) {
      auto known = known_.find(ev.uid);
      if (known == known_.end()) {
        auto info = unknown.find(ev.uid);
        if (info == unknown.end()) {
          auto looked = uid_state(c, ev.uid, fresh);
          if (!looked) return looked.error();
          info = unknown.emplace(ev.uid, std::move(looked.value())).first;
        }
        if (info->second.erased) {
          out.push_back(ingest_outcome::erased);
          continue;
        }
        known = known_.find(info->second.canonical);  // uid_state put it there
        if (known == known_.end()) return make_error(errc::internal, "uid cache lost a shopper", "sqlite");
      }
      const std::string& canon = known->first;
      // The event and known_'s key outlive this statement's step.
      auto& s = insert.value();
      s.bind_static(1, canon).bind_static(2, ev.id).bind(3, known->second + 1).bind(4, ev.ts_ms);
      s.bind_static(5, ev.type);
      if (!ev.experiment.empty()) {
        s.bind_static(6, ev.experiment).bind_static(7, ev.variation);
      } else {
        s.bind_null(6).bind_null(7);
      }
      s.bind_static(8, ev.body);
      auto step = s.run();
      sqlite3_reset(s.raw());
      if (!step) return step.error();
      if (c.changes() == 1) {
        ++known->second;
        out.push_back(ingest_outcome::accepted);
      } else {
        out.push_back(ingest_outcome::duplicate);
      }
    }
    for (const auto& uid : fresh) {
      const int64_t last = known_[uid];
      if (last == 0) continue;  // only duplicates or nothing: no profile row yet
      auto p = c.prepare(sql_new_profile);
      if (!p) return p.error();
      p->bind(1, uid).bind(2, last).bind(3, now_ms);
      if (auto w = p->run(); !w) return w.error();
    }
    return out;
  }

  // Tombstone, alias and newest seq of a uid this process has not written yet;
  // a live canonical uid enters known_ (and fresh when it has no events).
  result<uid_info> uid_state(connection& c, const std::string& uid, std::vector<std::string>& fresh) {
    uid_info info;
    auto st = c.prepare(sql_uid_state);
    if (!st) return st.error();
    st->bind(1, sha256_hex(uid)).bind_static(2, uid);
    auto row = st->step();
    if (!row) return row.error();
    info.erased = st->i64(0) != 0;
    if (info.erased) return info;
    const bool aliased = sqlite3_column_type(st->raw(), 1) != SQLITE_NULL;
    info.canonical = aliased ? st->text(1) : uid;
    if (known_.count(info.canonical)) return info;
    int64_t last = st->i64(2);  // NULL (no events yet) reads as 0
    if (aliased) {
      auto m = scalar(c, sql_max_seq, info.canonical, 0);
      if (!m) return m.error();
      last = m.value();
    }
    known_.emplace(info.canonical, last);
    if (last == 0) fresh.push_back(info.canonical);
    return info;
  }

  result<event_page> read_events(std::string_view uid, int64_t since,
                                 std::size_t limit) noexcept override {
    return guarded<event_page>("read_events", [&]() -> result<event_page> {
      auto c = readers_.acquire();
      return in_read_tx(*c, [&]() -> result<event_page> {
        auto t = tombstoned(*c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(*c, uid);
        if (!canon) return canon.error();
        event_page page;
        page.uid = canon.value();
        auto last = scalar(*c, sql_max_seq, page.uid, 0);
        if (!last) return last.error();
        page.last_seq = last.value();
        page.watermark = since;
        auto s = c->prepare(sql_page);
        if (!s) return s.error();
        s->bind(1, page.uid).bind(2, since).bind(3, static_cast<int64_t>(limit) + 1);
        while (true) {
          auto row = s->step();
          if (!row) return row.error();
          if (!row.value()) break;
          if (page.events.size() == limit) {
            page.has_more = true;
            break;
          }
          page.events.emplace_back(s->i64(0), s->text(1));
          page.watermark = s->i64(0);
        }
        return page;
      });
    });
  }

  result<std::vector<std::string>> read_latest(std::string_view uid,
                                               std::size_t n) noexcept override {
    return guarded<std::vector<std::string>>("read_latest", [&]() -> result<std::vector<std::string>> {
      auto c = readers_.acquire();
      return in_read_tx(*c, [&]() -> result<std::vector<std::string>> {
        auto t = tombstoned(*c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(*c, uid);
        if (!canon) return canon.error();
        auto s = c->prepare(sql_latest);
        if (!s) return s.error();
        s->bind(1, canon.value()).bind(2, static_cast<int64_t>(n));
        std::vector<std::string> out;
        while (true) {
          auto row = s->step();
          if (!row) return row.error();
          if (!row.value()) break;
          out.push_back(s->text(0));
        }
        return out;
      });
    });
  }

  result<std::string> resolve(std::string_view uid) noexcept override {
    return guarded<std::string>("resolve", [&]() -> result<std::string> {
      auto c = readers_.acquire();
      return resolve_on(*c, uid);
    });
  }

  result<bool> is_erased(std::string_view uid) noexcept override {
    return guarded<bool>("is_erased", [&]() -> result<bool> {
      auto c = readers_.acquire();
      return tombstoned(*c, uid);
    });
  }

  result<identify_outcome> identify(std::string_view uid, std::string_view previous_uid,
                                    int64_t now_ms) noexcept override {
    return guarded<identify_outcome>("identify", [&]() -> result<identify_outcome> {
      std::lock_guard lock(write_mu_);
      known_.clear();  // seqs and aliases change; rare next to ingest
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> result<identify_outcome> {
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
        if (prev.value() == canon.value()) {
          out.already_merged = true;
          return out;
        }
        auto total = scalar(c, sql_count_events, prev.value(), 0);
        if (!total) return total.error();
        auto mv = c.prepare(sql_count_moving);
        if (!mv) return mv.error();
        mv->bind(1, prev.value()).bind(2, out.uid);
        auto row = mv->step();
        if (!row) return row.error();
        out.moved = mv->i64(0);
        out.duplicates = total.value() - out.moved;
        auto last = scalar(c, sql_max_seq, out.uid, 0);
        if (!last) return last.error();
        auto ins = c.prepare(sql_move_events);
        if (!ins) return ins.error();
        ins->bind(1, prev.value()).bind(2, out.uid).bind(3, last.value());
        if (auto r = ins->run(); !r) return r.error();
        {
          auto ms = c.prepare(sql_move_sticky);
          if (!ms) return ms.error();
          ms->bind(1, prev.value()).bind(2, out.uid);
          if (auto r = ms->run(); !r) return r.error();
        }
        for (const char* sql : {sql_delete_events, sql_delete_profile, sql_delete_sticky,
                                sql_delete_settings}) {
          auto d = c.prepare(sql);
          if (!d) return d.error();
          d->bind(1, prev.value());
          if (auto r = d->run(); !r) return r.error();
        }
        if (out.moved > 0 || last.value() == 0) {
          if (auto r = put_profile(c, out.uid, last.value() + out.moved, now_ms); !r) return r.error();
        }
        auto rp = c.prepare(sql_repoint_aliases);
        if (!rp) return rp.error();
        rp->bind(1, prev.value()).bind(2, out.uid);
        if (auto r = rp->run(); !r) return r.error();
        auto pa = c.prepare(sql_put_alias);
        if (!pa) return pa.error();
        pa->bind(1, prev.value()).bind(2, out.uid).bind(3, now_ms);
        if (auto r = pa->run(); !r) return r.error();
        return out;
      });
    });
  }

  result<erase_outcome> erase(std::string_view uid, int64_t now_ms) noexcept override {
    return guarded<erase_outcome>("erase", [&]() -> result<erase_outcome> {
      std::lock_guard lock(write_mu_);
      known_.clear();
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> result<erase_outcome> {
        erase_outcome out;
        auto canon = resolve_on(c, uid);
        if (!canon) return canon.error();
        auto d = c.prepare(sql_delete_events);
        if (!d) return d.error();
        d->bind(1, canon.value());
        if (auto r = d->run(); !r) return r.error();
        out.events_deleted = c.changes();
        std::vector<std::string> aliases;
        {
          auto s = c.prepare(sql_aliases_of);
          if (!s) return s.error();
          s->bind(1, canon.value());
          while (true) {
            auto row = s->step();
            if (!row) return row.error();
            if (!row.value()) break;
            aliases.push_back(s->text(0));
          }
        }
        for (const auto& a : aliases) {
          if (auto r = add_tombstone(c, a, now_ms); !r) return r.error();
        }
        out.aliases_tombstoned = static_cast<int64_t>(aliases.size());
        for (const char* sql : {sql_delete_aliases, sql_delete_profile, sql_delete_sticky,
                                sql_delete_settings}) {
          auto s = c.prepare(sql);
          if (!s) return s.error();
          s->bind(1, canon.value());
          if (auto r = s->run(); !r) return r.error();
        }
        if (auto r = add_tombstone(c, canon.value(), now_ms); !r) return r.error();
        if (auto r = add_tombstone(c, uid, now_ms); !r) return r.error();
        return out;
      });
    });
  }

  result<std::optional<key_record>> find_key(std::string_view key_hash) noexcept override {
    return guarded<std::optional<key_record>>("find_key", [&]() -> result<std::optional<key_record>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_find_key);
      if (!s) return s.error();
      s->bind(1, key_hash);
      auto row = s->step();
      if (!row) return row.error();
      if (!row.value()) return std::optional<key_record>();
      key_record k;
      k.key_hash = s->text(0);
      k.name = s->text(1);
      k.scope = s->text(2) == "admin" ? key_scope::admin : key_scope::browser;
      k.created_ms = s->i64(3);
      k.revoked = s->i64(4) != 0;
      return std::optional<key_record>(std::move(k));
    });
  }

  status put_key(const key_record& key) noexcept override {
    return guarded<ok_t>("put_key", [&]() -> status {
      std::lock_guard lock(write_mu_);
      auto s = writer_->prepare(sql_put_key);
      if (!s) return s.error();
      s->bind(1, key.key_hash).bind(2, key.name);
      s->bind(3, key.scope == key_scope::admin ? "admin" : "browser").bind(4, key.created_ms);
      return s->run();
    });
  }

  result<bool> revoke_key(std::string_view name) noexcept override {
    return guarded<bool>("revoke_key", [&]() -> result<bool> {
      std::lock_guard lock(write_mu_);
      auto s = writer_->prepare(sql_revoke_key);
      if (!s) return s.error();
      s->bind(1, name);
      if (auto r = s->run(); !r) return r.error();
      return writer_->changes() > 0;
    });
  }

  result<std::string> get_or_init_setting(std::string_view name,
                                          std::string_view value) noexcept override {
    return guarded<std::string>("setting", [&]() -> result<std::string> {
      std::lock_guard lock(write_mu_);
      auto s = writer_->prepare(sql_init_setting);
      if (!s) return s.error();
      s->bind(1, name).bind(2, value);
      if (auto r = s->run(); !r) return r.error();
      auto g = writer_->prepare(sql_get_setting);
      if (!g) return g.error();
      g->bind(1, name);
      auto row = g->step();
      if (!row) return row.error();
      return g->text(0);
    });
  }

  result<artifact_meta> put_artifact(std::string_view kind, std::string_view body,
                                     std::string_view etag, int64_t now_ms) noexcept override {
    return guarded<artifact_meta>("put_artifact", [&]() -> result<artifact_meta> {
      std::lock_guard lock(write_mu_);
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> result<artifact_meta> {
        auto v = scalar(c, sql_next_version, kind, 1);
        if (!v) return v.error();
        auto s = c.prepare(sql_put_artifact);
        if (!s) return s.error();
        s->bind(1, kind).bind(2, v.value()).bind(3, etag).bind_blob(4, body).bind(5, now_ms);
        if (auto r = s->run(); !r) return r.error();
        auto cur = c.prepare(sql_set_current);
        if (!cur) return cur.error();
        cur->bind(1, kind).bind(2, v.value());
        if (auto r = cur->run(); !r) return r.error();
        return artifact_meta{std::string(kind), v.value(), std::string(etag),
                             static_cast<int64_t>(body.size()), now_ms, true};
      });
    });
  }

  result<std::optional<artifact_meta>> current_artifact(std::string_view kind) noexcept override {
    return guarded<std::optional<artifact_meta>>("current_artifact", [&]() -> result<std::optional<artifact_meta>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_current_meta);
      if (!s) return s.error();
      s->bind(1, kind);
      auto row = s->step();
      if (!row) return row.error();
      if (!row.value()) return std::optional<artifact_meta>();
      return std::optional<artifact_meta>(
          artifact_meta{std::string(kind), s->i64(0), s->text(1), s->i64(2), s->i64(3), true});
    });
  }

  result<std::optional<artifact>> get_artifact(std::string_view kind,
                                               int64_t version) noexcept override {
    return guarded<std::optional<artifact>>("get_artifact", [&]() -> result<std::optional<artifact>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_get_artifact);
      if (!s) return s.error();
      s->bind(1, kind).bind(2, version);
      auto row = s->step();
      if (!row) return row.error();
      if (!row.value()) return std::optional<artifact>();
      artifact a;
      a.meta = artifact_meta{std::string(kind), s->i64(0), s->text(1), s->i64(2), s->i64(3),
                             s->i64(5) != 0};
      a.body = s->text(4);
      return std::optional<artifact>(std::move(a));
    });
  }

  result<std::vector<artifact_meta>> list_artifacts(std::string_view kind) noexcept override {
    return guarded<std::vector<artifact_meta>>("list_artifacts", [&]() -> result<std::vector<artifact_meta>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_list_artifacts);
      if (!s) return s.error();
      s->bind(1, kind);
      std::vector<artifact_meta> out;
      while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!row.value()) break;
        out.push_back(artifact_meta{std::string(kind), s->i64(0), s->text(1), s->i64(2),
                                    s->i64(3), s->i64(4) != 0});
      }
      return out;
    });
  }

  status activate_artifact(std::string_view kind, int64_t version) noexcept override {
    return guarded<ok_t>("activate_artifact", [&]() -> status {
      std::lock_guard lock(write_mu_);
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> status {
        auto s = c.prepare(sql_get_artifact);
        if (!s) return s.error();
        s->bind(1, kind).bind(2, version);
        auto row = s->step();
        if (!row) return row.error();
        if (!row.value()) {
          return make_error(errc::not_found, "no " + std::string(kind) + " version " +
                                                 std::to_string(version), "version");
        }
        auto cur = c.prepare(sql_set_current);
        if (!cur) return cur.error();
        cur->bind(1, kind).bind(2, version);
        return cur->run();
      });
    });
  }

  result<std::vector<exposure_row>> experiment_rows(std::string_view experiment,
                                                    std::size_t max_rows) noexcept override {
    return guarded<std::vector<exposure_row>>("experiment_rows", [&]() -> result<std::vector<exposure_row>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_experiment_rows);
      if (!s) return s.error();
      s->bind(1, experiment).bind(2, static_cast<int64_t>(max_rows) + 1);
      std::vector<exposure_row> out;
      while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!row.value()) break;
        if (out.size() == max_rows) {
          return make_error(errc::limit_exceeded,
                            "more than " + std::to_string(max_rows) + " exposure rows", "experiment");
        }
        out.push_back(exposure_row{s->text(0), s->text(1), s->text(2)});
      }
      return out;
    });
  }

  result<std::optional<std::string>> latest_of_type(std::string_view uid,
                                                    std::string_view type) noexcept override {
    return guarded<std::optional<std::string>>("latest_of_type", [&]() -> result<std::optional<std::string>> {
      auto c = readers_.acquire();
      return in_read_tx(*c, [&]() -> result<std::optional<std::string>> {
        auto t = tombstoned(*c, uid);
        if (!t) return t.error();
        if (t.value()) return make_error(errc::not_found, "this profile was erased", "uid");
        auto canon = resolve_on(*c, uid);
        if (!canon) return canon.error();
        auto s = c->prepare(sql_latest_of_type);
        if (!s) return s.error();
        s->bind(1, canon.value()).bind(2, type);
        auto row = s->step();
        if (!row) return row.error();
        if (!row.value()) return std::optional<std::string>();
        return std::optional<std::string>(s->text(0));
      });
    });
  }

  result<std::vector<sticky_doc>> read_sticky(std::string_view uid) noexcept override {
    return guarded<std::vector<sticky_doc>>("read_sticky", [&]() -> result<std::vector<sticky_doc>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_read_sticky);
      if (!s) return s.error();
      s->bind(1, uid).bind(2, static_cast<int64_t>(max_sticky_docs));
      std::vector<sticky_doc> out;
      while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!row.value()) break;
        out.push_back(sticky_doc{s->text(0), s->text(1)});
      }
      return out;
    });
  }

  result<std::optional<std::string>> read_settings(std::string_view uid) noexcept override {
    return guarded<std::optional<std::string>>("read_settings", [&]() -> result<std::optional<std::string>> {
      auto c = readers_.acquire();
      auto s = c->prepare(sql_read_settings);
      if (!s) return s.error();
      s->bind(1, uid);
      auto row = s->step();
      if (!row) return row.error();
      if (!row.value()) return std::optional<std::string>();
      return std::optional<std::string>(s->text(0));
    });
  }

  result<std::string> update_settings(std::string_view uid, const settings_change& change,
                                      int64_t now_ms) noexcept override {
    return guarded<std::string>("update_settings", [&]() -> result<std::string> {
      std::lock_guard lock(write_mu_);
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> result<std::string> {
        std::optional<std::string> stored;
        {
          auto r = c.prepare(sql_read_settings);
          if (!r) return r.error();
          r->bind(1, uid);
          auto row = r->step();
          if (!row) return row.error();
          if (row.value()) stored = r->text(0);
        }
        auto doc = change(stored);
        if (!doc) return doc.error();
        auto s = c.prepare(sql_write_settings);
        if (!s) return s.error();
        s->bind(1, uid).bind(2, doc.value()).bind(3, now_ms);
        if (auto w = s->run(); !w) return w.error();
        return std::move(doc.value());
      });
    });
  }

  status write_sticky(std::string_view uid, const std::vector<sticky_doc>& docs,
                      int64_t now_ms) noexcept override {
    return guarded<ok_t>("write_sticky", [&]() -> status {
      if (docs.empty()) return ok_value;
      std::lock_guard lock(write_mu_);
      connection& c = *writer_;
      return in_write_tx(c, [&]() -> status {
        for (const auto& d : docs) {
          auto s = c.prepare(sql_write_sticky);
          if (!s) return s.error();
          s->bind(1, uid).bind(2, d.key).bind(3, d.doc).bind(4, now_ms);
          if (auto r = s->run(); !r) return r.error();
        }
        return ok_value;
      });
    });
  }

  result<storage_stats> stats() noexcept override {
    return guarded<storage_stats>("stats", [&]() -> result<storage_stats> {
      auto c = readers_.acquire();
      storage_stats st;
      auto e = scalar(*c, sql_count_all, {}, 0);
      if (!e) return e.error();
      st.events = e.value();
      auto p = scalar(*c, sql_count_profiles, {}, 0);
      if (!p) return p.error();
      st.profiles = p.value();
      auto t = scalar(*c, sql_count_tombstones, {}, 0);
      if (!t) return t.error();
      st.tombstones = t.value();
      std::error_code ec;
      for (const char* suffix : {"", "-wal"}) {
        auto size = std::filesystem::file_size(path_ + suffix, ec);
        if (!ec) st.bytes += static_cast<int64_t>(size);
      }
      return st;
    });
  }

  status ping() noexcept override {
    return guarded<ok_t>("ping", [&]() -> status {
      auto c = readers_.acquire();
      auto r = scalar(*c, sql_ping, {}, 0);
      if (!r) return r.error();
      return ok_value;
    });
  }

 private:
  result<int64_t> migrate() {
    connection& c = *writer_;
    if (auto s = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
        !s) {
      return make_error(errc::invalid_config, "cannot write the SQLite database: " +
                                                  s.error().message, "--db");
    }
    auto cur = scalar(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, 0);
    if (!cur) return cur.error();
    if (cur.value() > schema_version_latest_sqlite) {
      return make_error(errc::invalid_config,
                        "database schema version " + std::to_string(cur.value()) +
                            " is newer than this tailor-sync (" +
                            std::to_string(schema_version_latest_sqlite) + ")", "--db");
    }
    for (const auto& m : schema::sqlite_migrations) {
      if (m.version <= cur.value()) continue;
      auto r = in_write_tx(c, [&]() -> status {
        if (auto s = c.exec(m.sql); !s) return s;
        auto s = c.prepare("INSERT INTO schema_migrations(version, name, applied_ms)"
                           " VALUES(?1, ?2, ?3)");
        if (!s) return s.error();
        s->bind(1, m.version).bind(2, m.name).bind(3, static_cast<int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count()));
        return s->run();
      });
      if (!r) {
        return make_error(errc::invalid_config, "migration " + std::to_string(m.version) + " (" +
                                                    m.name + ") failed: " + r.error().message,
                          "--db");
      }
    }
    version_ = schema_version_latest_sqlite;
    return version_;
  }

  std::string path_;
  int64_t version_ = 0;
  std::mutex write_mu_;
  // Canonical uids (not erased, not aliases) -> newest seq, as committed by
  // this process, the only writer of its SQLite file. Guarded by write_mu_.
  std::unordered_map<std::string, int64_t> known_;
  static constexpr std::size_t max_known_uids = 1'000'000;
  std::unique_ptr<connection> writer_;
  conn_pool<connection> readers_;
  std::unique_ptr<sqlite_checkpointer> checkpointer_;  // the writer's WAL hook
};

}  // namespace

result<std::unique_ptr<storage>> open_sqlite(std::string_view path,
                                             const storage_options& options) noexcept {
  try {
    return sqlite_storage::open(path, options);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what(), "sqlite");
  }
}

result<std::unique_ptr<storage>> open_storage(std::string_view url,
                                              const storage_options& options) noexcept {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return open_postgres(url, options);
  }
  if (url.starts_with("sqlite:")) url.remove_prefix(7);
  return open_sqlite(url, options);
}

}  // namespace tailor::sync
