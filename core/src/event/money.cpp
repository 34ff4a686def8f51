#include "event/money.hpp"

#include <cmath>

namespace tailor::detail {
namespace {

constexpr std::string_view zero_decimal[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF",
                                             "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
                                             "XAF", "XOF", "XPF"};
constexpr std::string_view three_decimal[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};

double scale_of(std::string_view currency) noexcept {
  double s = 1.0;
  for (int i = 0; i < currency_exponent(currency); ++i) s *= 10.0;
  return s;
}

}  // namespace

bool is_currency_code(std::string_view code) noexcept {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

int currency_exponent(std::string_view code) noexcept {
  for (auto c : zero_decimal) {
    if (c == code) return 0;
  }
  for (auto c : three_decimal) {
    if (c == code) return 3;
  }
  return 2;
}

result<int64_t> to_minor_units(double major, std::string_view currency) {
  if (!std::isfinite(major)) return make_error(errc::invalid_field, "price must be finite");
  if (major < 0) return make_error(errc::invalid_field, "price must not be negative");
  double scaled = major * scale_of(currency);
  if (scaled > static_cast<double>(limits::max_price_minor)) {
    return make_error(errc::invalid_field, "price is too large");
  }
  double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-6 * (1.0 + rounded)) {
    return make_error(errc::invalid_field,
                      "price has more decimals than " + std::string(currency) + " allows (" +
                          std::to_string(currency_exponent(currency)) + ")");
  }
  return static_cast<int64_t>(rounded);
}

double from_minor_units(int64_t minor, std::string_view currency) noexcept {
  return static_cast<double>(minor) / scale_of(currency);
}

}  // namespace tailor::detail
