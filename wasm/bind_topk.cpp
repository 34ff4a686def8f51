// Embind: an int8 embedding index for top-k search (SIMD in wasm). Used by the
// storefront for embedding retrieval and by bench/recommend-topk.mjs.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdio>
#include <new>

#include "envelope.hpp"
#include "tailor/recommend.hpp"

namespace tailor::wasm {
namespace {

class embedding_index {
 public:
  // values: Float32Array of n * dim, row-major.
  std::string build(const emscripten::val& values, uint32_t n, uint32_t dim) {
    return guarded([&] {
      if (dim == 0 || dim > limits::max_embedding_dim) {
        return fail(make_error(errc::limit_exceeded, "dim must be in 1.." + std::to_string(limits::max_embedding_dim), "dim"));
      }
      if (n > limits::max_catalog_items) return fail(make_error(errc::limit_exceeded, "too many rows", "n"));
      const auto v = emscripten::convertJSArrayToNumberVector<float>(values);
      if (v.size() != static_cast<std::size_t>(n) * dim) {
        return fail(make_error(errc::invalid_field, "values must hold n * dim numbers", "values"));
      }
      quantize_rows(v.data(), n, dim, rows_, scales_);
      exact_ = v;  // f32 rows for the exact re-score of the int8 scan's candidates
      n_ = n;
      dim_ = dim;
      return succeed(json{{"n", n}, {"dim", dim}});
    });
  }

  // Typed-array path (no per-call conversion or JSON): JS writes n * dim floats
  // at valuesBuffer(count) and calls buildBuffer(n, dim) (an envelope); per
  // query it writes dim floats at queryBuffer(), calls topKBuffer(k) -> the
  // number of results (-1 on an error, then lastError() holds the envelope)
  // and reads that many ids / scores at resultItems() / resultScores().
  uintptr_t values_buffer(uint32_t count) {
    rows_.clear();
    n_ = dim_ = 0;
    if (count > max_values) return 0;
    try {
      exact_.assign(count, 0.0f);
    } catch (const std::bad_alloc&) {
      exact_.clear();
      return 0;
    }
    return reinterpret_cast<uintptr_t>(exact_.data());
  }

  std::string build_buffer(uint32_t n, uint32_t dim) {
    return guarded([&] {
      if (dim == 0 || dim > limits::max_embedding_dim) {
        return fail(make_error(errc::limit_exceeded, "dim must be in 1.." + std::to_string(limits::max_embedding_dim), "dim"));
      }
      if (n > limits::max_catalog_items) return fail(make_error(errc::limit_exceeded, "too many rows", "n"));
      if (exact_.size() != static_cast<std::size_t>(n) * dim) {
        return fail(make_error(errc::invalid_field, "values must hold n * dim numbers", "values"));
      }
      quantize_rows(exact_.data(), n, dim, rows_, scales_);
      n_ = n;
      dim_ = dim;
      query_.assign(dim, 0.0f);
      return succeed(json{{"n", n}, {"dim", dim}});
    });
  }

  uintptr_t query_buffer() {
    if (query_.size() != dim_) query_.assign(dim_, 0.0f);
    return reinterpret_cast<uintptr_t>(query_.data());
  }

  int32_t top_k_buffer(uint32_t k) {
    error_.clear();
    embedding_index_view ix{rows_.data(), scales_.data(), n_, dim_, exact_.data()};
    auto r = embedding_top_k(ix, query_.data(), dim_, k);
    if (!r) {
      error_ = fail(r.error());
      return -1;
    }
    result_items_.resize(r->size());
    result_scores_.resize(r->size());
    for (std::size_t i = 0; i < r->size(); ++i) {
      result_items_[i] = (*r)[i].item;
      result_scores_[i] = (*r)[i].score;
    }
    return static_cast<int32_t>(r->size());
  }

  uintptr_t result_items() const { return reinterpret_cast<uintptr_t>(result_items_.data()); }
  uintptr_t result_scores() const { return reinterpret_cast<uintptr_t>(result_scores_.data()); }
  std::string last_error() const { return error_; }

  // {"items":[...], "scores":[...]}
  std::string top_k(const emscripten::val& query, uint32_t k) const {
    return guarded([&] {
      const auto q = emscripten::convertJSArrayToNumberVector<float>(query);
      embedding_index_view ix{rows_.data(), scales_.data(), n_, dim_, exact_.data()};
      auto r = embedding_top_k(ix, q.data(), static_cast<uint32_t>(q.size()), k);
      if (!r) return fail(r.error());
      // Scores printed with 9 significant digits round-trip the float exactly.
      std::string out = "{\"ok\":true,\"value\":{\"items\":[";
      for (std::size_t i = 0; i < r->size(); ++i) {
        if (i) out += ',';
        out += std::to_string((*r)[i].item);
      }
      out += "],\"scores\":[";
      char buf[32];
      for (std::size_t i = 0; i < r->size(); ++i) {
        std::snprintf(buf, sizeof buf, "%s%.9g", i ? "," : "", static_cast<double>((*r)[i].score));
        out += buf;
      }
      out += "]}}";
      return out;
    });
  }

 private:
  static constexpr uint32_t max_values = 1u << 28;  // 1 GiB of f32 values
  std::vector<int8_t> rows_;
  std::vector<float> scales_;
  std::vector<float> exact_;
  std::vector<float> query_;
  std::vector<uint32_t> result_items_;
  std::vector<float> result_scores_;
  std::string error_;
  uint32_t n_ = 0, dim_ = 0;
};

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_topk) {
  emscripten::class_<tailor::wasm::embedding_index>("EmbeddingIndex")
      .constructor<>()
      .function("build", &tailor::wasm::embedding_index::build)
      .function("topK", &tailor::wasm::embedding_index::top_k)
      .function("valuesBuffer", &tailor::wasm::embedding_index::values_buffer)
      .function("buildBuffer", &tailor::wasm::embedding_index::build_buffer)
      .function("queryBuffer", &tailor::wasm::embedding_index::query_buffer)
      .function("topKBuffer", &tailor::wasm::embedding_index::top_k_buffer)
      .function("resultItems", &tailor::wasm::embedding_index::result_items)
      .function("resultScores", &tailor::wasm::embedding_index::result_scores)
      .function("lastError", &tailor::wasm::embedding_index::last_error);
}
