// Embind: an int8 embedding index for top-k search (SIMD in wasm). Used by the
// storefront for embedding retrieval and by bench/recommend-topk.mjs.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdio>

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
  std::vector<int8_t> rows_;
  std::vector<float> scales_;
  std::vector<float> exact_;
  uint32_t n_ = 0, dim_ = 0;
};

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_topk) {
  emscripten::class_<tailor::wasm::embedding_index>("EmbeddingIndex")
      .constructor<>()
      .function("build", &tailor::wasm::embedding_index::build)
      .function("topK", &tailor::wasm::embedding_index::top_k);
}
