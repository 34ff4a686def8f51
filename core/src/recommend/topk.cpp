// Top-k over int8 embeddings: SIMD scan with int32 accumulation, exact re-score.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tailor/recommend.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace tailor {
namespace {

int32_t dot_i8(const int8_t* a, const int8_t* b, uint32_t dim) noexcept {
#if defined(__wasm_simd128__)
  v128_t acc = wasm_i32x4_splat(0);
  uint32_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    const v128_t va = wasm_v128_load(a + d);
    const v128_t vb = wasm_v128_load(b + d);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(va), wasm_i16x8_extend_low_i8x16(vb)));
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(va), wasm_i16x8_extend_high_i8x16(vb)));
  }
  int32_t s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) + wasm_i32x4_extract_lane(acc, 2) +
              wasm_i32x4_extract_lane(acc, 3);
  for (; d < dim; ++d) s += static_cast<int32_t>(a[d]) * b[d];
  return s;
#else
  int32_t s = 0;
  for (uint32_t d = 0; d < dim; ++d) s += static_cast<int32_t>(a[d]) * static_cast<int32_t>(b[d]);
  return s;
#endif
}

}  // namespace

void quantize_rows(const float* values, uint32_t n, uint32_t dim, std::vector<int8_t>& rows, std::vector<float>& scales) {
  rows.assign(static_cast<std::size_t>(n) * dim, 0);
  scales.assign(n, 0.0f);
  for (uint32_t i = 0; i < n; ++i) {
    const float* v = values + static_cast<std::size_t>(i) * dim;
    float mx = 0.0f;
    for (uint32_t d = 0; d < dim; ++d) mx = std::max(mx, std::fabs(v[d]));
    if (!(mx > 0.0f) || !std::isfinite(mx)) continue;
    const float scale = mx / 127.0f;
    scales[i] = scale;
    for (uint32_t d = 0; d < dim; ++d) {
      const long q = std::lround(v[d] / scale);
      rows[static_cast<std::size_t>(i) * dim + d] = static_cast<int8_t>(std::clamp<long>(q, -127, 127));
    }
  }
}

result<std::vector<scored_item>> embedding_top_k(const embedding_index_view& ix, const float* query, uint32_t dim,
                                                 uint32_t k, uint32_t margin) noexcept {
  try {
    if (dim != ix.dim) {
      return make_error(errc::invalid_field, "query has " + std::to_string(dim) + " dims, the embeddings " +
                                                 std::to_string(ix.dim));
    }
    if (k > limits::max_rec_size * 10) return make_error(errc::limit_exceeded, "k above " + std::to_string(limits::max_rec_size * 10));
    std::vector<scored_item> out;
    if (ix.n == 0 || k == 0) return out;
    float qmax = 0.0f;
    for (uint32_t d = 0; d < dim; ++d) {
      if (!std::isfinite(query[d])) return make_error(errc::invalid_field, "query has a non-finite value", "query[" + std::to_string(d) + "]");
      qmax = std::max(qmax, std::fabs(query[d]));
    }
    std::vector<int8_t> q(dim, 0);
    if (qmax > 0) {
      for (uint32_t d = 0; d < dim; ++d) q[d] = static_cast<int8_t>(std::clamp<long>(std::lround(query[d] * 127.0f / qmax), -127, 127));
    }
    // Stage 1: approximate scores; keep the best `keep` in a min-heap.
    const uint32_t keep = std::min<uint32_t>(ix.n, k + margin);
    std::vector<scored_item> heap;
    heap.reserve(keep + 1);
    auto worse = [](const scored_item& a, const scored_item& b) {  // heap top = worst kept
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    };
    auto offer = [&](uint32_t i, float s) {
      if (heap.size() < keep) {
        heap.push_back({i, s});
        std::push_heap(heap.begin(), heap.end(), worse);
      } else if (s > heap.front().score) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = {i, s};
        std::push_heap(heap.begin(), heap.end(), worse);
      }
    };
    uint32_t i = 0;
#if defined(__wasm_simd128__)
    if (dim % 16 == 0 && dim <= 256) {
      // The query widened to i16 once; four items per step, reduced together.
      v128_t q16[32];
      for (uint32_t c = 0; c < dim / 16; ++c) {
        const v128_t v = wasm_v128_load(q.data() + 16 * c);
        q16[2 * c] = wasm_i16x8_extend_low_i8x16(v);
        q16[2 * c + 1] = wasm_i16x8_extend_high_i8x16(v);
      }
      const uint32_t chunks = dim / 16;
      for (; i + 4 <= ix.n; i += 4) {
        v128_t acc[4];
        for (int r = 0; r < 4; ++r) {
          const int8_t* row = ix.rows + static_cast<std::size_t>(i + r) * dim;
          v128_t a = wasm_i32x4_splat(0);
          for (uint32_t c = 0; c < chunks; ++c) {
            const v128_t v = wasm_v128_load(row + 16 * c);
            a = wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(v), q16[2 * c]));
            a = wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(v), q16[2 * c + 1]));
          }
          acc[r] = a;
        }
        // Transpose-add: lane r = horizontal sum of acc[r].
        const v128_t t0 = wasm_i32x4_add(wasm_i32x4_shuffle(acc[0], acc[1], 0, 4, 2, 6), wasm_i32x4_shuffle(acc[0], acc[1], 1, 5, 3, 7));
        const v128_t t1 = wasm_i32x4_add(wasm_i32x4_shuffle(acc[2], acc[3], 0, 4, 2, 6), wasm_i32x4_shuffle(acc[2], acc[3], 1, 5, 3, 7));
        const v128_t sums = wasm_i32x4_add(wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
        const v128_t sc = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), wasm_v128_load(ix.scales + i));
        const float thr = heap.size() < keep ? -std::numeric_limits<float>::infinity() : heap.front().score;
        if (!wasm_v128_any_true(wasm_f32x4_gt(sc, wasm_f32x4_splat(thr)))) continue;
        offer(i, wasm_f32x4_extract_lane(sc, 0));
        offer(i + 1, wasm_f32x4_extract_lane(sc, 1));
        offer(i + 2, wasm_f32x4_extract_lane(sc, 2));
        offer(i + 3, wasm_f32x4_extract_lane(sc, 3));
      }
    }
#endif
    for (; i < ix.n; ++i) {
      offer(i, static_cast<float>(dot_i8(ix.rows + static_cast<std::size_t>(i) * dim, q.data(), dim)) * ix.scales[i]);
    }
    // Stage 2: re-score with the f32 query against the dequantised rows.
    for (auto& c : heap) {
      float s = 0.0f;
      if (ix.exact) {
        const float* r = ix.exact + static_cast<std::size_t>(c.item) * dim;
        for (uint32_t d = 0; d < dim; ++d) s += query[d] * r[d];
        c.score = s;
      } else {
        const int8_t* r = ix.rows + static_cast<std::size_t>(c.item) * dim;
        for (uint32_t d = 0; d < dim; ++d) s += query[d] * static_cast<float>(r[d]);
        c.score = s * ix.scales[c.item];
      }
    }
    std::sort(heap.begin(), heap.end(), [](const scored_item& a, const scored_item& b) {
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    });
    if (heap.size() > k) heap.resize(k);
    return heap;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
