// Catalog from CSV (RFC 4180): a header row names the columns; quoted fields
// may hold commas, doubled quotes and line breaks. Errors carry line:column.
#include <unordered_map>

#include "catalog/catalog_impl.hpp"
#include "event/money.hpp"

namespace tailor::catalog_detail {
namespace {

struct field {
  std::string value;
  std::size_t line = 1;
  std::size_t col = 1;
};

std::string at(std::size_t line, std::size_t col) {
  return std::to_string(line) + ":" + std::to_string(col);
}

// Reads one record at a time, tracking line and column (1-based, in bytes).
class csv_reader {
 public:
  explicit csv_reader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
  }

  bool done() const noexcept { return pos_ >= text_.size(); }
  std::size_t line() const noexcept { return line_; }

  // Fills `out`; returns an error for malformed quoting.
  status next(std::vector<field>& out, std::size_t max_fields) {
    out.clear();
    while (true) {
      field f;
      f.line = line_;
      f.col = col_;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        advance();
        while (true) {
          if (pos_ >= text_.size()) {
            return make_error(errc::invalid_csv, "quoted field is never closed", at(f.line, f.col));
          }
          char c = text_[pos_];
          if (c == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              f.value += '"';
              advance();
              advance();
              continue;
            }
            advance();
            break;
          }
          f.value += c;
          advance();
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
          return make_error(errc::invalid_csv, "unexpected character after a closing quote",
                            at(line_, col_));
        }
      } else {
        while (pos_ < text_.size()) {
          char c = text_[pos_];
          if (c == ',' || c == '\n' || c == '\r') break;
          if (c == '"') {
            return make_error(errc::invalid_csv,
                              "a quote inside an unquoted field (quote the whole field and "
                              "double the quote)",
                              at(line_, col_));
          }
          f.value += c;
          advance();
        }
      }
      if (out.size() == max_fields) {
        return make_error(errc::invalid_csv,
                          "record has more than " + std::to_string(max_fields) + " fields",
                          at(f.line, f.col));
      }
      out.push_back(std::move(f));
      if (pos_ >= text_.size()) return ok_value;
      char c = text_[pos_];
      if (c == ',') {
        advance();
        continue;
      }
      // End of record: \n, \r\n or a lone \r.
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      col_ = 1;
      return ok_value;
    }
  }

 private:
  void advance() noexcept {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t col_ = 1;
};

enum class column { id, title, category, brand, price, currency, stock, tags, attribute };

struct column_def {
  column kind;
  std::string attr_name;  // for attribute columns
  std::string header;
};

constexpr std::size_t max_columns = 8 + limits::max_attributes_per_item;

}  // namespace

result<catalog> parse_csv(std::string_view text, const parse_limits& lim) noexcept {
  try {
    if (text.size() > lim.max_bytes) {
      return make_error(errc::limit_exceeded, "catalog is " + std::to_string(text.size()) +
                                                  " bytes; the limit is " +
                                                  std::to_string(lim.max_bytes));
    }
    csv_reader reader(text);
    std::vector<field> rec;
    if (reader.done()) return make_error(errc::invalid_csv, "the CSV has no header row", "1:1");
    if (auto s = reader.next(rec, max_columns); !s) return s.error();

    std::vector<column_def> cols;
    int seen_mask = 0;
    for (const auto& f : rec) {
      std::string name(trim(f.value));
      const std::string where = at(f.line, f.col);
      column_def def{column::attribute, {}, name};
      static constexpr std::pair<const char*, column> known[] = {
          {"id", column::id},       {"title", column::title},   {"category", column::category},
          {"brand", column::brand}, {"price", column::price},   {"currency", column::currency},
          {"stock", column::stock}, {"tags", column::tags}};
      bool found = false;
      for (const auto& [n, k] : known) {
        if (name == n) {
          def.kind = k;
          found = true;
          int bit = 1 << static_cast<int>(k);
          if (seen_mask & bit) {
            return make_error(errc::invalid_csv, "column \"" + name + "\" appears twice", where);
          }
          seen_mask |= bit;
        }
      }
      if (!found) {
        if (name.rfind("attr.", 0) != 0) {
          return make_error(errc::unknown_field,
                            "unknown column \"" + name.substr(0, 64) +
                                "\"; expected id, title, category, brand, price, currency, "
                                "stock, tags or attr.<name>",
                            where);
        }
        def.attr_name = name.substr(5);
        if (auto s = check_name(def.attr_name, where); !s) return s.error();
        for (const auto& c : cols) {
          if (c.kind == column::attribute && c.attr_name == def.attr_name) {
            return make_error(errc::invalid_csv, "column \"" + name + "\" appears twice", where);
          }
        }
      }
      cols.push_back(std::move(def));
    }
    for (auto [k, n] : {std::pair{column::id, "id"}, std::pair{column::price, "price"},
                        std::pair{column::currency, "currency"}}) {
      if (!(seen_mask & (1 << static_cast<int>(k)))) {
        return make_error(errc::missing_field, std::string("the header has no \"") + n + "\" column",
                          "1:1");
      }
    }

    std::vector<item> items;
    std::unordered_map<std::string, std::size_t> seen;
    while (!reader.done()) {
      if (auto s = reader.next(rec, max_columns); !s) return s.error();
      if (rec.size() == 1 && rec[0].value.empty()) continue;  // blank line
      const std::string rec_at = at(rec[0].line, rec[0].col);
      if (rec.size() != cols.size()) {
        return make_error(errc::invalid_csv,
                          "record has " + std::to_string(rec.size()) + " fields; the header has " +
                              std::to_string(cols.size()),
                          rec_at);
      }
      if (items.size() == lim.max_items) {
        return make_error(errc::limit_exceeded,
                          "catalog has more than " + std::to_string(lim.max_items) + " items",
                          rec_at);
      }
      item it;
      // Currency first: the price's decimals depend on it.
      std::size_t price_col = 0;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        const field& f = rec[c];
        const std::string where = at(f.line, f.col);
        switch (cols[c].kind) {
          case column::id: {
            std::string_view v = trim(f.value);
            if (auto s = check_id(v, where); !s) return s.error();
            it.id = std::string(v);
            break;
          }
          case column::title:
            if (auto s = check_text(f.value, limits::max_string_bytes, where); !s) return s.error();
            it.title = f.value;
            break;
          case column::category:
            if (auto s = check_text(f.value, limits::max_string_bytes, where); !s) return s.error();
            if (auto s = split_category(f.value, it.category, where); !s) return s.error();
            break;
          case column::brand: {
            std::string_view v = trim(f.value);
            if (auto s = check_text(v, limits::max_id_bytes, where); !s) return s.error();
            it.brand = std::string(v);
            break;
          }
          case column::price:
            price_col = c;
            break;
          case column::currency: {
            std::string_view v = trim(f.value);
            if (!detail::is_currency_code(v)) {
              return make_error(errc::invalid_field,
                                "currency must be a 3-letter ISO 4217 code like \"GBP\"", where);
            }
            it.currency = std::string(v);
            break;
          }
          case column::stock:
            if (!trim(f.value).empty()) {
              auto st = parse_stock_text(f.value, where);
              if (!st) return st.error();
              it.stock = st.value();
            }
            break;
          case column::tags: {
            if (auto s = check_text(f.value, limits::max_string_bytes * 8, where); !s) return s.error();
            std::string_view rest = f.value;
            while (!trim(rest).empty()) {
              std::size_t bar = rest.find('|');
              std::string_view tag = trim(rest.substr(0, bar));
              if (auto s = add_tag(it.tags, std::string(tag), where); !s) return s.error();
              if (bar == std::string_view::npos) break;
              rest = rest.substr(bar + 1);
            }
            break;
          }
          case column::attribute:
            if (!f.value.empty()) {
              if (auto s = add_attribute(it, cols[c].attr_name, f.value, where); !s) return s.error();
            }
            break;
        }
      }
      const field& pf = rec[price_col];
      auto price = parse_price_text(pf.value, it.currency, at(pf.line, pf.col));
      if (!price) return price.error();
      it.price_minor = price.value();
      auto [first, fresh] = seen.emplace(it.id, rec[0].line);
      if (!fresh) {
        return make_error(errc::duplicate_id,
                          "item id \"" + it.id + "\" appears twice (first on line " +
                              std::to_string(first->second) + ")",
                          rec_at);
      }
      items.push_back(std::move(it));
    }
    return catalog::from_items(std::move(items));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor::catalog_detail
