// The tag table: one line per tag, sorted by name (binary search).
#include <algorithm>

#include "copy/tags/tags.hpp"

namespace tailor::copy::detail {

namespace {
constexpr tag_def table[] = {
    {"#", tags::parse_inline_comment},
    {"assign", tags::parse_assign},
    {"break", tags::parse_break},
    {"capture", tags::parse_capture},
    {"case", tags::parse_case},
    {"continue", tags::parse_continue},
    {"cycle", tags::parse_cycle},
    {"decrement", tags::parse_decrement},
    {"echo", tags::parse_echo},
    {"for", tags::parse_for},
    {"if", tags::parse_if},
    {"increment", tags::parse_increment},
    {"liquid", tags::parse_liquid},
    {"tablerow", tags::parse_tablerow},
    {"unless", tags::parse_unless},
};
}  // namespace

const tag_def* find_tag(std::string_view name) {
  auto it = std::lower_bound(std::begin(table), std::end(table), name,
                             [](const tag_def& d, std::string_view n) { return d.name < n; });
  if (it != std::end(table) && it->name == name) return it;
  return nullptr;
}

namespace tags {
error tag_error(const token& t, std::string msg) {
  return make_error(errc::invalid_field, "tag \"" + std::string(t.name) + "\": " + msg, where_of(t.p));
}
}  // namespace tags

}  // namespace tailor::copy::detail
