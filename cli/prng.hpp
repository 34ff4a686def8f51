// The CLI's own seeded PRNG for sample data: xoshiro256** seeded through
// splitmix64, and our own mappings to ranges. No std distributions (their
// algorithms differ between standard libraries), no libm: the same seed gives
// the same bytes with any compiler.
#pragma once

#include <cstdint>
#include <vector>

namespace tailor::cli {

class prng {
 public:
  explicit prng(uint64_t seed) noexcept {
    uint64_t x = seed;
    for (auto& s : s_) s = splitmix64(x);
  }

  // A child stream: independent of how many numbers the parent has drawn later.
  prng fork(uint64_t salt) const noexcept {
    uint64_t x = s_[0] ^ (salt * 0x9E3779B97F4A7C15ull) ^ rotl(s_[2], 17);
    return prng(splitmix64(x));
  }

  uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), unbiased (rejection of the short last block); 0 when n == 0.
  uint64_t below(uint64_t n) noexcept {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % n;
  }

  // Uniform integer in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) noexcept {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // Uniform in [0, 1) with 53 random bits.
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  bool chance(double p) noexcept { return unit() < p; }

  // Approximately standard normal: Irwin-Hall sum of 12 uniforms minus 6.
  double normalish() noexcept {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += unit();
    return s - 6.0;
  }

  // Number of failures before the first success, capped.
  int geometric(double p_success, int cap) noexcept {
    int n = 0;
    while (n < cap && !chance(p_success)) ++n;
    return n;
  }

  // Index drawn with probability proportional to weights[i] (all >= 0, sum > 0).
  std::size_t weighted(const std::vector<double>& weights) noexcept {
    double total = 0;
    for (double w : weights) total += w;
    double r = unit() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.empty() ? 0 : weights.size() - 1;
  }

  template <class T>
  const T& pick(const std::vector<T>& v) noexcept {
    return v[static_cast<std::size_t>(below(v.size()))];
  }

  template <class T>
  void shuffle(std::vector<T>& v) noexcept {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& x) noexcept {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace tailor::cli
