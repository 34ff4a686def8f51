#include "ingest.hpp"

#include <chrono>
#include <iterator>

namespace tailor::sync {

ingest_queue::ingest_queue(storage& store, metrics& m, std::size_t max_commit_events,
                           std::size_t max_queued_events)
    : store_(store),
      metrics_(m),
      max_commit_events_(max_commit_events),
      max_queued_events_(max_queued_events),
      thread_([this] { run(); }) {}

ingest_queue::~ingest_queue() { stop(); }

bool ingest_queue::submit(std::vector<stored_event> events, done_fn done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queued_events_ + events.size() > max_queued_events_) return false;
    queued_events_ += events.size();
    jobs_.push_back(job{std::move(events), std::move(done), std::chrono::steady_clock::now()});
  }
  cv_.notify_one();
  return true;
}

void ingest_queue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::size_t ingest_queue::depth() {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void ingest_queue::run() {
  std::vector<job> group;
  std::vector<stored_event> all;
  while (true) {
    group.clear();
    all.clear();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      std::size_t n = 0;
      while (!jobs_.empty() && (group.empty() || n + jobs_.front().events.size() <= max_commit_events_)) {
        n += jobs_.front().events.size();
        queued_events_ -= jobs_.front().events.size();
        group.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    for (auto& j : group) {
      for (auto& ev : j.events) all.push_back(std::move(ev));
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& j : group) metrics_.queue_wait(std::chrono::duration<double>(t0 - j.queued).count());
    auto r = store_.ingest(all, now_ms());
    metrics_.commit(static_cast<int64_t>(all.size()),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!r) {
      metrics_.storage_error();
      if (group.size() == 1) {
        group[0].done(r.error());
        continue;
      }
      // One request's events must not fail the others': commit them one by one.
      std::size_t at = 0;
      for (auto& j : group) {
        std::vector<stored_event> mine(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(at)),
                                       std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(at + j.events.size())));
        at += j.events.size();
        auto one = store_.ingest(mine, now_ms());
        if (!one) metrics_.storage_error();
        j.done(std::move(one));
      }
      continue;
    }
    std::size_t at = 0;
    for (auto& j : group) {
      const std::size_t n = j.events.size();
      std::vector<ingest_outcome> part(r->begin() + static_cast<std::ptrdiff_t>(at),
                                       r->begin() + static_cast<std::ptrdiff_t>(at + n));
      at += n;
      j.done(std::move(part));
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (store_.checkpoint_if_due()) {
      metrics_.checkpoint(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
    }
  }
}

}  // namespace tailor::sync
