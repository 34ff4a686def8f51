// The bundle: one versioned binary artifact every decision reads.
//
// Layout (little-endian; every section starts on a 64-byte boundary):
//   header (64 bytes): magic "TAILORB\0", u32 format_version, u32 section_count,
//     u64 total_size, u64 content_hash (hash_v1 of the whole file with this field
//     zeroed), 32 reserved zero bytes;
//   section table: section_count x {u32 id, u32 reserved(0), u64 offset, u64 size};
//   sections (ids below). Unknown section ids are rejected (format_version says what exists).
// Loading validates everything (sizes, offsets, alignment, hash, sortedness, ranges,
// finiteness) and then reads the bytes in place, without copying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"
#include "tailor/train.hpp"

namespace tailor {

// Version 2 added the content-similarity sections (18..20), version 3 the
// per-segment trending sections (21..24), version 4 the optional per-item typical
// repurchase gap (25, the ranker's "due" feature); older bundles are still read,
// with empty content lists / no segments / no repurchase gaps. A newer bundle is an error naming both
// versions (rebuild it with this Tailor, or upgrade the reader).
inline constexpr uint32_t bundle_format_version = 4;
inline constexpr uint32_t bundle_min_format_version = 1;
inline constexpr std::size_t bundle_header_bytes = 64;
inline constexpr std::size_t bundle_alignment = 64;

namespace limits {
inline constexpr std::size_t max_bundle_bytes = std::size_t{1} << 30;
inline constexpr uint32_t max_bundle_sections = 32;
inline constexpr uint32_t max_embedding_dim = 1024;
inline constexpr std::size_t max_bundle_config_bytes = 1u << 20;
}  // namespace limits

enum class section_id : uint32_t {
  config = 1,            // JSON text: slots, defaults, model facts
  item_ids = 2,          // string table, ids strictly ascending
  item_titles = 3,       // string table
  categories = 4,        // string table of category paths
  item_meta = 5,         // n x {i64 price_minor, u32 category (or 0xFFFFFFFF), u32 flags (bit0 in stock)}
  popularity = 6,        // f32[n]
  trending = 7,          // f32[n]
  repeat_rate = 8,       // f32[n]
  covisit_offsets = 9,   // u32[n+1]
  covisit_items = 10,    // u32[nnz]
  covisit_weights = 11,  // f32[nnz]
  ease_offsets = 12,
  ease_items = 13,
  ease_weights = 14,
  embedding_info = 15,   // {u32 dim, u32 kind(1 = int8 + f32 scale per item)}
  embeddings = 16,       // int8[n * dim]
  embedding_scales = 17, // f32[n]
  content_offsets = 18,  // u32[n+1]   (format version >= 2)
  content_items = 19,    // u32[nnz]
  content_weights = 20,  // f32[nnz]   TF-IDF cosine of titles, category paths, attributes
  segment_ids = 21,      // string table, ids strictly ascending   (format version >= 3)
  segment_offsets = 22,  // u32[segments+1]
  segment_items = 23,    // u32[nnz]   per segment: its trending items, best first
  segment_weights = 24,  // f32[nnz]   time-decayed weighted interactions of the segment's shoppers
  repeat_gap_days = 25,  // f32[n]     typical days between a shopper's purchases of the item (version >= 4;
                         //            optional: written when the model has them), finite and > 0
};

// Item metadata carried in the bundle (catalog facts the serving rules need).
struct bundle_item {
  std::string id;
  std::string title;
  std::string category;   // path "Home/Kitchen" ("" = none)
  int64_t price_minor = 0;
  bool in_stock = true;
};

// Item embeddings (row-major n x dim), quantised to int8 + per-item scale on write.
struct item_embeddings {
  uint32_t dim = 0;
  std::vector<float> values;
};

// Writes a bundle. `items` must match the model's items (same ids, same order);
// `config_json` is validated as a slot configuration (see recommend.hpp).
[[nodiscard]] result<std::string> write_bundle(const model& m, const std::vector<bundle_item>& items,
                                               std::string_view config_json,
                                               const item_embeddings& embeddings = {}) noexcept;

// hash_v1: FNV-1a 64 over 8-byte little-endian words, then the tail bytes.
uint64_t bundle_hash_v1(const uint8_t* data, std::size_t size) noexcept;

// A validated, read-only view of bundle bytes. The bytes must outlive the view.
class bundle_view {
 public:
  uint32_t item_count() const noexcept { return n_; }
  std::string_view item_id(uint32_t i) const noexcept;
  std::string_view item_title(uint32_t i) const noexcept;
  std::string_view item_category(uint32_t i) const noexcept;  // "" if none
  uint32_t item_category_index(uint32_t i) const noexcept;    // 0xFFFFFFFF if none
  int64_t item_price_minor(uint32_t i) const noexcept;
  bool item_in_stock(uint32_t i) const noexcept;
  // Index of an id, or -1.
  int64_t find_item(std::string_view id) const noexcept;

  const float* popularity() const noexcept { return pop_; }
  const float* trending() const noexcept { return trend_; }
  const float* repeat_rate() const noexcept { return repeat_; }
  // The trained repurchase gap per item (model::repeat_gap_days), or nullptr
  // when the bundle has none (before format version 4, or not written).
  const float* repeat_gap_days() const noexcept { return repeat_gap_; }

  struct neighbours {
    const uint32_t* items = nullptr;
    const float* weights = nullptr;
    uint32_t count = 0;
  };
  neighbours covisit(uint32_t i) const noexcept;
  neighbours ease(uint32_t i) const noexcept;
  neighbours content(uint32_t i) const noexcept;  // empty in version 1 bundles

  // Shopper segments with trending lists (none before format version 3).
  uint32_t segment_count() const noexcept { return segment_ids_.count; }
  std::string_view segment_id(uint32_t s) const noexcept;
  int64_t find_segment(std::string_view id) const noexcept;  // index, or -1
  neighbours segment_trending(uint32_t s) const noexcept;    // items best first; weights > 0

  uint32_t embedding_dim() const noexcept { return dim_; }
  const int8_t* embeddings() const noexcept { return emb_; }
  const float* embedding_scales() const noexcept { return scales_; }

  std::string_view config_json() const noexcept { return config_; }
  uint64_t content_hash() const noexcept { return hash_; }
  uint32_t format_version() const noexcept { return version_; }
  std::size_t size_bytes() const noexcept { return size_; }

 private:
  friend result<bundle_view> open_bundle(std::string_view bytes) noexcept;
  struct strings {
    const uint32_t* offsets = nullptr;
    const char* chars = nullptr;
    uint32_t count = 0;
    std::string_view at(uint32_t i) const noexcept;
  };
  struct csr {
    const uint32_t* offsets = nullptr;
    const uint32_t* items = nullptr;
    const float* weights = nullptr;
  };
  uint32_t n_ = 0;
  strings ids_, titles_, categories_, segment_ids_;
  const uint8_t* meta_ = nullptr;
  const float* pop_ = nullptr;
  const float* trend_ = nullptr;
  const float* repeat_ = nullptr;
  const float* repeat_gap_ = nullptr;
  csr covisit_, ease_, content_;
  const uint32_t* segment_offsets_ = nullptr;
  const uint32_t* segment_items_ = nullptr;
  const float* segment_weights_ = nullptr;
  uint32_t dim_ = 0;
  const int8_t* emb_ = nullptr;
  const float* scales_ = nullptr;
  std::string_view config_;
  uint64_t hash_ = 0;
  uint32_t version_ = 0;
  std::size_t size_ = 0;
};

// Validates and opens bundle bytes in place. `bytes.data()` must be 8-byte aligned
// (std::string, malloc and wasm heap allocations are); a misaligned buffer is an error.
// Errors: invalid_state with `where` naming the header field or section.
[[nodiscard]] result<bundle_view> open_bundle(std::string_view bytes) noexcept;

}  // namespace tailor
