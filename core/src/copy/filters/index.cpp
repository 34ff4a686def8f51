// The filter table: one line per filter with its arity, sorted by name.
#include <algorithm>

#include "copy/filters/filters.hpp"

namespace tailor::copy::detail {

namespace {
using namespace filters;
constexpr filter_def table[] = {
    {"abs", abs, 0, 0},
    {"append", append, 1, 1},
    {"at_least", at_least, 1, 1},
    {"at_most", at_most, 1, 1},
    {"capitalize", capitalize, 0, 0},
    {"ceil", ceil, 0, 0},
    {"compact", compact, 0, 1},
    {"concat", concat, 1, 1},
    {"date", date, 1, 2},
    {"default", default_, 1, 1},
    {"divided_by", divided_by, 1, 1},
    {"downcase", downcase, 0, 0},
    {"escape", escape, 0, 0},
    {"escape_once", escape_once, 0, 0},
    {"first", first, 0, 0},
    {"floor", floor, 0, 0},
    {"join", join, 0, 1},
    {"json", json_, 0, 0},
    {"last", last, 0, 0},
    {"lstrip", lstrip, 0, 0},
    {"map", map, 1, 1},
    {"minus", minus, 1, 1},
    {"modulo", modulo, 1, 1},
    {"money", money, 0, 2},
    {"money_with_currency", money_with_currency, 0, 2},
    {"money_without_currency", money_without_currency, 0, 2},
    {"newline_to_br", newline_to_br, 0, 0},
    {"pluralize", pluralize, 2, 2},
    {"plus", plus, 1, 1},
    {"prepend", prepend, 1, 1},
    {"remove", remove, 1, 1},
    {"remove_first", remove_first, 1, 1},
    {"remove_last", remove_last, 1, 1},
    {"replace", replace, 1, 2},
    {"replace_first", replace_first, 1, 2},
    {"replace_last", replace_last, 2, 2},
    {"reverse", reverse, 0, 0},
    {"round", round, 0, 1},
    {"rstrip", rstrip, 0, 0},
    {"size", size, 0, 0},
    {"slice", slice, 1, 2},
    {"sort", sort, 0, 1},
    {"sort_natural", sort_natural, 0, 1},
    {"split", split, 1, 1},
    {"strip", strip, 0, 0},
    {"strip_html", strip_html, 0, 0},
    {"strip_newlines", strip_newlines, 0, 0},
    {"sum", sum, 0, 1},
    {"times", times, 1, 1},
    {"truncate", truncate, 0, 2},
    {"truncatewords", truncatewords, 0, 2},
    {"uniq", uniq, 0, 1},
    {"upcase", upcase, 0, 0},
    {"url_decode", url_decode, 0, 0},
    {"url_encode", url_encode, 0, 0},
    {"where", where, 1, 2},
};
// apply_filters holds positional arguments in an array of this size.
static_assert(std::all_of(std::begin(table), std::end(table), [](const filter_def& d) { return d.max_args <= max_filter_args; }));
}  // namespace

const filter_def* find_filter(std::string_view name) {
  auto it = std::lower_bound(std::begin(table), std::end(table), name,
                             [](const filter_def& d, std::string_view n) { return d.name < n; });
  if (it != std::end(table) && it->name == name) return it;
  return nullptr;
}

}  // namespace tailor::copy::detail
