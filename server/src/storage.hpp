// One storage interface for tailor-sync, two implementations: SQLite (the
// embedded default) and PostgreSQL (shared by stateless replicas). Every call
// is noexcept and returns errors as values; every SQL statement is prepared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::sync {

// One validated event as stored: its canonical JSON (tailor::encode_event).
struct stored_event {
  std::string uid;
  std::string id;
  int64_t ts_ms = 0;
  std::string type;
  std::string experiment;  // exposure events only (feeds experiment results)
  std::string variation;
  std::string body;
};

enum class ingest_outcome : uint8_t {
  accepted,   // newly committed
  duplicate,  // this (uid, id) was already stored: nothing changed
  erased,     // the uid is tombstoned: refused, nothing stored
};

// A page of one profile's events, ordered by seq.
struct event_page {
  std::string uid;             // canonical uid (after identify merges)
  int64_t watermark = 0;       // highest seq in `events` (or `since` when none)
  int64_t last_seq = 0;        // highest seq the profile has
  bool has_more = false;
  std::vector<std::pair<int64_t, std::string>> events;  // (seq, canonical JSON)
};

struct identify_outcome {
  std::string uid;           // canonical uid events were merged into
  int64_t moved = 0;         // events moved from previous_uid
  int64_t duplicates = 0;    // events both had: kept once
  bool already_merged = false;
};

struct erase_outcome {
  int64_t events_deleted = 0;
  int64_t aliases_tombstoned = 0;
};

enum class key_scope : uint8_t { browser, admin };

struct key_record {
  std::string key_hash;  // sha256 hex of the key
  std::string name;
  key_scope scope = key_scope::browser;
  int64_t created_ms = 0;
  bool revoked = false;
};

struct artifact_meta {
  std::string kind;  // "bundle" or "config"
  int64_t version = 0;
  std::string etag;  // quoted sha256 prefix
  int64_t size = 0;
  int64_t created_ms = 0;
  bool current = false;
};

struct artifact {
  artifact_meta meta;
  std::string body;
};

struct storage_stats {
  int64_t events = 0;
  int64_t profiles = 0;
  int64_t tombstones = 0;
  int64_t bytes = 0;  // database size on disk (SQLite file + WAL, or pg_database_size)
};

// One exposed shopper of an experiment (the variation of their first
// exposure) joined with one purchase at or after that exposure: `purchase` is
// the purchase's canonical JSON, empty for a shopper without one.
struct exposure_row {
  std::string uid;
  std::string variation;
  std::string purchase;
};

// A sticky bucket assignment doc of one shopper, keyed "attribute||value"
// (GrowthBook's stickyBucketAssignmentDocs entry, as JSON).
struct sticky_doc {
  std::string key;
  std::string doc;
};

class storage {
 public:
  virtual ~storage() = default;
  virtual std::string_view kind() const noexcept = 0;
  virtual int64_t schema_version() const noexcept = 0;

  // Commits all events in one transaction (group commit). Resolves identify
  // aliases, refuses tombstoned uids, skips (uid, id) pairs already stored.
  // One outcome per input event, in order. Returns only after the commit.
  [[nodiscard]] virtual result<std::vector<ingest_outcome>> ingest(
      const std::vector<stored_event>& events, int64_t now_ms) noexcept = 0;

  // Events of uid (resolved through aliases) with seq > since, at most limit.
  // not_found when the uid is tombstoned (erased).
  [[nodiscard]] virtual result<event_page> read_events(std::string_view uid, int64_t since,
                                                       std::size_t limit) noexcept = 0;
  // The newest n events of uid (by ts, then id), for folding the profile.
  // not_found when the uid is tombstoned.
  [[nodiscard]] virtual result<std::vector<std::string>> read_latest(std::string_view uid,
                                                                     std::size_t n) noexcept = 0;
  // The canonical uid for uid (itself when not merged).
  [[nodiscard]] virtual result<std::string> resolve(std::string_view uid) noexcept = 0;
  [[nodiscard]] virtual result<bool> is_erased(std::string_view uid) noexcept = 0;

  // Merges previous_uid's events into uid (union by event id) and makes
  // previous_uid an alias of uid. invalid_state when either is erased.
  [[nodiscard]] virtual result<identify_outcome> identify(std::string_view uid,
                                                          std::string_view previous_uid,
                                                          int64_t now_ms) noexcept = 0;
  // Deletes the profile, its events and aliases; tombstones uid and its aliases.
  [[nodiscard]] virtual result<erase_outcome> erase(std::string_view uid,
                                                    int64_t now_ms) noexcept = 0;

  [[nodiscard]] virtual result<std::optional<key_record>> find_key(
      std::string_view key_hash) noexcept = 0;
  [[nodiscard]] virtual status put_key(const key_record& key) noexcept = 0;
  [[nodiscard]] virtual result<bool> revoke_key(std::string_view name) noexcept = 0;

  // A server setting (the token secret when none is configured).
  [[nodiscard]] virtual result<std::string> get_or_init_setting(std::string_view name,
                                                                std::string_view value) noexcept = 0;

  [[nodiscard]] virtual result<artifact_meta> put_artifact(std::string_view kind,
                                                           std::string_view body,
                                                           std::string_view etag,
                                                           int64_t now_ms) noexcept = 0;
  [[nodiscard]] virtual result<std::optional<artifact_meta>> current_artifact(
      std::string_view kind) noexcept = 0;
  [[nodiscard]] virtual result<std::optional<artifact>> get_artifact(std::string_view kind,
                                                                     int64_t version) noexcept = 0;
  [[nodiscard]] virtual result<std::vector<artifact_meta>> list_artifacts(
      std::string_view kind) noexcept = 0;
  // Makes an existing version current again (rollback). not_found otherwise.
  [[nodiscard]] virtual status activate_artifact(std::string_view kind,
                                                 int64_t version) noexcept = 0;

  // Every exposed shopper of an experiment with their purchases since the
  // first exposure, ordered by uid; at most max_rows rows (limit_exceeded beyond).
  [[nodiscard]] virtual result<std::vector<exposure_row>> experiment_rows(
      std::string_view experiment, std::size_t max_rows) noexcept = 0;

  // The canonical JSON of uid's latest event of `type` by (ts, id), resolved
  // through aliases; nullopt when there is none. not_found when erased.
  [[nodiscard]] virtual result<std::optional<std::string>> latest_of_type(
      std::string_view uid, std::string_view type) noexcept = 0;

  // Sticky bucket docs kept for a shopper (canonical uid), at most
  // max_sticky_docs; write_sticky upserts the given docs.
  [[nodiscard]] virtual result<std::vector<sticky_doc>> read_sticky(std::string_view uid) noexcept = 0;
  // A shopper's profile settings (the core's export_state of suppressions and
  // the personalization switch, no events), by canonical uid; erased with it.
  [[nodiscard]] virtual result<std::optional<std::string>> read_settings(std::string_view uid) noexcept = 0;
  // Read-modify-write of a shopper's settings in one transaction under a
  // per-uid lock, so two writers at once (replicas on one PostgreSQL) each keep
  // their change. change gets the stored doc (nullopt when none) and returns
  // the doc to store (it may run again when a transaction is retried); its
  // error is returned as it is. Returns the stored doc.
  using settings_change = std::function<result<std::string>(const std::optional<std::string>&)>;
  [[nodiscard]] virtual result<std::string> update_settings(std::string_view uid,
                                                            const settings_change& change,
                                                            int64_t now_ms) noexcept = 0;
  [[nodiscard]] virtual status write_sticky(std::string_view uid, const std::vector<sticky_doc>& docs,
                                            int64_t now_ms) noexcept = 0;

  // Called by the group-commit writer between two commits, after the first
  // one's requests were answered: housekeeping that must not delay an
  // acknowledgement (SQLite copies its WAL into the database file). True when
  // it did some.
  virtual bool checkpoint_if_due() noexcept { return false; }

  [[nodiscard]] virtual result<storage_stats> stats() noexcept = 0;
  [[nodiscard]] virtual status ping() noexcept = 0;
};

struct storage_options {
  std::size_t read_connections = 4;  // pool size for reads (and PostgreSQL writes)
  int busy_timeout_ms = 5000;
  // SQLite's synchronous level in WAL mode. FULL (the default): every commit
  // fsyncs the WAL before the events are acknowledged, so an acknowledged
  // event survives a process crash, an OS crash and a power cut. NORMAL: the
  // WAL is fsynced only at checkpoints; an acknowledged event survives a
  // process crash (SIGKILL: it is in the OS page cache) but the last commits
  // before an OS crash or power cut can be lost (the database stays consistent).
  bool sqlite_sync_full = true;
  // SQLite: the group-commit writer copies the WAL into the database file
  // between commits once it holds more than this (sqlite_checkpointer.hpp).
  int64_t sqlite_checkpoint_bytes = int64_t{4} << 20;
};

// "postgres://…" or "postgresql://…" opens PostgreSQL; anything else is a
// SQLite file path. Runs pending schema migrations. Errors name the cause.
[[nodiscard]] result<std::unique_ptr<storage>> open_storage(std::string_view url,
                                                            const storage_options& options) noexcept;
[[nodiscard]] result<std::unique_ptr<storage>> open_sqlite(std::string_view path,
                                                           const storage_options& options) noexcept;
[[nodiscard]] result<std::unique_ptr<storage>> open_postgres(std::string_view url,
                                                             const storage_options& options) noexcept;

// Schema versions shipped with this binary (migrations are append-only).
inline constexpr int64_t schema_version_latest_sqlite = 4;
inline constexpr int64_t schema_version_latest_postgres = 2;

// Sticky bucket docs read per shopper (one per hash attribute value in use).
inline constexpr std::size_t max_sticky_docs = 64;

}  // namespace tailor::sync
