// Variables: assign, capture, increment, decrement, echo; and the `liquid`
// tag (one tag per line) and inline comments.
#include <cctype>

#include "copy/tags/tags.hpp"

namespace tailor::copy::detail::tags {

namespace {

struct assign_node final : node {
  std::string name;
  expr_ptr e;
  status render(render_ctx& ctx, std::string&) const override {
    auto v = eval(*e, ctx);
    if (!v) return v.error();
    if (auto s = ctx.charge(p, kValueCharge + name.size()); !s) return s;
    ctx.set_assign(name, std::move(v.value()));
    return ok_value;
  }
};

struct capture_node final : node {
  std::string name;
  block body;
  status render(render_ctx& ctx, std::string& out) const override {
    std::string buf;
    if (auto s = render_block(body, ctx, buf); !s) return s;
    (void)out;
    if (auto s = ctx.charge(p, kValueCharge + name.size()); !s) return s;
    ctx.set_assign(name, value::string(std::move(buf)));
    return ok_value;
  }
};

struct counter_node final : node {
  std::string name;
  int64_t delta = 1;
  status render(render_ctx& ctx, std::string& out) const override {
    int64_t* c = nullptr;
    for (auto& kv : ctx.counters) if (kv.first == name) c = &kv.second;
    if (!c) { ctx.counters.emplace_back(name, 0); c = &ctx.counters.back().second; }
    int64_t shown;
    if (delta > 0) { shown = *c; *c += 1; }
    else { *c -= 1; shown = *c; }
    return ctx.emit(p, out, std::to_string(shown));
  }
};

struct echo_node final : node {
  expr_ptr e;
  status render(render_ctx& ctx, std::string& out) const override {
    auto v = eval(*e, ctx);
    if (!v) return v.error();
    return ctx.emit(p, out, to_text(v.value()));
  }
};

struct block_node final : node {
  block body;
  status render(render_ctx& ctx, std::string& out) const override { return render_block(body, ctx, out); }
};

result<std::string> name_arg(const token& t, lexer& lx) {
  lx.skip_ws();
  std::string_view r = lx.rest();
  if (!r.empty() && (r[0] == '"' || r[0] == '\'')) {
    std::size_t c = r.find(r[0], 1);
    if (c == std::string_view::npos) return lx.err("quoted name not closed");
    lx.set_offset(lx.offset() + c + 1);
    return std::string(r.substr(1, c - 1));
  }
  std::string_view n = lx.ident();
  if (n.empty()) return tag_error(t, "variable name expected");
  return std::string(n);
}

}  // namespace

result<node_ptr> parse_assign(const token& t, parser& ps) {
  lexer lx(t.args, t.args_p);
  auto name = name_arg(t, lx);
  if (!name) return name.error();
  if (!lx.eat_char('=')) return lx.err("\"=\" expected");
  if (lx.eof()) return tag_error(t, "value expected after \"=\"");
  auto e = parse_filtered(lx, ps);
  if (!e) return e.error();
  if (!lx.eof()) return lx.err("unexpected text in assign");
  auto n = std::make_unique<assign_node>();
  n->p = t.p;
  ps.declare(name.value());
  n->name = std::move(name.value());
  n->e = std::move(e.value());
  return node_ptr(std::move(n));
}

result<node_ptr> parse_capture(const token& t, parser& ps) {
  lexer lx(t.args, t.args_p);
  auto name = name_arg(t, lx);
  if (!name) return name.error();
  if (!lx.eof()) return lx.err("unexpected text in capture");
  auto n = std::make_unique<capture_node>();
  n->p = t.p;
  n->name = std::move(name.value());
  const token* end = nullptr;
  if (auto s = ps.parse_until(n->body, {"endcapture"}, &end, t.name, t.p); !s) return s.error();
  ps.declare(n->name);
  return node_ptr(std::move(n));
}

static result<node_ptr> parse_counter(const token& t, int64_t delta) {
  lexer lx(t.args, t.args_p);
  std::string_view name = lx.ident();
  if (name.empty()) return tag_error(t, "variable name expected");
  if (!lx.eof()) return lx.err("unexpected text");
  auto n = std::make_unique<counter_node>();
  n->p = t.p;
  n->name = std::string(name);
  n->delta = delta;
  return node_ptr(std::move(n));
}

result<node_ptr> parse_increment(const token& t, parser&) { return parse_counter(t, 1); }
result<node_ptr> parse_decrement(const token& t, parser&) { return parse_counter(t, -1); }

result<node_ptr> parse_echo(const token& t, parser& ps) {
  lexer lx(t.args, t.args_p);
  auto n = std::make_unique<echo_node>();
  n->p = t.p;
  if (lx.eof()) {
    auto e = std::make_unique<expr>();
    e->k = expr::kind::literal;
    n->e = std::move(e);
    return node_ptr(std::move(n));
  }
  auto e = parse_filtered(lx, ps);
  if (!e) return e.error();
  if (!lx.eof()) return lx.err("unexpected text in echo");
  n->e = std::move(e.value());
  return node_ptr(std::move(n));
}

result<node_ptr> parse_inline_comment(const token&, parser&) { return node_ptr(); }

result<node_ptr> parse_liquid(const token& t, parser& ps) {
  // Each non-empty line is one tag; positions follow the source.
  std::vector<token> toks;
  pos p = t.args_p;
  std::string_view s = t.args;
  std::size_t i = 0;
  bool in_comment = false;
  while (i <= s.size()) {
    std::size_t e = s.find('\n', i);
    if (e == std::string_view::npos) e = s.size();
    std::string_view line = s.substr(i, e - i);
    pos lp = p;
    std::size_t lead = 0;
    while (lead < line.size() && std::isspace(static_cast<unsigned char>(line[lead]))) ++lead;
    for (std::size_t k = 0; k < lead; ++k) if ((static_cast<unsigned char>(line[k]) & 0xC0) != 0x80) ++lp.col;
    line.remove_prefix(lead);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (!line.empty()) {
      token tk;
      tk.k = token::kind::tag;
      tk.p = lp;
      tk.body = line;
      tk.body_p = lp;
      std::size_t n = 0;
      if (line[0] == '#') n = 1;
      else while (n < line.size() && (std::isalnum(static_cast<unsigned char>(line[n])) || line[n] == '_')) ++n;
      if (n == 0) return make_error(errc::invalid_field, "tag name expected in liquid tag", where_of(lp));
      tk.name = line.substr(0, n);
      std::size_t a = n;
      while (a < line.size() && std::isspace(static_cast<unsigned char>(line[a]))) ++a;
      tk.args = line.substr(a);
      tk.args_p = lp;
      for (std::size_t k = 0; k < a; ++k) if ((static_cast<unsigned char>(line[k]) & 0xC0) != 0x80) ++tk.args_p.col;
      if (tk.name == "comment") in_comment = true;
      else if (tk.name == "endcomment") in_comment = false;
      else if (!in_comment) toks.push_back(tk);
    }
    ++p.line;
    p.col = 1;
    i = e + 1;
  }
  // A liquid tag nests like a block: `{% liquid liquid liquid ... %}` on one
  // line would otherwise recurse once per word.
  if (ps.depth + 1 > limits::max_nesting_depth)
    return make_error(errc::limit_exceeded,
                      "blocks nested deeper than " + std::to_string(limits::max_nesting_depth), where_of(t.p));
  parser sub{toks};
  sub.nodes = ps.nodes;
  sub.depth = ps.depth + 1;
  sub.variables = ps.variables;
  sub.data_paths = ps.data_paths;
  sub.declared = ps.declared;
  sub.loops = ps.loops;
  auto n = std::make_unique<block_node>();
  n->p = t.p;
  if (auto st = sub.parse_until(n->body, {}, nullptr, "", t.p); !st) return st.error();
  ps.nodes = sub.nodes;
  ps.declared = std::move(sub.declared);
  return node_ptr(std::move(n));
}

}  // namespace tailor::copy::detail::tags
