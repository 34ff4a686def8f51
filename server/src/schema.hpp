// Versioned schema migrations for both back ends. Append-only: a shipped
// migration is never edited; a change is a new entry with the next version.
#pragma once

#include <cstdint>

namespace tailor::sync::schema {

struct migration {
  int64_t version;
  const char* name;
  const char* sql;  // several statements separated by ';'
};

inline constexpr migration sqlite_migrations[] = {
    {1, "initial",
     "CREATE TABLE events(uid TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
     " ts INTEGER NOT NULL, type TEXT NOT NULL, experiment TEXT, variation TEXT,"
     " body TEXT NOT NULL, PRIMARY KEY(uid, id)) WITHOUT ROWID;"
     "CREATE UNIQUE INDEX events_by_seq ON events(uid, seq);"
     "CREATE INDEX events_by_experiment ON events(experiment, uid) WHERE experiment IS NOT NULL;"
     "CREATE TABLE profiles(uid TEXT PRIMARY KEY, last_seq INTEGER NOT NULL,"
     " updated_ms INTEGER NOT NULL);"
     "CREATE TABLE aliases(alias TEXT PRIMARY KEY, uid TEXT NOT NULL, created_ms INTEGER NOT NULL);"
     "CREATE INDEX aliases_by_uid ON aliases(uid);"
     "CREATE TABLE tombstones(uid_hash TEXT PRIMARY KEY, erased_ms INTEGER NOT NULL);"
     "CREATE TABLE api_keys(key_hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
     " scope TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE artifacts(kind TEXT NOT NULL, version INTEGER NOT NULL, etag TEXT NOT NULL,"
     " body BLOB NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY(kind, version));"
     "CREATE TABLE artifact_current(kind TEXT PRIMARY KEY, version INTEGER NOT NULL);"},
    // Events in arrival (rowid) order with two small indexes: a group commit
    // appends rows and touches index pages only, instead of rewriting the
    // random (uid, id) leaf pages that held whole event bodies.
    {2, "events in arrival order",
     "CREATE TABLE events_v2(uid TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
     " ts INTEGER NOT NULL, type TEXT NOT NULL, experiment TEXT, variation TEXT,"
     " body TEXT NOT NULL);"
     "INSERT INTO events_v2(uid, id, seq, ts, type, experiment, variation, body)"
     " SELECT uid, id, seq, ts, type, experiment, variation, body FROM events ORDER BY uid, seq;"
     "DROP TABLE events;"
     "ALTER TABLE events_v2 RENAME TO events;"
     "CREATE UNIQUE INDEX events_by_id ON events(uid, id);"
     "CREATE UNIQUE INDEX events_by_seq ON events(uid, seq);"
     "CREATE INDEX events_by_experiment ON events(experiment, uid) WHERE experiment IS NOT NULL;"},
        // Server-side sticky bucketing for POST /v1/assign, per canonical uid (erased with it),
    // and the shopper's profile settings (suppressions, personalization switch).
    {3, "sticky buckets and profile settings",
     "CREATE TABLE sticky_buckets(uid TEXT NOT NULL, doc_key TEXT NOT NULL, doc TEXT NOT NULL,"
     " updated_ms INTEGER NOT NULL, PRIMARY KEY(uid, doc_key)) WITHOUT ROWID;"
     "CREATE TABLE profile_settings(uid TEXT PRIMARY KEY, doc TEXT NOT NULL,"
     " updated_ms INTEGER NOT NULL);"},
    // The idempotency index in event-id order: the SDK's ids begin with the
    // event time (newEventId: "e-<ts base36>-<random>"), so new entries land
    // at the right edge and a group commit dirties a few pages of this index
    // instead of one page per event, as (uid, id) did with shoppers spread
    // over the whole key space. Same uniqueness: (uid, id) pairs.
    {4, "idempotency index in id order",
     "DROP INDEX events_by_id;"
     "CREATE UNIQUE INDEX events_by_id_uid ON events(id, uid);"},
};

inline constexpr migration postgres_migrations[] = {
    {1, "initial",
     "CREATE TABLE events(uid TEXT NOT NULL, id TEXT NOT NULL, seq BIGINT NOT NULL,"
     " ts BIGINT NOT NULL, type TEXT NOT NULL, experiment TEXT, variation TEXT,"
     " body TEXT NOT NULL, PRIMARY KEY(uid, id));"
     "CREATE UNIQUE INDEX events_by_seq ON events(uid, seq);"
     "CREATE INDEX events_by_experiment ON events(experiment, uid) WHERE experiment IS NOT NULL;"
     "CREATE TABLE profiles(uid TEXT PRIMARY KEY, last_seq BIGINT NOT NULL,"
     " updated_ms BIGINT NOT NULL);"
     "CREATE TABLE aliases(alias TEXT PRIMARY KEY, uid TEXT NOT NULL, created_ms BIGINT NOT NULL);"
     "CREATE INDEX aliases_by_uid ON aliases(uid);"
     "CREATE TABLE tombstones(uid_hash TEXT PRIMARY KEY, erased_ms BIGINT NOT NULL);"
     "CREATE TABLE api_keys(key_hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
     " scope TEXT NOT NULL, created_ms BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE);"
     "CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE artifacts(kind TEXT NOT NULL, version BIGINT NOT NULL, etag TEXT NOT NULL,"
     " body BYTEA NOT NULL, created_ms BIGINT NOT NULL, PRIMARY KEY(kind, version));"
     "CREATE TABLE artifact_current(kind TEXT PRIMARY KEY, version BIGINT NOT NULL);"},
    {2, "sticky buckets and profile settings",
     "CREATE TABLE sticky_buckets(uid TEXT NOT NULL, doc_key TEXT NOT NULL, doc TEXT NOT NULL,"
     " updated_ms BIGINT NOT NULL, PRIMARY KEY(uid, doc_key));"
     "CREATE TABLE profile_settings(uid TEXT PRIMARY KEY, doc TEXT NOT NULL,"
     " updated_ms BIGINT NOT NULL);"},
};

}  // namespace tailor::sync::schema
