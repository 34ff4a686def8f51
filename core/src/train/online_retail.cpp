// Importer of the UCI Online Retail CSV into Tailor purchase events and the
// next-period test truth, following the protocol in the data set's README.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "tailor/train.hpp"

namespace tailor {
namespace {

constexpr std::array<std::string_view, 8> header{"InvoiceNo", "StockCode",   "Description",
                                                  "Quantity",  "InvoiceDate", "UnitPrice",
                                                  "CustomerID", "Country"};

// A small RFC 4180 reader: quoted fields, "" escapes, CRLF or LF.
class csv_reader {
 public:
  explicit csv_reader(std::string_view text) : t_(text) {}
  bool done() const { return pos_ >= t_.size(); }
  std::size_t line() const { return line_; }

  // Reads one record into fields; returns an error naming line:column.
  status next(std::vector<std::string>& fields) {
    fields.clear();
    ++line_;
    std::string cur;
    std::size_t col = 1;
    while (true) {
      cur.clear();
      if (pos_ < t_.size() && t_[pos_] == '"') {
        ++pos_;
        while (true) {
          if (pos_ >= t_.size()) {
            return make_error(errc::invalid_csv, "unterminated quoted field",
                              std::to_string(line_) + ":" + std::to_string(col));
          }
          char c = t_[pos_++];
          if (c == '"') {
            if (pos_ < t_.size() && t_[pos_] == '"') {
              cur.push_back('"');
              ++pos_;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line_;
            cur.push_back(c);
          }
          if (cur.size() > limits::max_csv_field_bytes) {
            return make_error(errc::limit_exceeded, "field longer than " +
                                  std::to_string(limits::max_csv_field_bytes) + " bytes",
                              std::to_string(line_) + ":" + std::to_string(col));
          }
        }
        if (pos_ < t_.size() && t_[pos_] != ',' && t_[pos_] != '\n' && t_[pos_] != '\r') {
          return make_error(errc::invalid_csv, "text after a closing quote",
                            std::to_string(line_) + ":" + std::to_string(col));
        }
      } else {
        while (pos_ < t_.size() && t_[pos_] != ',' && t_[pos_] != '\n' && t_[pos_] != '\r') {
          if (t_[pos_] == '"') {
            return make_error(errc::invalid_csv, "quote inside an unquoted field",
                              std::to_string(line_) + ":" + std::to_string(col));
          }
          cur.push_back(t_[pos_++]);
          if (cur.size() > limits::max_csv_field_bytes) {
            return make_error(errc::limit_exceeded, "field longer than " +
                                  std::to_string(limits::max_csv_field_bytes) + " bytes",
                              std::to_string(line_) + ":" + std::to_string(col));
          }
        }
      }
      fields.push_back(cur);
      if (pos_ >= t_.size()) return ok_value;
      char c = t_[pos_++];
      if (c == ',') {
        ++col;
        continue;
      }
      if (c == '\r' && pos_ < t_.size() && t_[pos_] == '\n') ++pos_;
      return ok_value;
    }
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
};

bool parse_digits(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 15) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (!parse_digits(s, out)) return false;
  if (neg) out = -out;
  return true;
}

// "2.55" -> 255 minor units (half up at the third decimal); sets `rounded`.
bool parse_price_minor(std::string_view s, int64_t& minor, bool& rounded, bool& positive) {
  rounded = false;
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  auto dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  int64_t whole = 0;
  if (ip.empty()) {
    if (fp.empty()) return false;
  } else if (!parse_digits(ip, whole) || whole > 1'000'000'000) {
    return false;
  }
  int64_t frac2 = 0;
  bool any_frac = false;
  for (std::size_t i = 0; i < fp.size(); ++i) {
    char c = fp[i];
    if (c < '0' || c > '9') return false;
    if (c != '0') any_frac = true;
    if (i < 2) frac2 = frac2 * 10 + (c - '0');
  }
  for (std::size_t i = fp.size(); i < 2; ++i) frac2 *= 10;
  if (fp.size() > 2) {
    bool nonzero_tail = false;
    for (std::size_t i = 2; i < fp.size(); ++i) nonzero_tail |= fp[i] != '0';
    rounded = nonzero_tail;
    if (fp[2] >= '5') ++frac2;
  }
  minor = whole * 100 + frac2;
  positive = !neg && (whole > 0 || any_frac);
  if (neg) minor = -minor;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct kept_line {
  std::string invoice;
  std::string title;
  std::string item;
  std::string uid;
  int32_t quantity = 0;
  int64_t price_minor = 0;
  int64_t ts_ms = 0;
};

}  // namespace

result<int64_t> parse_utc_datetime(std::string_view s) noexcept {
  auto bad = [&] {
    return make_error(errc::invalid_field,
                      "expected a UTC date \"YYYY-MM-DD\" or \"YYYY-MM-DD HH:MM\", got \"" +
                          std::string(s.substr(0, 40)) + "\"");
  };
  if (s.size() != 10 && s.size() != 16) return bad();
  if (s[4] != '-' || s[7] != '-') return bad();
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (!parse_digits(s.substr(0, 4), y) || !parse_digits(s.substr(5, 2), mo) ||
      !parse_digits(s.substr(8, 2), d)) {
    return bad();
  }
  if (s.size() == 16) {
    if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':') return bad();
    if (!parse_digits(s.substr(11, 2), h) || !parse_digits(s.substr(14, 2), mi)) return bad();
  }
  static constexpr int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59) {
    return bad();
  }
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return bad();
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000;
}

result<online_retail_split> import_online_retail(std::string_view csv,
                                                 const online_retail_options& opt) noexcept {
  try {
    if (csv.size() > limits::max_csv_bytes) {
      return make_error(errc::limit_exceeded, "CSV larger than " +
                                                  std::to_string(limits::max_csv_bytes) + " bytes");
    }
    if (opt.max_lines_per_event < 1 || opt.max_lines_per_event > limits::max_items_per_event) {
      return make_error(errc::invalid_config, "max_lines_per_event must be in 1.." +
                                                  std::to_string(limits::max_items_per_event));
    }
    csv_reader rd(csv);
    std::vector<std::string> f;
    if (rd.done()) return make_error(errc::invalid_csv, "empty file: no header", "1:1");
    if (auto s = rd.next(f); !s) return s.error();
    if (!f.empty() && f[0].rfind("\xEF\xBB\xBF", 0) == 0) f[0].erase(0, 3);
    if (f.size() != header.size() || !std::equal(f.begin(), f.end(), header.begin())) {
      return make_error(errc::invalid_csv,
                        "header must be InvoiceNo,StockCode,Description,Quantity,InvoiceDate,"
                        "UnitPrice,CustomerID,Country",
                        "1:1");
    }
    online_retail_split out;
    std::vector<kept_line> train, test;
    while (!rd.done()) {
      if (auto s = rd.next(f); !s) return s.error();
      const std::size_t ln = rd.line();
      if (f.size() == 1 && f[0].empty()) continue;  // blank line
      auto at = [&](int col) { return std::to_string(ln) + ":" + std::to_string(col); };
      if (f.size() != header.size()) {
        return make_error(errc::invalid_csv,
                          "expected 8 columns, got " + std::to_string(f.size()), at(1));
      }
      ++out.rows;
      int64_t qty = 0;
      if (!parse_int(f[3], qty)) return make_error(errc::invalid_csv, "Quantity is not an integer", at(4));
      auto ts = parse_utc_datetime(f[4]);
      if (!ts) return make_error(errc::invalid_csv, ts.error().message, at(5));
      int64_t minor = 0;
      bool rounded = false, positive = false;
      if (!parse_price_minor(f[5], minor, rounded, positive)) {
        return make_error(errc::invalid_csv, "UnitPrice is not a decimal number", at(6));
      }
      const std::string& inv = f[0];
      const std::string& code = f[1];
      std::string uid = f[6];
      if (uid.size() > 2 && uid.compare(uid.size() - 2, 2, ".0") == 0) uid.resize(uid.size() - 2);
      // The protocol's filter.
      if (uid.empty() || inv.empty() || inv[0] == 'C' || qty <= 0 || !positive) continue;
      if (code.size() < 5 ||
          !std::all_of(code.begin(), code.begin() + 5, [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      if (inv.size() > limits::max_id_bytes - 8 || code.size() > limits::max_id_bytes ||
          uid.size() > limits::max_id_bytes) {
        return make_error(errc::limit_exceeded, "id longer than " +
                                                    std::to_string(limits::max_id_bytes) + " bytes",
                          at(1));
      }
      if (qty > limits::max_quantity) {
        return make_error(errc::limit_exceeded,
                          "Quantity above " + std::to_string(limits::max_quantity), at(4));
      }
      ++out.kept_lines;
      if (rounded) ++out.prices_rounded;
      kept_line kl{inv, f[2], code, uid, static_cast<int32_t>(qty), minor, ts.value()};
      if (ts.value() < opt.split_ts_ms) {
        train.push_back(std::move(kl));
      } else if (opt.until_ts_ms == 0 || ts.value() < opt.until_ts_ms) {
        test.push_back(std::move(kl));
      }
    }
    out.train_lines = train.size();
    out.test_lines = test.size();

    // Train events: one purchase per invoice (lines are grouped by invoice in
    // first-seen order), split into chunks of max_lines_per_event.
    std::map<std::string, std::size_t> invoice_index;
    std::vector<std::vector<const kept_line*>> invoices;
    for (const auto& l : train) {
      auto [it, fresh] = invoice_index.emplace(l.invoice, invoices.size());
      if (fresh) invoices.emplace_back();
      invoices[it->second].push_back(&l);
    }
    std::set<std::string> train_items;
    std::set<std::string> train_users;
    for (const auto& lines : invoices) {
      const kept_line& first = *lines.front();
      for (std::size_t start = 0, chunk = 0; start < lines.size();
           start += opt.max_lines_per_event, ++chunk) {
        event ev;
        ev.type = event_type::purchase;
        ev.id = "or-" + first.invoice + (chunk ? "-" + std::to_string(chunk) : "");
        ev.ts_ms = first.ts_ms;
        ev.uid = first.uid;
        ev.order_id = first.invoice;
        ev.currency = "GBP";
        for (std::size_t i = start; i < std::min(lines.size(), start + opt.max_lines_per_event);
             ++i) {
          ev.lines.push_back(line_item{lines[i]->item, lines[i]->quantity, lines[i]->price_minor});
          train_items.insert(lines[i]->item);
        }
        train_users.insert(first.uid);
        out.train.push_back(std::move(ev));
      }
    }
    out.train_items = train_items.size();
    {
      std::map<std::string, item_fact> facts;
      for (const auto& l : train) {  // file order: later lines overwrite
        auto& f2 = facts[l.item];
        f2.id = l.item;
        if (!l.title.empty()) f2.title = l.title;
        f2.price_minor = l.price_minor;
      }
      for (auto& [id, fact] : facts) out.items.push_back(std::move(fact));
    }

    // Test truth: distinct train-known items per shopper who also bought in train.
    std::map<std::string, std::set<std::string>> truth;
    for (const auto& l : test) {
      if (!train_users.count(l.uid) || !train_items.count(l.item)) continue;
      truth[l.uid].insert(l.item);
    }
    for (auto& [uid, items] : truth) {
      out.test.push_back(shopper_truth{uid, std::vector<std::string>(items.begin(), items.end())});
    }
    std::map<std::string, std::size_t> test_invoice;
    for (const auto& l : test) {
      if (!train_items.count(l.item)) continue;
      auto [it, fresh] = test_invoice.emplace(l.invoice, out.test_sessions.size());
      if (fresh) out.test_sessions.emplace_back();
      out.test_sessions[it->second].push_back(l.item);
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
