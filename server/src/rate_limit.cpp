#include "rate_limit.hpp"

#include <algorithm>
#include <functional>

namespace tailor::sync {

bool rate_limiter::allow(std::string_view key, double now_s, double& retry_after_s) {
  retry_after_s = 0;
  if (!enabled()) return true;
  // Shard choice only spreads lock contention; nothing persisted depends on it.
  auto& sh = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(sh.mu);
  auto it = sh.buckets.find(std::string(key));
  if (it == sh.buckets.end()) {
    if (sh.buckets.size() >= max_keys_per_shard && now_s >= sh.next_purge) {
      // Drop buckets that have refilled: forgetting them changes nothing.
      sh.next_purge = now_s + std::min(1.0, burst_ / rate_);
      for (auto i = sh.buckets.begin(); i != sh.buckets.end();) {
        double t = std::min(burst_, i->second.tokens + (now_s - i->second.at) * rate_);
        i = t >= burst_ ? sh.buckets.erase(i) : std::next(i);
      }
      if (sh.buckets.size() >= max_keys_per_shard) {
        retry_after_s = 1.0 / rate_;
        return false;  // too many distinct clients draining at once: shed load
      }
    }
    it = sh.buckets.emplace(std::string(key), bucket{burst_, now_s}).first;
  }
  bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, now_s - b.at) * rate_);
  b.at = now_s;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_s = (1.0 - b.tokens) / rate_;
  return false;
}

}  // namespace tailor::sync
