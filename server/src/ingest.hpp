// Group commit: batches from many requests are written in one transaction by
// one writer thread, and each request is answered only after that commit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics.hpp"
#include "storage.hpp"

namespace tailor::sync {

class ingest_queue {
 public:
  using done_fn = std::function<void(result<std::vector<ingest_outcome>>)>;

  ingest_queue(storage& store, metrics& m, std::size_t max_commit_events,
               std::size_t max_queued_events);
  ~ingest_queue();

  // Queues one request's events; done runs on the writer thread after the
  // commit (or the failure). False when the queue is full or stopping.
  bool submit(std::vector<stored_event> events, done_fn done);
  // Commits everything already queued, then stops the writer thread.
  void stop();
  std::size_t depth();

 private:
  struct job {
    std::vector<stored_event> events;
    done_fn done;
    std::chrono::steady_clock::time_point queued;
  };
  void run();

  storage& store_;
  metrics& metrics_;
  const std::size_t max_commit_events_;
  const std::size_t max_queued_events_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> jobs_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tailor::sync
