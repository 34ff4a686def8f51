// Background WAL checkpoints for the SQLite back end. The group-commit writer
// only appends to the WAL; copying those pages back into the database file
// (and fsyncing it) happens on this thread, on the other core, so a commit
// never waits for a checkpoint and acknowledgement latency stays flat.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tailor::sync {

class sqlite_checkpointer {
 public:
  // Opens its own connection to path and installs a WAL hook on writer that
  // wakes this thread once the WAL holds more than threshold_frames pages.
  sqlite_checkpointer(const std::string& path, sqlite3* writer, int threshold_frames,
                      int restart_frames);
  ~sqlite_checkpointer();
  sqlite_checkpointer(const sqlite_checkpointer&) = delete;
  sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

  // Called by the writer before a write transaction. The WAL file starts over
  // only when a transaction begins with every frame checkpointed, which the
  // background passes rarely achieve while commits keep coming: once the WAL
  // is past restart_frames the writer copies the few frames the last pass
  // left itself, so the transaction it begins next starts the WAL over.
  // (The WAL's frames count restarts with it; so do the passes' counts.)
  void before_write(sqlite3* writer);

  int64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

 private:
  static int on_commit(void* self, sqlite3*, const char*, int frames);
  void run();

  const int threshold_frames_;
  const int restart_frames_;
  sqlite3* db_ = nullptr;
  static constexpr int catch_up_frames = 4096;  // 16 MiB left to copy at most
  std::atomic<int> wal_frames_{0};
  std::atomic<int> backfilled_{0};  // frames the last background pass had copied
  std::atomic<int64_t> checkpoints_{0};
  std::mutex pass_mu_;  // one checkpoint at a time: a background pass or the writer's
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tailor::sync
