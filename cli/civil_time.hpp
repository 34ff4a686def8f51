// Calendar dates to UTC milliseconds (proleptic Gregorian), without <chrono>
// or the C library's time zone state.
#pragma once

#include <cstdint>

namespace tailor::cli {

// Days since 1970-01-01 (Howard Hinnant's days_from_civil algorithm).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t utc_ms(int64_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0,
                         unsigned s = 0) noexcept {
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + static_cast<int64_t>(s) * 1000;
}

constexpr bool is_leap(int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static_assert(utc_ms(1970, 1, 1) == 0);
static_assert(utc_ms(2010, 12, 1, 8, 26) == 1291191960000);
static_assert(utc_ms(2000, 3, 1) == 951868800000);

}  // namespace tailor::cli
