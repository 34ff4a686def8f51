// When the SQLite writer copies its WAL back into the database file.
//
// Not inside a commit (SQLite's wal_autocheckpoint): the requests of that
// commit would wait for the copy and its fsyncs. Not on a background thread
// either: while commits keep coming it never catches up with the WAL's end,
// so the WAL cannot start over, grows by gigabytes, and every page the writer
// looks up searches a longer WAL index. Instead the group-commit writer
// checkpoints between two commits, after the first one's requests were
// answered, once the WAL holds more than a few MiB: nothing is appended
// meanwhile, so the pass copies every frame and the next transaction starts
// the WAL over at its beginning. Its size stays near that bound.
#pragma once

#include <sqlite3.h>


namespace tailor::sync {

class sqlite_checkpointer {
 public:
  // Installs a WAL hook on writer (replacing wal_autocheckpoint). A WAL that
  // grows past 4 × due_frames without checkpoint_if_due being called (a
  // writer other than the group commit, e.g. an erasure burst) is
  // checkpointed inside the commit that grew it, as SQLite would.
  sqlite_checkpointer(sqlite3* writer, int due_frames);
  sqlite_checkpointer(const sqlite_checkpointer&) = delete;
  sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

  // On the writer's thread, between transactions: a PASSIVE checkpoint when
  // the WAL holds more than due_frames pages. True when one ran.
  bool checkpoint_if_due(sqlite3* writer);

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);

  const int due_frames_;
  int wal_frames_ = 0;  // only touched under the storage's write lock, as every commit is
};

}  // namespace tailor::sync
