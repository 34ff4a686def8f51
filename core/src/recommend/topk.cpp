// Top-k over int8 embeddings: a SIMD int8 scan with exact int32 accumulation
// (wasm SIMD128 in wasm, SSE2 natively, scalar elsewhere: the same integers
// everywhere), a threshold-pruned selection of the best k + margin, then an f32 re-score
// of that shortlist. Ties break by item index, so every target returns the
// same bytes.
//
// The kernel reads 16 int8 values as eight 16-bit lanes and puts each byte in
// the high byte of its lane (even bytes: x << 8, odd bytes: x & 0xFF00), so
// every lane is 256 x the value; the query is pre-split into its even and odd
// coordinates, so one 16-byte load costs a shift, an and and two i16 dot
// products (pmaddwd / i32x4.dot_i16x8); the sums are divided by 256 exactly.
// (Dims above 512 would overflow int32 that way; they sign-extend instead.)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tailor/recommend.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define TAILOR_TOPK_SIMD 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#define TAILOR_TOPK_SIMD 1
#else
#define TAILOR_TOPK_SIMD 0
#endif

namespace tailor {
namespace {

// The query's int8 coordinates as 16-bit even / odd lanes, per 16-wide chunk.
struct split_query {
  alignas(16) int16_t even[limits::max_embedding_dim / 2];
  alignas(16) int16_t odd[limits::max_embedding_dim / 2];
};

int32_t dot_scalar(const int8_t* a, const int8_t* b, uint32_t dim) noexcept {
  int32_t s = 0;
  for (uint32_t d = 0; d < dim; ++d) s += static_cast<int32_t>(a[d]) * static_cast<int32_t>(b[d]);
  return s;
}

#if TAILOR_TOPK_SIMD
#if defined(__wasm_simd128__)
using vec = v128_t;
inline vec load(const void* p) noexcept { return wasm_v128_load(p); }
inline vec zero() noexcept { return wasm_i32x4_splat(0); }
inline vec add32(vec a, vec b) noexcept { return wasm_i32x4_add(a, b); }
inline vec madd(vec a, vec b) noexcept { return wasm_i32x4_dot_i16x8(a, b); }
inline vec even_bytes(vec v) noexcept { return wasm_i16x8_shr(wasm_i16x8_shl(v, 8), 8); }
inline vec odd_bytes(vec v) noexcept { return wasm_i16x8_shr(v, 8); }
inline vec even_bytes_x256(vec v) noexcept { return wasm_i16x8_shl(v, 8); }
inline vec odd_bytes_x256(vec v) noexcept { return wasm_v128_and(v, wasm_i16x8_splat(static_cast<int16_t>(0xFF00))); }
inline vec div256(vec v) noexcept { return wasm_i32x4_shr(v, 8); }
// Lane r = horizontal sum of a_r.
inline vec hsum4(vec a0, vec a1, vec a2, vec a3) noexcept {
  const vec s01 = wasm_i32x4_add(wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7));
  const vec s23 = wasm_i32x4_add(wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}
inline void store_scores(float* out, vec sums, const float* scales) noexcept {
  wasm_v128_store(out, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), wasm_v128_load(scales)));
}
inline bool any_above(const float* s, float thr) noexcept {
  return wasm_v128_any_true(wasm_f32x4_gt(wasm_v128_load(s), wasm_f32x4_splat(thr)));
}
#else
using vec = __m128i;
inline vec load(const void* p) noexcept { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline vec zero() noexcept { return _mm_setzero_si128(); }
inline vec add32(vec a, vec b) noexcept { return _mm_add_epi32(a, b); }
inline vec madd(vec a, vec b) noexcept { return _mm_madd_epi16(a, b); }
inline vec even_bytes(vec v) noexcept { return _mm_srai_epi16(_mm_slli_epi16(v, 8), 8); }
inline vec odd_bytes(vec v) noexcept { return _mm_srai_epi16(v, 8); }
inline vec even_bytes_x256(vec v) noexcept { return _mm_slli_epi16(v, 8); }
inline vec odd_bytes_x256(vec v) noexcept { return _mm_and_si128(v, _mm_set1_epi16(static_cast<int16_t>(0xFF00))); }
inline vec div256(vec v) noexcept { return _mm_srai_epi32(v, 8); }
inline vec hsum4(vec a0, vec a1, vec a2, vec a3) noexcept {
  const vec s01 = _mm_add_epi32(_mm_unpacklo_epi32(a0, a1), _mm_unpackhi_epi32(a0, a1));
  const vec s23 = _mm_add_epi32(_mm_unpacklo_epi32(a2, a3), _mm_unpackhi_epi32(a2, a3));
  return _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
}
inline void store_scores(float* out, vec sums, const float* scales) noexcept {
  _mm_storeu_ps(out, _mm_mul_ps(_mm_cvtepi32_ps(sums), _mm_loadu_ps(scales)));
}
inline bool any_above(const float* s, float thr) noexcept {
  return _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(s), _mm_set1_ps(thr))) != 0;
}
#endif

inline vec row_acc(const int8_t* row, const vec* qe, const vec* qo, uint32_t chunks) noexcept {
  vec a = zero(), b = zero();
  for (uint32_t c = 0; c < chunks; ++c) {
    const vec v = load(row + 16 * c);
    a = add32(a, madd(even_bytes(v), qe[c]));
    b = add32(b, madd(odd_bytes(v), qo[c]));
  }
  return add32(a, b);
}

// 256 x the row's dot product: each byte is read in place as the high byte of
// a 16-bit lane (even bytes shifted up, odd bytes masked), one operation each.
// Exact while dim <= 512: |sum| <= 512 * 127 * 127 * 256 < 2^31.
template <uint32_t Chunks>
inline vec row_acc_fixed(const int8_t* row, const vec* qe, const vec* qo) noexcept {
  static_assert(Chunks * 16 <= 512, "the x256 sums overflow int32 above 512 dims");
  vec a = zero(), b = zero();
  for (uint32_t c = 0; c < Chunks; ++c) {
    const vec v = load(row + 16 * c);
    a = add32(a, madd(even_bytes_x256(v), qe[c]));
    b = add32(b, madd(odd_bytes_x256(v), qo[c]));
  }
  return add32(a, b);
}

// Approximate scores of rows [first, first + count), count a multiple of 4.
template <uint32_t Chunks>
void block_fixed(const embedding_index_view& ix, const vec* qe, const vec* qo, uint32_t first, uint32_t count,
                 float* out) noexcept {
  const std::size_t stride = std::size_t{Chunks} * 16;
  const int8_t* r = ix.rows + static_cast<std::size_t>(first) * stride;
  for (uint32_t j = 0; j < count; j += 4, r += 4 * stride) {
    const vec s = div256(hsum4(row_acc_fixed<Chunks>(r, qe, qo), row_acc_fixed<Chunks>(r + stride, qe, qo),
                               row_acc_fixed<Chunks>(r + 2 * stride, qe, qo), row_acc_fixed<Chunks>(r + 3 * stride, qe, qo)));
    store_scores(out + j, s, ix.scales + first + j);
  }
}

void block_any(const embedding_index_view& ix, const vec* qe, const vec* qo, uint32_t first, uint32_t count,
               float* out) noexcept {
  const uint32_t chunks = ix.dim / 16;
  const std::size_t stride = ix.dim;
  const int8_t* r = ix.rows + static_cast<std::size_t>(first) * stride;
  for (uint32_t j = 0; j < count; j += 4, r += 4 * stride) {
    const vec s = hsum4(row_acc(r, qe, qo, chunks), row_acc(r + stride, qe, qo, chunks),
                        row_acc(r + 2 * stride, qe, qo, chunks), row_acc(r + 3 * stride, qe, qo, chunks));
    store_scores(out + j, s, ix.scales + first + j);
  }
}
#endif

#if !TAILOR_TOPK_SIMD
inline bool any_above(const float* s, float thr) noexcept {
  return (s[0] > thr) | (s[1] > thr) | (s[2] > thr) | (s[3] > thr);
}
#endif

// The f32 score of one row: sum of query[d] * row[d], d ascending.
float rescore_one(const embedding_index_view& ix, const float* query, uint32_t dim, uint32_t item) noexcept {
  float s = 0.0f;
  if (ix.exact) {
    const float* r = ix.exact + static_cast<std::size_t>(item) * dim;
    for (uint32_t d = 0; d < dim; ++d) s += query[d] * r[d];
    return s;
  }
  const int8_t* r = ix.rows + static_cast<std::size_t>(item) * dim;
  for (uint32_t d = 0; d < dim; ++d) s += query[d] * static_cast<float>(r[d]);
  return s * ix.scales[item];
}

// rescore_one of four exact rows, interleaved.
void rescore4_exact(const embedding_index_view& ix, const float* query, uint32_t dim, scored_item* c) noexcept {
  const float* r0 = ix.exact + static_cast<std::size_t>(c[0].item) * dim;
  const float* r1 = ix.exact + static_cast<std::size_t>(c[1].item) * dim;
  const float* r2 = ix.exact + static_cast<std::size_t>(c[2].item) * dim;
  const float* r3 = ix.exact + static_cast<std::size_t>(c[3].item) * dim;
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  for (uint32_t d = 0; d < dim; ++d) {
    const float x = query[d];
    s0 += x * r0[d];
    s1 += x * r1[d];
    s2 += x * r2[d];
    s3 += x * r3[d];
  }
  c[0].score = s0;
  c[1].score = s1;
  c[2].score = s2;
  c[3].score = s3;
}

// Quantises the query to int8 (symmetric, max |q| -> 127). Errors on NaN/Inf.
status quantize_query(const float* query, uint32_t dim, int8_t* q) {
  float qmax = 0.0f;
  for (uint32_t d = 0; d < dim; ++d) {
    if (!std::isfinite(query[d])) return make_error(errc::invalid_field, "query has a non-finite value", "query[" + std::to_string(d) + "]");
    qmax = std::max(qmax, std::fabs(query[d]));
  }
  for (uint32_t d = 0; d < dim; ++d) {
    q[d] = qmax > 0 ? static_cast<int8_t>(std::clamp<long>(std::lround(query[d] * 127.0f / qmax), -127, 127)) : 0;
  }
  return ok_value;
}

status check_index(const embedding_index_view& ix, uint32_t dim) {
  if (dim != ix.dim) {
    return make_error(errc::invalid_field, "query has " + std::to_string(dim) + " dims, the embeddings " + std::to_string(ix.dim),
                      "query");
  }
  if (ix.dim == 0 || ix.dim > limits::max_embedding_dim) {
    return make_error(errc::invalid_field, "embedding dim must be in 1.." + std::to_string(limits::max_embedding_dim), "dim");
  }
  if (ix.n > 0 && (ix.rows == nullptr || ix.scales == nullptr)) return make_error(errc::invalid_state, "embedding index has no rows");
  return ok_value;
}

// The int8 scan: scores rows block by block into a caller's buffer.
class scanner {
 public:
  static constexpr uint32_t block = 256;

  scanner(const embedding_index_view& ix, const int8_t* q) noexcept : ix_(ix), q_(q) {
#if TAILOR_TOPK_SIMD
    simd_ = ix.dim % 16 == 0;
    if (simd_) {
      alignas(16) split_query sq;
      for (uint32_t d = 0; d < ix.dim / 2; ++d) {
        sq.even[d] = q[2 * d];
        sq.odd[d] = q[2 * d + 1];
      }
      // qe[c] holds q[16c], q[16c+2], ..., q[16c+14]; qo[c] the odd ones.
      for (uint32_t c = 0; c < ix.dim / 16; ++c) {
        qe_[c] = load(sq.even + 8 * c);
        qo_[c] = load(sq.odd + 8 * c);
      }
    }
#endif
  }

  // Scores rows [first, first + count) (count <= block) into out[0..count), and
  // pads out up to the next multiple of 4 with -inf. Returns the padded count.
  uint32_t scores(uint32_t first, uint32_t count, float* out) const noexcept {
    uint32_t j = 0;
#if TAILOR_TOPK_SIMD
    if (simd_) {
      const uint32_t c4 = count & ~3u;
      switch (ix_.dim / 16) {
        case 2: block_fixed<2>(ix_, qe_, qo_, first, c4, out); break;
        case 4: block_fixed<4>(ix_, qe_, qo_, first, c4, out); break;
        case 8: block_fixed<8>(ix_, qe_, qo_, first, c4, out); break;
        default: block_any(ix_, qe_, qo_, first, c4, out); break;
      }
      j = c4;
    }
#endif
    for (; j < count; ++j) {
      out[j] = static_cast<float>(dot_scalar(ix_.rows + static_cast<std::size_t>(first + j) * ix_.dim, q_, ix_.dim)) *
               ix_.scales[first + j];
    }
    for (; j % 4 != 0; ++j) out[j] = -std::numeric_limits<float>::infinity();
    return j;
  }

 private:
  const embedding_index_view& ix_;
  const int8_t* q_;
#if TAILOR_TOPK_SIMD
  bool simd_ = false;
  vec qe_[limits::max_embedding_dim / 16];
  vec qo_[limits::max_embedding_dim / 16];
#endif
};

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

status embedding_scan_scores(const embedding_index_view& ix, const float* query, uint32_t dim, float* out) noexcept {
  try {
    if (auto s = check_index(ix, dim); !s) return s.error();
    alignas(16) int8_t q[limits::max_embedding_dim];
    if (auto s = quantize_query(query, dim, q); !s) return s.error();
    const scanner scan(ix, q);
    alignas(16) float sc[scanner::block];
    for (uint32_t first = 0; first < ix.n; first += scanner::block) {
      const uint32_t count = std::min(scanner::block, ix.n - first);
      scan.scores(first, count, sc);
      std::memcpy(out + first, sc, count * sizeof(float));
    }
    return ok_value;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::vector<scored_item>> embedding_top_k(const embedding_index_view& ix, const float* query, uint32_t dim,
                                                 uint32_t k, uint32_t margin) noexcept {
  try {
    if (auto s = check_index(ix, dim); !s) return s.error();
    if (k > limits::max_top_k) return make_error(errc::limit_exceeded, "k above " + std::to_string(limits::max_top_k), "k");
    if (margin > limits::max_top_k) {
      return make_error(errc::limit_exceeded, "margin above " + std::to_string(limits::max_top_k), "margin");
    }
    alignas(16) int8_t q[limits::max_embedding_dim];
    if (auto s = quantize_query(query, dim, q); !s) return s.error();
    std::vector<scored_item> pool;
    if (ix.n == 0 || k == 0) return pool;
    // Stage 1: approximate scores. Rows above the threshold are appended to a
    // pool; when it fills, nth_element keeps the best `keep` (by score, then
    // lower index) and the threshold rises to the worst kept score. Rows come in
    // index order, so a later row that only ties the threshold ranks below it:
    // the result is exactly the best `keep` in that order (as a bounded heap
    // would give, without its per-row sift).
    const uint32_t keep = std::min<uint32_t>(ix.n, k + margin);
    const std::size_t cap = std::max<std::size_t>(std::size_t{4} * keep, 256);
    pool.reserve(cap + 4);
    const auto better = [](const scored_item& a, const scored_item& b) {
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    };
    float thr = -std::numeric_limits<float>::infinity();
    const auto compact = [&] {
      std::nth_element(pool.begin(), pool.begin() + (keep - 1), pool.end(), better);
      pool.resize(keep);
      thr = pool.back().score;
    };
    const scanner scan(ix, q);
    alignas(16) float sc[scanner::block];
    for (uint32_t first = 0; first < ix.n; first += scanner::block) {
      const uint32_t count = std::min(scanner::block, ix.n - first);
      const uint32_t padded = scan.scores(first, count, sc);
      for (uint32_t j = 0; j < padded; j += 4) {
        if (!any_above(sc + j, thr)) continue;
        for (uint32_t r = j; r < j + 4 && r < count; ++r) {
          if (sc[r] > thr) pool.push_back({first + r, sc[r]});
        }
        if (pool.size() >= cap) compact();
      }
    }
    if (pool.size() > keep) compact();
    // Stage 2: re-score the shortlist with the f32 query (exact rows when given,
    // else the dequantised int8 rows), in a fixed order of operations per row.
    // Four rows at a time: their cache misses and add chains overlap, and each
    // row's sum still runs d = 0, 1, ... (the same bits as one at a time).
    std::size_t c = 0;
    if (ix.exact) {
      for (; c + 4 <= pool.size(); c += 4) rescore4_exact(ix, query, dim, &pool[c]);
    }
    for (; c < pool.size(); ++c) pool[c].score = rescore_one(ix, query, dim, pool[c].item);
    std::sort(pool.begin(), pool.end(), better);
    if (pool.size() > k) pool.resize(k);
    return pool;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
