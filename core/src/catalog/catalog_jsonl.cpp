// Catalog from JSON Lines: one strict item object per line.
#include <unordered_map>

#include "catalog/catalog_impl.hpp"
#include "common/json.hpp"
#include "event/money.hpp"

namespace tailor::catalog_detail {
namespace {

using detail::json;

status read_string_array(const json& j, const char* key, const std::string& where,
                         std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok_value;
  const std::string path = detail::path_join(where, key);
  if (!it->is_array()) {
    return make_error(errc::invalid_field, std::string("expected an array, got ") + it->type_name(),
                      path);
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string()) {
      return make_error(errc::invalid_field,
                        std::string("expected a string, got ") + v.type_name(),
                        detail::path_index(path, i));
    }
    out.push_back(v.get<std::string>());
  }
  return ok_value;
}

result<item> decode_item(const json& j, const std::string& where) {
  if (!j.is_object()) {
    return make_error(errc::invalid_field,
                      std::string("an item must be an object, got ") + j.type_name(), where);
  }
  if (auto s = detail::check_known_keys(j, {"id", "title", "category", "brand", "price",
                                            "currency", "stock", "tags", "attributes"},
                                        where);
      !s) {
    return s.error();
  }
  item it;
  auto id = detail::read_string(j, "id", where, limits::max_id_bytes, true);
  if (!id) return id.error();
  it.id = std::move(id.value());
  auto title = detail::read_string(j, "title", where, limits::max_string_bytes, false);
  if (!title) return title.error();
  it.title = std::move(title.value());
  auto brand = detail::read_string(j, "brand", where, limits::max_id_bytes, false);
  if (!brand) return brand.error();
  it.brand = std::move(brand.value());

  const std::string cat_path = detail::path_join(where, "category");
  if (auto c = j.find("category"); c != j.end() && c->is_string()) {
    if (auto s = check_text(c->get_ref<const std::string&>(), limits::max_string_bytes, cat_path); !s)
      return s.error();
    if (auto s = split_category(c->get_ref<const std::string&>(), it.category, cat_path); !s)
      return s.error();
  } else {
    if (c != j.end() && c->is_array() && c->size() > limits::max_category_depth) {
      return make_error(errc::limit_exceeded,
                        "category path has " + std::to_string(c->size()) +
                            " levels; the limit is " + std::to_string(limits::max_category_depth),
                        cat_path);
    }
    if (auto s = read_string_array(j, "category", where, it.category); !s) return s.error();
    if (auto s = check_category(it.category, cat_path); !s) return s.error();
  }

  auto cur = detail::read_string(j, "currency", where, 3, true);
  if (!cur) return cur.error();
  if (!detail::is_currency_code(cur.value())) {
    return make_error(errc::invalid_field, "must be a 3-letter ISO 4217 code like \"GBP\"",
                      detail::path_join(where, "currency"));
  }
  it.currency = std::move(cur.value());
  auto price = detail::read_number(j, "price", where, -1e300, 1e300, true);
  if (!price) return price.error();
  auto minor = detail::to_minor_units(price.value(), it.currency);
  if (!minor) {
    return make_error(minor.error().code, minor.error().message, detail::path_join(where, "price"));
  }
  it.price_minor = minor.value();

  if (j.contains("stock") && !j["stock"].is_null()) {
    auto stock = detail::read_int(j, "stock", where, 0, max_stock, false);
    if (!stock) return stock.error();
    it.stock = stock.value();
  }

  const std::string tags_path = detail::path_join(where, "tags");
  if (auto t = j.find("tags"); t != j.end() && t->is_array() && t->size() > limits::max_tags_per_item) {
    return make_error(errc::limit_exceeded,
                      "more than " + std::to_string(limits::max_tags_per_item) + " tags", tags_path);
  }
  std::vector<std::string> tags;
  if (auto s = read_string_array(j, "tags", where, tags); !s) return s.error();
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (auto s = add_tag(it.tags, std::move(tags[i]), detail::path_index(tags_path, i)); !s)
      return s.error();
  }

  if (auto a = j.find("attributes"); a != j.end() && !a->is_null()) {
    const std::string apath = detail::path_join(where, "attributes");
    if (!a->is_object()) {
      return make_error(errc::invalid_field,
                        std::string("expected an object, got ") + a->type_name(), apath);
    }
    if (a->size() > limits::max_attributes_per_item) {
      return make_error(errc::limit_exceeded,
                        "more than " + std::to_string(limits::max_attributes_per_item) +
                            " attributes",
                        apath);
    }
    for (auto kv = a->begin(); kv != a->end(); ++kv) {
      const std::string p = detail::path_join(apath, kv.key());
      if (!kv.value().is_string()) {
        return make_error(errc::invalid_field,
                          std::string("attribute values are strings, got ") +
                              kv.value().type_name(),
                          p);
      }
      if (auto s = add_attribute(it, kv.key(), kv.value().get<std::string>(), p); !s)
        return s.error();
    }
  }
  return it;
}

}  // namespace

result<catalog> parse_jsonl(std::string_view text, const parse_limits& lim) noexcept {
  try {
    if (text.size() > lim.max_bytes) {
      return make_error(errc::limit_exceeded, "catalog is " + std::to_string(text.size()) +
                                                  " bytes; the limit is " +
                                                  std::to_string(lim.max_bytes));
    }
    std::vector<item> items;
    std::unordered_map<std::string, std::size_t> seen;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      const std::string where = "line " + std::to_string(line_no);
      if (items.size() == lim.max_items) {
        return make_error(errc::limit_exceeded,
                          "catalog has more than " + std::to_string(lim.max_items) + " items",
                          where);
      }
      auto j = detail::parse_json(line, limits::max_json_bytes, limits::max_json_depth);
      if (!j) {
        auto e = std::move(j).error();
        e.where = where + (e.where.empty() ? "" : " " + e.where);
        return e;
      }
      auto it = decode_item(j.value(), "");
      if (!it) {
        auto e = std::move(it).error();
        e.where = where + (e.where.empty() ? "" : ": " + e.where);
        return e;
      }
      auto [first, fresh] = seen.emplace(it->id, line_no);
      if (!fresh) {
        return make_error(errc::duplicate_id,
                          "item id \"" + it->id + "\" appears twice (first on line " +
                              std::to_string(first->second) + ")",
                          where + ": id");
      }
      items.push_back(std::move(it.value()));
    }
    auto c = catalog::from_items(std::move(items));
    return c;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor::catalog_detail
