// The catalog: the store's items, validated and indexed. Loaded from JSON
// Lines or from CSV (header-driven); a bad line rejects the whole load, with
// an error naming the line (and column, for CSV) and the field.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tailor/common.hpp"

namespace tailor {

// One item. Money is int64 minor units of `currency` (ISO 4217).
struct item {
  std::string id;
  std::string title;
  std::vector<std::string> category;  // path from the root, at most limits::max_category_depth
  std::string brand;                  // "" when unknown
  int64_t price_minor = 0;
  std::string currency;
  std::optional<int64_t> stock;       // units on hand; absent when not tracked
  std::vector<std::string> tags;      // distinct, in input order
  std::vector<std::pair<std::string, std::string>> attributes;  // sorted by name, distinct names
};

// What a shopper can have an affinity for (see profile.hpp).
enum class feature_kind : uint8_t { category, brand, price_band, tag };
inline constexpr int feature_kind_count = 4;

std::string_view feature_kind_name(feature_kind kind) noexcept;
std::optional<feature_kind> parse_feature_kind(std::string_view name) noexcept;

// An interned feature: a category path prefix ("Home>Kitchen"), a brand, or a
// tag. Price bands depend on the profile config and are interned there.
struct feature {
  feature_kind kind = feature_kind::category;
  std::string key;
};

// Joins a category path with the separator used in keys and CSV: {"A","B"} -> "A>B".
std::string category_key(const std::vector<std::string>& path, std::size_t depth);
inline constexpr char category_separator = '>';

class catalog {
 public:
  catalog() = default;

  std::size_t size() const noexcept { return items_.size(); }
  const std::vector<item>& items() const noexcept { return items_; }

  // Index of an item by id, or nullopt.
  std::optional<uint32_t> index_of(const std::string& id) const noexcept;
  const item* find(const std::string& id) const noexcept;

  // Item indices (ascending, i.e. in load order) under a category path prefix
  // ("Home" or "Home>Kitchen"), with a brand, or with a tag. Empty when none.
  const std::vector<uint32_t>& in_category(const std::string& path) const noexcept;
  const std::vector<uint32_t>& with_brand(const std::string& brand) const noexcept;
  const std::vector<uint32_t>& with_tag(const std::string& tag) const noexcept;

  // Every category prefix, brand and tag (sorted maps: deterministic order).
  const std::map<std::string, std::vector<uint32_t>>& categories() const noexcept { return by_category_; }
  const std::map<std::string, std::vector<uint32_t>>& brands() const noexcept { return by_brand_; }
  const std::map<std::string, std::vector<uint32_t>>& tags() const noexcept { return by_tag_; }

  // Interned features (category prefixes, brand, tags) and, per item, the ids
  // of its features: item i owns feature_ids()[feature_offsets()[i] ..
  // feature_offsets()[i+1]). Ids index features(); they follow sorted key order.
  const std::vector<feature>& features() const noexcept { return features_; }
  const std::vector<uint32_t>& feature_ids() const noexcept { return feature_ids_; }
  const std::vector<uint32_t>& feature_offsets() const noexcept { return feature_offsets_; }

  // Builds the indices over validated items. Fails on a duplicate id.
  [[nodiscard]] static result<catalog> from_items(std::vector<item> items) noexcept;

 private:
  std::vector<item> items_;
  std::unordered_map<std::string, uint32_t> by_id_;
  std::map<std::string, std::vector<uint32_t>> by_category_;
  std::map<std::string, std::vector<uint32_t>> by_brand_;
  std::map<std::string, std::vector<uint32_t>> by_tag_;
  std::vector<feature> features_;
  std::vector<uint32_t> feature_ids_;
  std::vector<uint32_t> feature_offsets_;
};

// JSON Lines: one item object per line, blank lines skipped. Fields: id
// (required), title, category (array of names, or "A>B"), brand, price
// (major units, required), currency (required), stock, tags (array),
// attributes (object of strings). Unknown fields are errors. `where` is
// "line N: field".
[[nodiscard]] result<catalog> parse_catalog_jsonl(std::string_view text) noexcept;

// CSV (RFC 4180), header-driven: columns id, title, category ("A>B"), brand,
// price, currency, stock, tags ("a|b"), and attr.<name>; any order; id, price
// and currency are required. `where` is "line:column" (1-based).
[[nodiscard]] result<catalog> parse_catalog_csv(std::string_view text) noexcept;

// Canonical JSON of one item (keys sorted, price in major units).
std::string encode_item(const item& it);

}  // namespace tailor
