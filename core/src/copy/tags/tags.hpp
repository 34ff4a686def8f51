// Parse functions of the built-in tags, one family per file, registered in index.cpp.
#pragma once

#include "copy/internal.hpp"

namespace tailor::copy::detail::tags {

result<node_ptr> parse_if(const token& t, parser& ps);
result<node_ptr> parse_unless(const token& t, parser& ps);
result<node_ptr> parse_case(const token& t, parser& ps);
result<node_ptr> parse_for(const token& t, parser& ps);
result<node_ptr> parse_tablerow(const token& t, parser& ps);
result<node_ptr> parse_break(const token& t, parser& ps);
result<node_ptr> parse_continue(const token& t, parser& ps);
result<node_ptr> parse_cycle(const token& t, parser& ps);
result<node_ptr> parse_assign(const token& t, parser& ps);
result<node_ptr> parse_capture(const token& t, parser& ps);
result<node_ptr> parse_increment(const token& t, parser& ps);
result<node_ptr> parse_decrement(const token& t, parser& ps);
result<node_ptr> parse_echo(const token& t, parser& ps);
result<node_ptr> parse_liquid(const token& t, parser& ps);
result<node_ptr> parse_inline_comment(const token& t, parser& ps);

// Errors for a tag's arguments, positioned at the tag.
error tag_error(const token& t, std::string msg);

}  // namespace tailor::copy::detail::tags
