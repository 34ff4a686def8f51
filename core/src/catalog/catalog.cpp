#include "tailor/catalog.hpp"

#include <algorithm>
#include <array>

#include "catalog/catalog_impl.hpp"
#include "common/json.hpp"
#include "event/money.hpp"

namespace tailor {
namespace {

constexpr std::array<std::string_view, feature_kind_count> kind_names{"category", "brand",
                                                                     "price_band", "tag"};

const std::vector<uint32_t>& lookup(const std::map<std::string, std::vector<uint32_t>>& m,
                                    const std::string& key) noexcept {
  static const std::vector<uint32_t> none;  // immutable, so not global mutable state
  auto it = m.find(key);
  return it == m.end() ? none : it->second;
}

}  // namespace

std::string_view feature_kind_name(feature_kind kind) noexcept {
  auto i = static_cast<std::size_t>(kind);
  return i < kind_names.size() ? kind_names[i] : "unknown";
}

std::optional<feature_kind> parse_feature_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == name) return static_cast<feature_kind>(i);
  }
  return std::nullopt;
}

std::string category_key(const std::vector<std::string>& path, std::size_t depth) {
  std::string out;
  for (std::size_t i = 0; i < depth && i < path.size(); ++i) {
    if (i) out += category_separator;
    out += path[i];
  }
  return out;
}

std::optional<uint32_t> catalog::index_of(const std::string& id) const noexcept {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

const item* catalog::find(const std::string& id) const noexcept {
  auto i = index_of(id);
  return i ? &items_[*i] : nullptr;
}

const std::vector<uint32_t>& catalog::in_category(const std::string& path) const noexcept {
  return lookup(by_category_, path);
}
const std::vector<uint32_t>& catalog::with_brand(const std::string& brand) const noexcept {
  return lookup(by_brand_, brand);
}
const std::vector<uint32_t>& catalog::with_tag(const std::string& tag) const noexcept {
  return lookup(by_tag_, tag);
}

result<catalog> catalog::from_items(std::vector<item> items) noexcept {
  try {
    if (items.size() > limits::max_catalog_items) {
      return make_error(errc::limit_exceeded, "catalog has " + std::to_string(items.size()) +
                                                  " items; the limit is " +
                                                  std::to_string(limits::max_catalog_items));
    }
    catalog c;
    c.items_ = std::move(items);
    c.by_id_.reserve(c.items_.size());
    for (std::size_t i = 0; i < c.items_.size(); ++i) {
      const item& it = c.items_[i];
      auto idx = static_cast<uint32_t>(i);
      if (!c.by_id_.emplace(it.id, idx).second) {
        return make_error(errc::duplicate_id, "item id \"" + it.id + "\" appears twice",
                          "items[" + std::to_string(i) + "].id");
      }
      for (std::size_t d = 1; d <= it.category.size(); ++d) {
        c.by_category_[category_key(it.category, d)].push_back(idx);
      }
      if (!it.brand.empty()) c.by_brand_[it.brand].push_back(idx);
      for (const auto& t : it.tags) c.by_tag_[t].push_back(idx);
    }
    // Intern features in sorted key order per kind: ids do not depend on item order.
    std::map<std::string, uint32_t> cat_ids, brand_ids, tag_ids;
    auto intern = [&c](const std::map<std::string, std::vector<uint32_t>>& src, feature_kind kind,
                       std::map<std::string, uint32_t>& ids) {
      for (const auto& [key, _] : src) {
        ids.emplace(key, static_cast<uint32_t>(c.features_.size()));
        c.features_.push_back(feature{kind, key});
      }
    };
    intern(c.by_category_, feature_kind::category, cat_ids);
    intern(c.by_brand_, feature_kind::brand, brand_ids);
    intern(c.by_tag_, feature_kind::tag, tag_ids);
    c.feature_offsets_.reserve(c.items_.size() + 1);
    c.feature_offsets_.push_back(0);
    for (const item& it : c.items_) {
      for (std::size_t d = 1; d <= it.category.size(); ++d) {
        c.feature_ids_.push_back(cat_ids[category_key(it.category, d)]);
      }
      if (!it.brand.empty()) c.feature_ids_.push_back(brand_ids[it.brand]);
      for (const auto& t : it.tags) c.feature_ids_.push_back(tag_ids[t]);
      c.feature_offsets_.push_back(static_cast<uint32_t>(c.feature_ids_.size()));
    }
    return c;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string encode_item(const item& it) {
  detail::json j = detail::json::object();
  j["id"] = it.id;
  j["title"] = it.title;
  j["category"] = it.category;
  if (!it.brand.empty()) j["brand"] = it.brand;
  j["price"] = detail::from_minor_units(it.price_minor, it.currency);
  j["currency"] = it.currency;
  if (it.stock) j["stock"] = *it.stock;
  j["tags"] = it.tags;
  detail::json attrs = detail::json::object();
  for (const auto& [k, v] : it.attributes) attrs[k] = v;
  j["attributes"] = std::move(attrs);
  return detail::dump_json(j);
}

result<catalog> parse_catalog_jsonl(std::string_view text) noexcept {
  return catalog_detail::parse_jsonl(text, catalog_detail::parse_limits{});
}

result<catalog> parse_catalog_csv(std::string_view text) noexcept {
  return catalog_detail::parse_csv(text, catalog_detail::parse_limits{});
}

namespace catalog_detail {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

status check_text(std::string_view s, std::size_t max_bytes, const std::string& where) {
  if (s.size() > max_bytes) {
    return make_error(errc::limit_exceeded,
                      "string is " + std::to_string(s.size()) + " bytes; the limit is " +
                          std::to_string(max_bytes),
                      where);
  }
  if (!detail::is_valid_utf8(s)) return make_error(errc::invalid_field, "is not valid UTF-8", where);
  return ok_value;
}

status check_name(std::string_view s, const std::string& where) {
  if (s.empty()) return make_error(errc::invalid_field, "must not be empty", where);
  return check_text(s, limits::max_id_bytes, where);
}

status check_id(std::string_view s, const std::string& where) {
  if (s.empty()) return make_error(errc::missing_field, "item id is missing or empty", where);
  return check_text(s, limits::max_id_bytes, where);
}

status check_category(const std::vector<std::string>& path, const std::string& where) {
  if (path.size() > limits::max_category_depth) {
    return make_error(errc::limit_exceeded,
                      "category path has " + std::to_string(path.size()) +
                          " levels; the limit is " + std::to_string(limits::max_category_depth),
                      where);
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string p = detail::path_index(where, i);
    if (auto s = check_name(path[i], p); !s) return s;
    if (path[i].find(category_separator) != std::string::npos) {
      return make_error(errc::invalid_field, "a category name must not contain '>'", p);
    }
  }
  return ok_value;
}

status split_category(std::string_view s, std::vector<std::string>& out, const std::string& where) {
  out.clear();
  s = trim(s);
  if (s.empty()) return ok_value;
  std::size_t pos = 0;
  while (true) {
    std::size_t end = s.find(category_separator, pos);
    std::string_view part = trim(s.substr(pos, end == std::string_view::npos ? s.npos : end - pos));
    if (out.size() == limits::max_category_depth) {
      return make_error(errc::limit_exceeded,
                        "category path is deeper than " +
                            std::to_string(limits::max_category_depth) + " levels",
                        where);
    }
    if (part.empty()) return make_error(errc::invalid_field, "empty category level", where);
    if (auto st = check_text(part, limits::max_id_bytes, where); !st) return st;
    out.emplace_back(part);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return ok_value;
}

status add_tag(std::vector<std::string>& tags, std::string tag, const std::string& where) {
  if (auto s = check_name(tag, where); !s) return s;
  if (tags.size() == limits::max_tags_per_item) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_tags_per_item) + " tags", where);
  }
  if (std::find(tags.begin(), tags.end(), tag) != tags.end()) {
    return make_error(errc::invalid_field, "tag \"" + tag + "\" is listed twice", where);
  }
  tags.push_back(std::move(tag));
  return ok_value;
}

status add_attribute(item& it, std::string name, std::string value, const std::string& where) {
  if (auto s = check_name(name, where); !s) return s;
  if (auto s = check_text(value, limits::max_string_bytes, where); !s) return s;
  if (it.attributes.size() == limits::max_attributes_per_item) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_attributes_per_item) +
                          " attributes",
                      where);
  }
  auto pos = std::lower_bound(it.attributes.begin(), it.attributes.end(), name,
                              [](const auto& a, const std::string& n) { return a.first < n; });
  if (pos != it.attributes.end() && pos->first == name) {
    return make_error(errc::invalid_field, "attribute \"" + name + "\" is given twice", where);
  }
  it.attributes.emplace(pos, std::move(name), std::move(value));
  return ok_value;
}

result<int64_t> parse_price_text(std::string_view s, std::string_view currency,
                                 const std::string& where) {
  s = trim(s);
  if (s.empty()) return make_error(errc::missing_field, "price is missing", where);
  const int exponent = detail::currency_exponent(currency);
  int64_t major = 0;
  int64_t frac = 0;
  int frac_digits = 0;
  std::size_t i = 0;
  bool any_digit = false;
  auto bad = [&] {
    return make_error(errc::invalid_field,
                      "price must be a non-negative decimal like 12.50, got \"" +
                          std::string(s.substr(0, 32)) + "\"",
                      where);
  };
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    any_digit = true;
    major = major * 10 + (s[i] - '0');
    if (major > limits::max_price_minor) return make_error(errc::invalid_field, "price is too large", where);
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      any_digit = true;
      if (frac_digits == exponent) {
        if (s[i] != '0') {
          return make_error(errc::invalid_field,
                            "price has more decimals than " + std::string(currency) +
                                " allows (" + std::to_string(exponent) + ")",
                            where);
        }
        continue;
      }
      frac = frac * 10 + (s[i] - '0');
      ++frac_digits;
    }
  }
  if (!any_digit || i != s.size()) return bad();
  for (int k = frac_digits; k < exponent; ++k) frac *= 10;
  int64_t scale = 1;
  for (int k = 0; k < exponent; ++k) scale *= 10;
  if (major > limits::max_price_minor / scale) {
    return make_error(errc::invalid_field, "price is too large", where);
  }
  int64_t minor = major * scale + frac;
  if (minor > limits::max_price_minor) return make_error(errc::invalid_field, "price is too large", where);
  return minor;
}

result<int64_t> parse_stock_text(std::string_view s, const std::string& where) {
  s = trim(s);
  int64_t v = 0;
  if (s.empty()) return make_error(errc::invalid_field, "stock is empty", where);
  for (char c : s) {
    if (c < '0' || c > '9') {
      return make_error(errc::invalid_field,
                        "stock must be a non-negative integer, got \"" +
                            std::string(s.substr(0, 32)) + "\"",
                        where);
    }
    v = v * 10 + (c - '0');
    if (v > max_stock) {
      return make_error(errc::invalid_field,
                        "stock must be at most " + std::to_string(max_stock), where);
    }
  }
  return v;
}

}  // namespace catalog_detail
}  // namespace tailor
