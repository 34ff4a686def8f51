// A strict RFC 4180 reader (commas, double-quoted fields with "" escapes,
// LF or CRLF line ends) that reports errors as "line:column".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::cli {

// One field: the same bound as tailor::limits::max_csv_field_bytes (the eval importer).
inline constexpr std::size_t max_csv_field_bytes = 1024;
inline constexpr std::size_t max_csv_fields = 1024;

class csv_reader {
 public:
  explicit csv_reader(std::string_view text) : text_(text) {}

  // Reads the next record into `fields`. Returns false at the end of input.
  // A malformed record yields an errc::invalid_csv error naming line:column.
  [[nodiscard]] result<bool> next(std::vector<std::string>& fields);

  // 1-based line on which the last record returned by next() started.
  std::size_t record_line() const noexcept { return record_line_; }
  // 1-based column of field i of the last record.
  std::size_t field_column(std::size_t i) const noexcept {
    return i < columns_.size() ? columns_[i] : 0;
  }

 private:
  error fail(std::string message) const;
  error too_long() const;

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t record_line_ = 0;
  std::vector<std::size_t> columns_;
};

}  // namespace tailor::cli
