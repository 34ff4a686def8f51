// A fixed set of database connections handed out one at a time.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace tailor::sync {

template <class Conn>
class conn_pool {
 public:
  class lease {
   public:
    lease(conn_pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    lease(lease&& other) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    Conn& operator*() { return *conn_; }
    Conn* operator->() { return conn_.get(); }

   private:
    conn_pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  void add(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(conn));
  }

  lease acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    auto conn = std::move(free_.back());
    free_.pop_back();
    return lease(this, std::move(conn));
  }

 private:
  void give_back(std::unique_ptr<Conn> conn) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> free_;
};

}  // namespace tailor::sync
