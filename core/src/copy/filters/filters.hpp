// The built-in filters, one family per file, registered in index.cpp.
#pragma once

#include "copy/internal.hpp"

namespace tailor::copy::detail::filters {

#define TAILOR_FILTER(name) result<value> name(const value& in, const filter_args& a, render_ctx& ctx, pos p)

// string.cpp
TAILOR_FILTER(append); TAILOR_FILTER(prepend); TAILOR_FILTER(capitalize); TAILOR_FILTER(downcase);
TAILOR_FILTER(upcase); TAILOR_FILTER(escape); TAILOR_FILTER(escape_once); TAILOR_FILTER(lstrip);
TAILOR_FILTER(rstrip); TAILOR_FILTER(strip); TAILOR_FILTER(strip_html); TAILOR_FILTER(strip_newlines);
TAILOR_FILTER(newline_to_br); TAILOR_FILTER(remove); TAILOR_FILTER(remove_first); TAILOR_FILTER(remove_last);
TAILOR_FILTER(replace); TAILOR_FILTER(replace_first); TAILOR_FILTER(replace_last); TAILOR_FILTER(slice);
TAILOR_FILTER(split); TAILOR_FILTER(truncate); TAILOR_FILTER(truncatewords); TAILOR_FILTER(url_encode);
TAILOR_FILTER(url_decode); TAILOR_FILTER(size); TAILOR_FILTER(default_); TAILOR_FILTER(json_);
// math.cpp
TAILOR_FILTER(abs); TAILOR_FILTER(at_least); TAILOR_FILTER(at_most); TAILOR_FILTER(ceil);
TAILOR_FILTER(divided_by); TAILOR_FILTER(floor); TAILOR_FILTER(minus); TAILOR_FILTER(modulo);
TAILOR_FILTER(plus); TAILOR_FILTER(round); TAILOR_FILTER(times);
// array.cpp
TAILOR_FILTER(compact); TAILOR_FILTER(concat); TAILOR_FILTER(first); TAILOR_FILTER(join);
TAILOR_FILTER(last); TAILOR_FILTER(map); TAILOR_FILTER(reverse); TAILOR_FILTER(sort);
TAILOR_FILTER(sort_natural); TAILOR_FILTER(sum); TAILOR_FILTER(uniq); TAILOR_FILTER(where);
// date.cpp
TAILOR_FILTER(date);
// tailor.cpp
TAILOR_FILTER(money); TAILOR_FILTER(money_with_currency); TAILOR_FILTER(money_without_currency);
TAILOR_FILTER(pluralize);

#undef TAILOR_FILTER

// Shared helpers.
std::string arg_text(const filter_args& a, std::size_t i, std::string_view fallback = "");
// Result string, charged to the memory budget.
result<value> charged(render_ctx& ctx, pos p, std::string s);
result<value> charged_array(render_ctx& ctx, pos p, std::vector<value> v);
// `default` applies to nil, false (unless allow_false), "" and empty arrays / hashes.
bool default_applies(const value& v, bool allow_false);

}  // namespace tailor::copy::detail::filters
