// Schema migrations of the SQLite back end: a database written by schema
// version 1 is upgraded in place with its events; a newer schema is refused.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "crypto.hpp"
#include "schema.hpp"
#include "storage.hpp"

using namespace tailor::sync;

namespace {
std::string temp_db(const char* name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tailor-sync-test-" + to_hex(random_bytes(6)));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  REQUIRE(rc == SQLITE_OK);
}
}  // namespace

TEST_CASE("a schema 1 SQLite database is migrated with its events", "[sync]") {
  const auto path = temp_db("v1.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  exec(db, "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
           " applied_ms INTEGER NOT NULL)");
  exec(db, schema::sqlite_migrations[0].sql);
  exec(db, "INSERT INTO schema_migrations VALUES(1, 'initial', 0)");
  for (int i = 1; i <= 3; ++i) {
    const std::string id = "e" + std::to_string(i);
    exec(db, "INSERT INTO events VALUES('alice', '" + id + "', " + std::to_string(i) +
                 ", 100, 'view', NULL, NULL, '{\"id\":\"" + id + "\"}')");
  }
  exec(db, "INSERT INTO profiles VALUES('alice', 3, 0)");
  sqlite3_close(db);

  auto st = open_sqlite(path, storage_options{});
  REQUIRE(st);
  CHECK(st.value()->schema_version() == schema_version_latest_sqlite);
  auto page = st.value()->read_events("alice", 1, 10);
  REQUIRE(page);
  REQUIRE(page->events.size() == 2);
  CHECK(page->events[0] == std::make_pair(int64_t{2}, std::string("{\"id\":\"e2\"}")));
  CHECK(page->last_seq == 3);
  // Ingest after the migration continues the seqs and still deduplicates.
  std::vector<stored_event> evs{{"alice", "e3", 100, "view", "", "", "{\"id\":\"e3\"}"},
                                {"alice", "e4", 100, "view", "", "", "{\"id\":\"e4\"}"}};
  auto out = st.value()->ingest(evs, 1);
  REQUIRE(out);
  CHECK(out.value() == std::vector<ingest_outcome>{ingest_outcome::duplicate, ingest_outcome::accepted});
  auto after = st.value()->read_events("alice", 3, 10);
  REQUIRE(after);
  REQUIRE(after->events.size() == 1);
  CHECK(after->events[0].first == 4);
  st.value().reset();
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("a database from a newer tailor-sync is refused, not damaged", "[sync]") {
  const auto path = temp_db("future.db");
  {
    auto st = open_sqlite(path, storage_options{});
    REQUIRE(st);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  exec(db, "INSERT INTO schema_migrations VALUES(99, 'from the future', 0)");
  sqlite3_close(db);
  auto st = open_sqlite(path, storage_options{});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == tailor::errc::invalid_config);
  CHECK(st.error().message.find("schema version 99 is newer") != std::string::npos);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("the SQLite writer's seq cache: a second writer makes a commit fail, never corrupt", "[sync]") {
  const auto path = temp_db("two.db");
  auto a = open_sqlite(path, storage_options{});
  auto b = open_sqlite(path, storage_options{});
  REQUIRE(a);
  REQUIRE(b);
  auto ev = [](const char* id) { return stored_event{"alice", id, 100, "view", "", "", std::string("{\"id\":\"") + id + "\"}"}; };
  REQUIRE(a.value()->ingest({ev("e1")}, 1));  // a caches alice's newest seq (1)
  REQUIRE(b.value()->ingest({ev("e2")}, 1));  // b writes seq 2 behind a's back
  auto stale = a.value()->ingest({ev("e3")}, 1);  // a would reuse seq 2: the unique index refuses
  REQUIRE_FALSE(stale);
  auto again = a.value()->ingest({ev("e3"), ev("e1")}, 1);  // cache dropped: fresh reads
  REQUIRE(again);
  CHECK(again.value() == std::vector<ingest_outcome>{ingest_outcome::accepted, ingest_outcome::duplicate});
  auto page = a.value()->read_events("alice", 0, 10);
  REQUIRE(page);
  REQUIRE(page->events.size() == 3);
  CHECK(page->events[2] == std::make_pair(int64_t{3}, std::string("{\"id\":\"e3\"}")));
  a.value().reset();
  b.value().reset();
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

// The group-commit writer copies the WAL back between commits (after
// answering), so the WAL file stays near the bound while commits keep coming;
// a writer that never calls checkpoint_if_due still checkpoints inside the
// commit that takes the WAL past four times the bound.
TEST_CASE("sustained SQLite ingest keeps the WAL bounded and every event readable", "[sync]") {
  for (const bool between_commits : {true, false}) {
    CAPTURE(between_commits);
    const auto path = temp_db("wal.db");
    storage_options options;
    options.sqlite_checkpoint_bytes = 4 << 20;
    auto st = open_sqlite(path, options);
    REQUIRE(st);
    const std::string body(200, 'x');
    int64_t n = 0;
    int checkpoints = 0;
    std::uintmax_t largest_wal = 0;
    for (int commit = 0; commit < 300; ++commit) {
      std::vector<stored_event> batch;
      for (int i = 0; i < 400; ++i, ++n) {  // 400 shoppers a commit: hundreds of pages each
        batch.push_back(stored_event{"u" + std::to_string((n * 7919) % 5000), "e" + std::to_string(n),
                                     n, "view", "", "", body});
      }
      REQUIRE(st.value()->ingest(batch, 1));
      std::error_code ec;
      largest_wal = std::max(largest_wal, std::filesystem::file_size(path + "-wal", ec));
      if (between_commits && st.value()->checkpoint_if_due()) ++checkpoints;
    }
    // Written in all: about 300 MB of WAL frames (each commit dirties a page
    // per shopper, about 2 MB); kept at any time: the bound (4 MiB, or 16 MiB
    // for the fallback) plus one commit.
    if (between_commits) {
      CHECK(checkpoints > 30);
      CHECK(largest_wal < 8u * 1024 * 1024);
    } else {
      CHECK(largest_wal < 20u * 1024 * 1024);
    }
    auto stats = st.value()->stats();
    REQUIRE(stats);
    CHECK(stats->events == n);
    auto page = st.value()->read_events("u0", 0, 1000);
    REQUIRE(page);
    CHECK(page->events.size() == static_cast<std::size_t>(n / 5000));
    st.value().reset();
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  }
}
