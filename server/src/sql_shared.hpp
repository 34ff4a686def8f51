// SQL that both back ends run unchanged, written once with SQLite's ?N
// placeholders. storage_sqlite.cpp uses these texts as they are;
// storage_pg.cpp rewrites ?N to $N once at start-up (pg_text there).
// Statements whose SQL differs (booleans, octet_length, locking) stay in
// their back end's file.
#pragma once

namespace tailor::sync::shared_sql {

constexpr const char* sql_tombstoned = "SELECT 1 FROM tombstones WHERE uid_hash = ?1";
constexpr const char* sql_alias = "SELECT uid FROM aliases WHERE alias = ?1";
constexpr const char* sql_page =
    "SELECT seq, body FROM events WHERE uid = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
constexpr const char* sql_latest =
    "SELECT body FROM events WHERE uid = ?1 ORDER BY ts DESC, id DESC LIMIT ?2";
constexpr const char* sql_count_events = "SELECT COUNT(*) FROM events WHERE uid = ?1";
constexpr const char* sql_delete_events = "DELETE FROM events WHERE uid = ?1";
constexpr const char* sql_delete_profile = "DELETE FROM profiles WHERE uid = ?1";
constexpr const char* sql_repoint_aliases = "UPDATE aliases SET uid = ?2 WHERE uid = ?1";
constexpr const char* sql_put_alias =
    "INSERT INTO aliases(alias, uid, created_ms) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(alias) DO UPDATE SET uid = excluded.uid";
constexpr const char* sql_aliases_of = "SELECT alias FROM aliases WHERE uid = ?1 ORDER BY alias";
constexpr const char* sql_delete_aliases = "DELETE FROM aliases WHERE uid = ?1";
constexpr const char* sql_tombstone =
    "INSERT INTO tombstones(uid_hash, erased_ms) VALUES(?1, ?2) ON CONFLICT(uid_hash) DO NOTHING";
constexpr const char* sql_find_key =
    "SELECT key_hash, name, scope, created_ms, revoked FROM api_keys WHERE key_hash = ?1";
constexpr const char* sql_init_setting =
    "INSERT INTO settings(name, value) VALUES(?1, ?2) ON CONFLICT(name) DO NOTHING";
constexpr const char* sql_get_setting = "SELECT value FROM settings WHERE name = ?1";
constexpr const char* sql_next_version =
    "SELECT COALESCE(MAX(version), 0) + 1 FROM artifacts WHERE kind = ?1";
constexpr const char* sql_put_artifact =
    "INSERT INTO artifacts(kind, version, etag, body, created_ms) VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr const char* sql_set_current =
    "INSERT INTO artifact_current(kind, version) VALUES(?1, ?2)"
    " ON CONFLICT(kind) DO UPDATE SET version = excluded.version";
constexpr const char* sql_experiment_rows =
    "WITH first AS (SELECT uid, MIN(ts) AS ts FROM events WHERE experiment = ?1 GROUP BY uid),"
    " exposed AS (SELECT f.uid, f.ts, (SELECT e.variation FROM events e WHERE e.experiment = ?1"
    "   AND e.uid = f.uid ORDER BY e.ts, e.seq LIMIT 1) AS variation FROM first f)"
    " SELECT x.uid, x.variation, p.body FROM exposed x LEFT JOIN events p ON p.uid = x.uid"
    "   AND p.type = 'purchase' AND p.ts >= x.ts ORDER BY x.uid, p.ts, p.id LIMIT ?2";
constexpr const char* sql_latest_of_type =
    "SELECT body FROM events WHERE uid = ?1 AND type = ?2 ORDER BY ts DESC, id DESC LIMIT 1";
constexpr const char* sql_read_sticky =
    "SELECT doc_key, doc FROM sticky_buckets WHERE uid = ?1 ORDER BY doc_key LIMIT ?2";
constexpr const char* sql_write_sticky =
    "INSERT INTO sticky_buckets(uid, doc_key, doc, updated_ms) VALUES(?1, ?2, ?3, ?4)"
    " ON CONFLICT(uid, doc_key) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms";
constexpr const char* sql_move_sticky =
    "INSERT INTO sticky_buckets(uid, doc_key, doc, updated_ms) SELECT ?2, doc_key, doc, updated_ms"
    " FROM sticky_buckets WHERE uid = ?1 ON CONFLICT(uid, doc_key) DO NOTHING";
constexpr const char* sql_delete_sticky = "DELETE FROM sticky_buckets WHERE uid = ?1";
constexpr const char* sql_ping = "SELECT 1";
constexpr const char* sql_read_settings = "SELECT doc FROM profile_settings WHERE uid = ?1";
constexpr const char* sql_write_settings =
    "INSERT INTO profile_settings(uid, doc, updated_ms) VALUES(?1, ?2, ?3)"
    " ON CONFLICT(uid) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms";
constexpr const char* sql_delete_settings = "DELETE FROM profile_settings WHERE uid = ?1";

}  // namespace tailor::sync::shared_sql
