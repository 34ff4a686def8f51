// The embedding source: the shopper's vector is folded in on the fly from the
// anchor items (their recent events, the context, the cart) and matched against
// the bundle's int8 item embeddings. No server, no solve: x_u V, then V v_j.
#include <algorithm>

#include "recommend/sources.hpp"

namespace tailor::recommend_detail {

std::vector<float> fold_in_anchors(const bundle_view& b, const std::map<uint32_t, double>& anchors) {
  const uint32_t dim = b.embedding_dim();
  std::vector<float> u;
  if (dim == 0 || b.embeddings() == nullptr) return u;
  std::vector<double> acc(dim, 0.0);
  bool any = false;
  for (const auto& [item, strength] : anchors) {
    if (item >= b.item_count() || !(strength > 0)) continue;
    const float scale = b.embedding_scales()[item];
    if (scale == 0.0f) continue;
    const int8_t* row = b.embeddings() + static_cast<std::size_t>(item) * dim;
    const double f = strength * static_cast<double>(scale);
    for (uint32_t c = 0; c < dim; ++c) acc[c] += f * static_cast<double>(row[c]);
    any = true;
  }
  if (!any) return u;
  u.resize(dim);
  for (uint32_t c = 0; c < dim; ++c) u[c] = static_cast<float>(acc[c]);
  return u;
}

std::vector<scored_item> embedding_source(const bundle_view& b, const std::map<uint32_t, double>& anchors,
                                          uint32_t k) {
  std::vector<scored_item> out;
  const auto u = fold_in_anchors(b, anchors);
  if (u.empty()) return out;
  embedding_index_view ix;
  ix.rows = b.embeddings();
  ix.scales = b.embedding_scales();
  ix.n = b.item_count();
  ix.dim = b.embedding_dim();
  auto top = embedding_top_k(ix, u.data(), ix.dim, std::min<uint32_t>(k, limits::max_rec_size * 10));
  if (!top) return out;
  for (const auto& s : top.value()) {
    if (s.score > 0.0f) out.push_back(s);
  }
  return out;
}

int64_t embedding_because(const bundle_view& b, const std::map<uint32_t, double>& anchors, uint32_t item) {
  const uint32_t dim = b.embedding_dim();
  if (dim == 0 || b.embeddings() == nullptr || item >= b.item_count()) return -1;
  const int8_t* target = b.embeddings() + static_cast<std::size_t>(item) * dim;
  int64_t best = -1;
  double best_v = 0.0;
  for (const auto& [a, strength] : anchors) {
    if (a == item || a >= b.item_count() || !(strength > 0)) continue;
    const int8_t* row = b.embeddings() + static_cast<std::size_t>(a) * dim;
    int32_t dot = 0;
    for (uint32_t c = 0; c < dim; ++c) dot += static_cast<int32_t>(row[c]) * static_cast<int32_t>(target[c]);
    const double v = strength * static_cast<double>(b.embedding_scales()[a]) * static_cast<double>(dot);
    if (v > best_v) {
      best_v = v;
      best = a;
    }
  }
  return best;
}

}  // namespace tailor::recommend_detail
