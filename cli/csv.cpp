#include "csv.hpp"

namespace tailor::cli {

error csv_reader::fail(std::string message) const {
  return make_error(errc::invalid_csv, std::move(message),
                    std::to_string(line_) + ":" + std::to_string(pos_ - line_start_ + 1));
}

error csv_reader::too_long() const {
  // Where the field starts (a quoted field may span lines: then where the overflow is).
  const std::size_t column = record_line_ == line_ ? columns_.back() : pos_ - line_start_ + 1;
  return make_error(errc::invalid_csv,
                    "field longer than " + std::to_string(max_csv_field_bytes) + " bytes",
                    std::to_string(line_) + ":" + std::to_string(column));
}

result<bool> csv_reader::next(std::vector<std::string>& fields) {
  fields.clear();
  columns_.clear();
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  for (;;) {
    if (fields.size() >= max_csv_fields) return fail("more than " + std::to_string(max_csv_fields) + " fields");
    columns_.push_back(pos_ - line_start_ + 1);
    std::string field;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size()) return fail("unterminated quoted field");
        const char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (c == '\n') {
          ++line_;
          line_start_ = pos_ + 1;
        }
        field += c;
        ++pos_;
        if (field.size() > max_csv_field_bytes) return too_long();
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        return fail("unexpected character after a closing quote");
      }
    } else {
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        if (text_[pos_] == '"') return fail("quote inside an unquoted field");
        field += text_[pos_++];
        if (field.size() > max_csv_field_bytes) return too_long();
      }
    }
    fields.push_back(std::move(field));
    if (pos_ >= text_.size()) return true;
    const char c = text_[pos_];
    if (c == ',') {
      ++pos_;
      continue;
    }
    if (c == '\r') {
      if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n') return fail("carriage return without line feed");
      ++pos_;
    }
    ++pos_;  // '\n'
    ++line_;
    line_start_ = pos_;
    return true;
  }
}

}  // namespace tailor::cli
