// Token-bucket rate limits keyed by client IP or API key name.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tailor::sync {

class rate_limiter {
 public:
  // rate: tokens per second (0 disables the limiter); burst: bucket size.
  rate_limiter(double rate, double burst) : rate_(rate), burst_(burst > 0 ? burst : rate) {}

  bool enabled() const noexcept { return rate_ > 0; }

  // Takes one token for key at time now_s (monotonic seconds). When refused,
  // retry_after_s says when the next token is there.
  bool allow(std::string_view key, double now_s, double& retry_after_s);

  // Buckets tracked at most, per shard; full (idle) buckets are dropped first.
  static constexpr std::size_t max_keys_per_shard = 16384;

 private:
  struct bucket {
    double tokens;
    double at;
  };
  struct shard {
    std::mutex mu;
    std::unordered_map<std::string, bucket> buckets;
    double next_purge = 0;  // a full shard is scanned at most once per period
  };
  double rate_;
  double burst_;
  std::array<shard, 16> shards_;
};

}  // namespace tailor::sync
