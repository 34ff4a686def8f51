// Content similarity: TF-IDF over title words, category-path prefixes and
// attributes (brand included), cosine between items, top-N per item. Links
// items with no interactions (cold items) to the rest of the catalogue.
#include <algorithm>
#include <cmath>
#include <map>

#include "common/det_math.hpp"
#include "tailor/train.hpp"

namespace tailor {
namespace {

// Lower-cased ASCII words of >= 2 letters/digits; other bytes separate words
// (UTF-8 multi-byte sequences are kept inside words as they are).
void words_of(std::string_view text, std::vector<std::string>& out) {
  std::string w;
  auto flush = [&] {
    if (w.size() >= 2) out.push_back("w:" + w);
    w.clear();
  };
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      w += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      w += static_cast<char>(c - 'A' + 'a');
    } else {
      flush();
    }
  }
  flush();
}

}  // namespace

std::vector<std::string> content_tokens(const content_item& item) {
  std::vector<std::string> t;
  words_of(item.title, t);
  for (std::size_t p = 0; p <= item.category.size(); ++p) {  // every path prefix: "Home", "Home/Kitchen"
    if (p == item.category.size() || item.category[p] == '/') {
      if (p > 0) t.push_back("c:" + item.category.substr(0, p));
    }
  }
  for (const auto& a : item.attributes) t.push_back("a:" + a);
  std::sort(t.begin(), t.end());
  return t;  // duplicates kept: term frequency
}

result<neighbour_lists> content_neighbours(const std::vector<content_item>& items, const content_options& o,
                                           const progress_fn& progress) noexcept {
  try {
    if (o.top_n < 1 || o.top_n > limits::max_neighbours) {
      return make_error(errc::limit_exceeded, "content top_n must be in 1.." + std::to_string(limits::max_neighbours));
    }
    const std::size_t n = items.size();
    // Vocabulary and document frequencies.
    std::map<std::string, uint32_t> vocab;
    std::vector<std::vector<std::pair<uint32_t, double>>> docs(n);  // (term, tf)
    for (std::size_t i = 0; i < n; ++i) {
      const auto toks = content_tokens(items[i]);
      for (std::size_t a = 0; a < toks.size();) {
        std::size_t b = a;
        while (b < toks.size() && toks[b] == toks[a]) ++b;
        auto [it, fresh] = vocab.emplace(toks[a], static_cast<uint32_t>(vocab.size()));
        (void)fresh;
        docs[i].emplace_back(it->second, static_cast<double>(b - a));
        a = b;
      }
    }
    std::vector<uint32_t> df(vocab.size(), 0);
    for (const auto& d : docs) {
      for (const auto& [t, tf] : d) ++df[t];
    }
    // Weights: (1 + ln tf) * ln(1 + n / df), rows L2-normalised; postings per term.
    std::vector<std::vector<std::pair<uint32_t, double>>> postings(vocab.size());
    for (std::size_t i = 0; i < n; ++i) {
      double norm = 0;
      for (auto& [t, w] : docs[i]) {
        w = (1.0 + detail::det_log(w)) * detail::det_log(1.0 + static_cast<double>(n) / df[t]);
        norm += w * w;
      }
      norm = std::sqrt(norm);
      for (auto& [t, w] : docs[i]) {
        w = norm > 0 ? w / norm : 0.0;
        if (df[t] <= o.max_df) postings[t].emplace_back(static_cast<uint32_t>(i), w);
      }
    }
    neighbour_lists out;
    out.offsets.push_back(0);
    std::vector<double> acc(n, 0.0);
    std::vector<uint32_t> touched;
    struct hit {
      uint32_t item;
      float w;
    };
    std::vector<hit> cand;
    for (std::size_t i = 0; i < n; ++i) {
      touched.clear();
      for (const auto& [t, w] : docs[i]) {
        if (df[t] > o.max_df) continue;  // too common to discriminate (and quadratic)
        for (const auto& [j, wj] : postings[t]) {
          if (j == i) continue;
          if (acc[j] == 0.0) touched.push_back(j);
          acc[j] += w * wj;
        }
      }
      cand.clear();
      for (uint32_t j : touched) {
        if (acc[j] >= o.min_similarity) cand.push_back({j, static_cast<float>(acc[j])});
        acc[j] = 0.0;
      }
      auto better = [](const hit& a, const hit& b) { return a.w != b.w ? a.w > b.w : a.item < b.item; };
      if (cand.size() > o.top_n) {
        std::nth_element(cand.begin(), cand.begin() + o.top_n, cand.end(), better);
        cand.resize(o.top_n);
      }
      std::sort(cand.begin(), cand.end(), better);
      for (const auto& c : cand) {
        out.items.push_back(c.item);
        out.weights.push_back(c.w);
      }
      out.offsets.push_back(static_cast<uint32_t>(out.items.size()));
      if (progress && (i % 1024 == 0 || i + 1 == n)) progress("content", (i + 1.0) / static_cast<double>(n));
    }
    return out;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while computing content similarity");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
