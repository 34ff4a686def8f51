// Money on the wire is a decimal number in major units ("price": 12.5);
// inside the core it is int64 minor units of an ISO 4217 currency.
#pragma once

#include <cstdint>
#include <string_view>

#include "tailor/common.hpp"

namespace tailor::detail {

bool is_currency_code(std::string_view code) noexcept;

// Decimal places of a currency: 0 for JPY, KRW, ...; 3 for BHD, KWD, ...; else 2.
int currency_exponent(std::string_view code) noexcept;

// 12.5 GBP -> 1250. Rejects negative, non-finite, too large, or more decimals
// than the currency has (12.345 GBP).
[[nodiscard]] result<int64_t> to_minor_units(double major, std::string_view currency);

// 1250 GBP -> 12.5
double from_minor_units(int64_t minor, std::string_view currency) noexcept;

}  // namespace tailor::detail
