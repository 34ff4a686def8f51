#include "sqlite_checkpointer.hpp"

#include <chrono>

namespace tailor::sync {

sqlite_checkpointer::sqlite_checkpointer(const std::string& path, sqlite3* writer,
                                         int threshold_frames, int restart_frames)
    : threshold_frames_(threshold_frames), restart_frames_(restart_frames) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    // Without our own connection the writer keeps checkpointing itself.
    sqlite3_close_v2(db_);
    db_ = nullptr;
    return;
  }
  sqlite3_busy_timeout(db_, 5000);
  // Replaces the writer's wal_autocheckpoint (itself a WAL hook).
  sqlite3_wal_hook(writer, &sqlite_checkpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

sqlite_checkpointer::~sqlite_checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (db_) sqlite3_close_v2(db_);
}

void sqlite_checkpointer::before_write(sqlite3* writer) {
  const int frames = wal_frames_.load(std::memory_order_relaxed);
  if (!db_ || frames <= restart_frames_) return;
  // Only once the background passes have nearly caught up, so the frames the
  // writer copies (and the fsync that follows) are few; a WAL twice the bound
  // is started over regardless.
  const int behind = frames - backfilled_.load(std::memory_order_relaxed);
  if (behind > catch_up_frames && frames < 2 * restart_frames_) return;
  int log = 0, done = 0;
  // Waits for a running background pass (at most a few MiB), then copies what is left.
  std::lock_guard pass(pass_mu_);
  if (sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
  }
}

// Runs on the writer thread after each commit, with the WAL's page count.
int sqlite_checkpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
  auto* me = static_cast<sqlite_checkpointer*>(self);
  me->wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames > me->threshold_frames_) me->cv_.notify_one();
  return SQLITE_OK;
}

// PASSIVE: copies what it can without blocking the writer or readers. A pass
// runs when a commit has left the WAL larger than the threshold and larger
// than the last pass saw (the count only changes with commits).
void sqlite_checkpointer::run() {
  std::unique_lock lock(mu_);
  int seen = 0;
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200), [&] {
      const int frames = wal_frames_.load(std::memory_order_relaxed);
      return stopping_ || (frames > threshold_frames_ && frames != seen);
    });
    if (stopping_) break;
    seen = wal_frames_.load(std::memory_order_relaxed);
    if (seen <= threshold_frames_) continue;
    lock.unlock();
    int log = 0, done = 0;
    int rc = SQLITE_OK;
    {
      std::lock_guard pass(pass_mu_);
      rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    }
    if (rc == SQLITE_OK) {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      backfilled_.store(done, std::memory_order_relaxed);
    }
    lock.lock();
  }
}

}  // namespace tailor::sync
