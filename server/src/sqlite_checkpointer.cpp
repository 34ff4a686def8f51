#include "sqlite_checkpointer.hpp"

namespace tailor::sync {

sqlite_checkpointer::sqlite_checkpointer(sqlite3* writer, int due_frames) : due_frames_(due_frames) {
  sqlite3_wal_hook(writer, &sqlite_checkpointer::on_commit, this);
}

bool sqlite_checkpointer::checkpoint_if_due(sqlite3* writer) {
  if (wal_frames_ <= due_frames_) return false;
  int log = 0, done = 0;
  const int rc = sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
  if (rc != SQLITE_OK) return false;  // busy or failed: the next call tries again
  // A reader holding an older snapshot can leave frames behind; they are
  // copied by a later pass, and until then the WAL cannot start over.
  wal_frames_ = log - done;
  return true;
}

// Runs on the writer's thread after each commit, with the WAL's page count.
int sqlite_checkpointer::on_commit(void* self, sqlite3* db, const char* name, int frames) {
  auto* me = static_cast<sqlite_checkpointer*>(self);
  me->wal_frames_ = frames;
  if (frames > 4 * me->due_frames_) {
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

}  // namespace tailor::sync
