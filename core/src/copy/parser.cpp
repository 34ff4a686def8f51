// Parser: tokens -> AST. Expressions (literals, variables, ranges, filters,
// conditions) are parsed here; each tag parses its own arguments through the
// tag table (tags/index.cpp).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "copy/internal.hpp"

namespace tailor::copy::detail {

namespace {
bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
}  // namespace

void lexer::skip_ws() {
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
}

bool lexer::eat_str(std::string_view t) {
  skip_ws();
  if (s_.compare(i_, t.size(), t) == 0) { i_ += t.size(); return true; }
  return false;
}

bool lexer::peek_word(std::string_view w) {
  skip_ws();
  if (s_.compare(i_, w.size(), w) != 0) return false;
  std::size_t k = i_ + w.size();
  return k >= s_.size() || !(ident_char(s_[k]) || s_[k] == '?');
}

bool lexer::eat_word(std::string_view w) {
  if (!peek_word(w)) return false;
  i_ += w.size();
  return true;
}

std::string_view lexer::ident() {
  skip_ws();
  if (i_ >= s_.size() || !ident_start(s_[i_])) return {};
  std::size_t b = i_;
  while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
  if (i_ < s_.size() && s_[i_] == '?') ++i_;
  return s_.substr(b, i_ - b);
}

pos lexer::here() const { return pos_at(i_); }

pos lexer::pos_at(std::size_t i_) const {
  if (i_ < cache_i_) { cache_i_ = 0; cache_p_ = start_; }
  pos p = cache_p_;
  std::size_t k = cache_i_;
  for (; k < i_ && k < s_.size(); ++k) {
    unsigned char c = static_cast<unsigned char>(s_[k]);
    if (c == '\n') { ++p.line; p.col = 1; }
    else if ((c & 0xC0) != 0x80) ++p.col;
  }
  cache_i_ = k;
  cache_p_ = p;
  return p;
}

error lexer::err(std::string msg) const {
  std::size_t k = i_;
  while (k < s_.size() && s_[k] == ' ') ++k;
  std::string near = std::string(s_.substr(k, 20));
  if (k >= s_.size()) msg += " (at end of expression)";
  else msg += " near \"" + near + "\"";
  return make_error(errc::invalid_field, std::move(msg), where_of(pos_at(k)));
}

status parser::count_node(pos p) {
  if (++nodes > limits::max_parse_nodes)
    return make_error(errc::limit_exceeded,
                      "template has more than " + std::to_string(limits::max_parse_nodes) + " nodes",
                      where_of(p));
  return ok_value;
}

namespace {

void note_variable(parser& ps, std::string_view root) {
  if (!ps.variables || root == "forloop" || root == "tablerowloop") return;
  for (const auto& d : ps.declared) if (d == root) return;
  for (const auto& v : *ps.variables) if (v == root) return;
  ps.variables->emplace_back(root);
}

void note_data_path(parser& ps, const expr& e) {
  bool complete = false;
  if (auto path = static_data_path(ps, e, complete)) note_whole(ps, std::move(*path));
}

}  // namespace

std::optional<data_path> static_data_path(const parser& ps, const expr& e, bool& complete) {
  data_path path;
  auto bound = std::find_if(ps.loops.rbegin(), ps.loops.rend(), [&](const auto& l) { return l.name == e.root; });
  if (bound != ps.loops.rend()) {
    if (!bound->elements) return std::nullopt;
    path = *bound->elements;
  } else {
    path.push_back({e.root, false});
  }
  complete = true;
  for (const auto& k : e.path) {
    std::string_view key = k->k == expr::kind::literal && k->lit.is_string() ? k->lit.str() : std::string_view("size");
    if (key == "size" || key == "first" || key == "last") { complete = false; break; }
    path.push_back({std::string(key), false});
  }
  return path;
}

void note_whole(parser& ps, data_path path) {
  if (!ps.data_paths) return;
  while (path.back().each) path.pop_back();  // the root is always a key
  for (const auto& q : *ps.data_paths) if (q == path) return;
  ps.data_paths->push_back(std::move(path));
}

namespace {

result<expr_ptr> parse_number(lexer& lx) {
  lx.skip_ws();
  std::string_view r = lx.rest();
  std::size_t k = 0;
  if (k < r.size() && r[k] == '-') ++k;
  std::size_t digits = k;
  while (k < r.size() && std::isdigit(static_cast<unsigned char>(r[k]))) ++k;
  if (k == digits) return lx.err("number expected");
  bool is_float = false;
  if (k + 1 < r.size() && r[k] == '.' && std::isdigit(static_cast<unsigned char>(r[k + 1]))) {
    is_float = true;
    ++k;
    while (k < r.size() && std::isdigit(static_cast<unsigned char>(r[k]))) ++k;
  }
  auto e = std::make_unique<expr>();
  e->k = expr::kind::literal;
  e->p = lx.here();
  std::string text(r.substr(0, k));
  if (is_float) {
    e->lit = value::number(std::strtod(text.c_str(), nullptr));
  } else {
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE) return lx.err("integer literal out of range");
    e->lit = value::integer(static_cast<int64_t>(v));
  }
  lx.set_offset(lx.offset() + k);
  return e;
}

}  // namespace

namespace {
struct depth_guard {
  std::size_t& d;
  explicit depth_guard(std::size_t& x) : d(x) { ++d; }
  ~depth_guard() { --d; }
};
}  // namespace

result<expr_ptr> parse_primary(lexer& lx, parser& ps) {
  depth_guard g(ps.expr_depth);
  if (ps.expr_depth > limits::max_nesting_depth)
    return make_error(errc::limit_exceeded,
                      "expression nested deeper than " + std::to_string(limits::max_nesting_depth),
                      where_of(lx.here()));
  lx.skip_ws();
  std::string_view r = lx.rest();
  if (r.empty()) return lx.err("value expected");
  pos p = lx.here();
  char c = r[0];
  if (c == '\'' || c == '"') {
    std::size_t close = r.find(c, 1);
    if (close == std::string_view::npos) return lx.err("string literal not closed");
    auto e = std::make_unique<expr>();
    e->k = expr::kind::literal;
    e->p = p;
    e->lit = value::string(std::string(r.substr(1, close - 1)));
    lx.set_offset(lx.offset() + close + 1);
    return e;
  }
  if (c == '(') {
    lx.eat_char('(');
    auto lo = parse_primary(lx, ps);
    if (!lo) return lo.error();
    if (!lx.eat_str("..")) return lx.err("\"..\" expected in range");
    auto hi = parse_primary(lx, ps);
    if (!hi) return hi.error();
    if (!lx.eat_char(')')) return lx.err("\")\" expected to close range");
    auto e = std::make_unique<expr>();
    e->k = expr::kind::range;
    e->p = p;
    e->a = std::move(lo.value());
    e->b = std::move(hi.value());
    return e;
  }
  if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return parse_number(lx);
  std::string_view name = lx.ident();
  if (name.empty()) {
    if (c == '[') {  // ["quoted key"] at the root
      name = "";
    } else {
      return lx.err("unexpected character '" + std::string(1, c) + "'");
    }
  }
  auto lit = [&](value v) {
    auto e = std::make_unique<expr>();
    e->k = expr::kind::literal;
    e->p = p;
    e->lit = std::move(v);
    return e;
  };
  bool has_path = !lx.rest().empty() && ((lx.rest()[0] == '.' && lx.rest().substr(0, 2) != "..") || lx.rest()[0] == '[');
  if (!has_path) {
    if (name == "true") return lit(value::boolean(true));
    if (name == "false") return lit(value::boolean(false));
    if (name == "nil" || name == "null") return lit(value::nil());
    if (name == "empty") { value v; v.t = value::type::empty; return lit(v); }
    if (name == "blank") { value v; v.t = value::type::blank; return lit(v); }
  }
  auto e = std::make_unique<expr>();
  e->k = expr::kind::variable;
  e->p = p;
  e->path_text = std::string(name);
  std::size_t text_b = lx.offset() - name.size();
  if (name.empty()) {
    // root given as ["key"]
    lx.eat_char('[');
    auto k = parse_primary(lx, ps);
    if (!k) return k.error();
    if (k.value()->k != expr::kind::literal || !k.value()->lit.is_string())
      return lx.err("quoted name expected");
    if (!lx.eat_char(']')) return lx.err("\"]\" expected");
    e->root = std::string(k.value()->lit.str());
  } else {
    e->root = std::string(name);
  }
  note_variable(ps, e->root);
  while (true) {
    std::string_view rest = lx.rest();
    if (!rest.empty() && rest[0] == '.' && rest.substr(0, 2) != "..") {
      lx.set_offset(lx.offset() + 1);
      std::string_view key = lx.ident();
      if (key.empty()) return lx.err("property name expected after \".\"");
      auto ke = std::make_unique<expr>();
      ke->k = expr::kind::literal;
      ke->lit = value::string(std::string(key));
      e->path.push_back(std::move(ke));
    } else if (!rest.empty() && rest[0] == '[') {
      lx.set_offset(lx.offset() + 1);
      auto ke = parse_primary(lx, ps);
      if (!ke) return ke.error();
      if (!lx.eat_char(']')) return lx.err("\"]\" expected");
      e->path.push_back(std::move(ke.value()));
    } else {
      break;
    }
  }
  (void)text_b;
  if (ps.expr_depth != ps.unnoted_depth) note_data_path(ps, *e);
  // Human-readable path for reports.
  std::string t = e->root;
  for (const auto& k : e->path) {
    if (k->k == expr::kind::literal && k->lit.is_string()) { t += "."; t += k->lit.str(); }
    else if (k->k == expr::kind::literal && k->lit.t == value::type::integer) { t += "[" + std::to_string(k->lit.i) + "]"; }
    else t += "[" + k->path_text + "]";
  }
  e->path_text = std::move(t);
  return e;
}

result<expr_ptr> parse_filtered(lexer& lx, parser& ps) {
  auto in = parse_primary(lx, ps);
  if (!in) return in.error();
  if (!lx.peek_char('|')) return in;
  auto e = std::make_unique<expr>();
  e->k = expr::kind::filtered;
  e->p = in.value()->p;
  e->input = std::move(in.value());
  while (lx.eat_char('|')) {
    expr::filter_call fc;
    lx.skip_ws();
    fc.p = lx.here();
    std::string_view name = lx.ident();
    if (name.empty()) return lx.err("filter name expected after \"|\"");
    fc.name = std::string(name);
    fc.def = find_filter(name);
    if (!fc.def) return make_error(errc::invalid_field, "unknown filter \"" + fc.name + "\"", where_of(fc.p));
    if (lx.eat_char(':')) {
      do {
        // keyword argument: ident ':'
        std::size_t save = lx.offset();
        std::string_view kw = lx.ident();
        if (!kw.empty() && lx.eat_char(':')) {
          auto v = parse_primary(lx, ps);
          if (!v) return v.error();
          fc.kwargs.emplace_back(std::string(kw), std::move(v.value()));
          continue;
        }
        lx.set_offset(save);
        auto v = parse_primary(lx, ps);
        if (!v) return v.error();
        fc.args.push_back(std::move(v.value()));
      } while (lx.eat_char(','));
    }
    if (fc.args.size() < fc.def->min_args || fc.args.size() > fc.def->max_args) {
      std::string want = fc.def->min_args == fc.def->max_args
                             ? std::to_string(fc.def->min_args)
                             : std::to_string(fc.def->min_args) + " to " + std::to_string(fc.def->max_args);
      return make_error(errc::invalid_field,
                        "filter \"" + fc.name + "\" takes " + want + " argument(s), got " +
                            std::to_string(fc.args.size()),
                        where_of(fc.p));
    }
    e->filters.push_back(std::move(fc));
    if (e->filters.size() > limits::max_filters_per_output)
      return make_error(errc::limit_exceeded,
                        "more than " + std::to_string(limits::max_filters_per_output) + " filters in one expression",
                        where_of(e->filters.back().p));
  }
  return e;
}

namespace {

result<expr_ptr> parse_comparison(lexer& lx, parser& ps) {
  auto l = parse_primary(lx, ps);
  if (!l) return l.error();
  static constexpr std::string_view ops[] = {"==", "!=", "<>", "<=", ">=", "<", ">"};
  std::string op;
  for (auto o : ops) {
    if (lx.eat_str(o)) { op = std::string(o); break; }
  }
  if (op.empty() && lx.eat_word("contains")) op = "contains";
  if (op.empty()) return l;
  if (op == "<>") op = "!=";
  auto r = parse_primary(lx, ps);
  if (!r) return r.error();
  auto e = std::make_unique<expr>();
  e->k = expr::kind::binary;
  e->p = l.value()->p;
  e->op = op;
  e->a = std::move(l.value());
  e->b = std::move(r.value());
  return e;
}

}  // namespace

result<expr_ptr> parse_condition(lexer& lx, parser& ps) {
  // A flat chain: terms joined by and / or, evaluated right to left (Shopify,
  // liquidjs). Kept flat so a long chain costs no recursion depth.
  auto first = parse_comparison(lx, ps);
  if (!first) return first.error();
  if (!lx.peek_word("and") && !lx.peek_word("or")) return first;
  auto e = std::make_unique<expr>();
  e->k = expr::kind::logic;
  e->p = first.value()->p;
  e->path.push_back(std::move(first.value()));
  while (true) {
    char op;
    if (lx.eat_word("and")) op = 'a';
    else if (lx.eat_word("or")) op = 'o';
    else break;
    auto r = parse_comparison(lx, ps);
    if (!r) return r.error();
    e->op.push_back(op);
    e->path.push_back(std::move(r.value()));
  }
  return e;
}

// ------------------------------------------------------------------ nodes

namespace {

struct text_node final : node {
  std::string text;
  status render(render_ctx& ctx, std::string& out) const override { return ctx.emit(p, out, text); }
};

struct output_node final : node {
  expr_ptr e;
  status render(render_ctx& ctx, std::string& out) const override {
    if (auto s = ctx.step(p); !s) return s;
    auto v = eval(*e, ctx);
    if (!v) return v.error();
    if (v->is_nil() && e->k == expr::kind::variable) {
      if (std::find(ctx.unresolved.begin(), ctx.unresolved.end(), e->path_text) == ctx.unresolved.end())
        ctx.unresolved.push_back(e->path_text);
    }
    if (v->t == value::type::string) return ctx.emit(p, out, v->str());
    std::string t = to_text(*v);
    return ctx.emit(p, out, t);
  }
};

bool is_block_end(std::string_view n) {
  return n == "else" || n == "elsif" || n == "when" || n.substr(0, 3) == "end";
}

}  // namespace

status parser::parse_until(block& out, std::initializer_list<std::string_view> ends, const token** end,
                           std::string_view opener, pos opener_p) {
  // Depth counts open blocks; the template's top level is depth 0.
  const bool is_block = ends.size() != 0;
  if (is_block && ++depth > limits::max_nesting_depth)
    return make_error(errc::limit_exceeded,
                      "blocks nested deeper than " + std::to_string(limits::max_nesting_depth), where_of(opener_p));
  while (i < toks.size()) {
    const token& t = toks[i];
    if (t.k == token::kind::text) {
      ++i;
      if (auto s = count_node(t.p); !s) return s;
      auto n = std::make_unique<text_node>();
      n->p = t.p;
      n->text = std::string(t.body);
      out.push_back(std::move(n));
      continue;
    }
    if (t.k == token::kind::output) {
      ++i;
      if (auto s = count_node(t.p); !s) return s;
      if (t.body.empty()) continue;  // {{ }} renders nothing
      lexer lx(t.body, t.body_p);
      auto e = parse_filtered(lx, *this);
      if (!e) return e.error();
      if (!lx.eof()) return lx.err("unexpected text in output");
      auto n = std::make_unique<output_node>();
      n->p = t.p;
      n->e = std::move(e.value());
      out.push_back(std::move(n));
      continue;
    }
    for (auto e : ends) {
      if (t.name == e) {
        ++i;
        if (end) *end = &t;
        if (is_block) --depth;
        return ok_value;
      }
    }
    const tag_def* def = find_tag(t.name);
    if (!def) {
      if (is_block_end(t.name)) {
        std::string msg = "unexpected tag \"" + std::string(t.name) + "\"";
        if (!opener.empty()) msg += " inside \"" + std::string(opener) + "\"";
        return make_error(errc::invalid_field, msg, where_of(t.p));
      }
      return make_error(errc::invalid_field, "unknown tag \"" + std::string(t.name) + "\"", where_of(t.p));
    }
    ++i;
    if (auto s = count_node(t.p); !s) return s;
    auto n = def->parse(t, *this);
    if (!n) return n.error();
    if (n.value()) out.push_back(std::move(n.value()));
  }
  if (ends.size() != 0) {
    return make_error(errc::invalid_field,
                      "tag \"" + std::string(opener) + "\" not closed, expected {% " + std::string(*ends.begin()) + " %}",
                      where_of(opener_p));
  }
  return ok_value;
}

}  // namespace tailor::copy::detail

namespace tailor::copy {

std::vector<data_path> compiled_template::data_paths() const {
  if (!ast_) return {};
  auto v = ast_->data_paths;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  // Drop paths inside a subtree already kept whole (a listed path ending in a
  // key; one ending in `each` keeps only the shape of its elements). Sorted,
  // such a prefix comes first.
  std::vector<data_path> out;
  for (auto& p : v) {
    bool inside = false;
    for (const auto& q : out)
      if (!q.back().each && q.size() < p.size() && std::equal(q.begin(), q.end(), p.begin())) { inside = true; break; }
    if (!inside) out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> compiled_template::variables() const {
  if (!ast_) return {};
  auto v = ast_->variables;
  std::sort(v.begin(), v.end());
  return v;
}

result<compiled_template> compile(std::string_view source) noexcept {
  using namespace detail;
  try {
    if (source.size() > limits::max_template_bytes)
      return make_error(errc::limit_exceeded,
                        "template is " + std::to_string(source.size()) + " bytes, limit " +
                            std::to_string(limits::max_template_bytes),
                        "1:1");
    std::size_t bad = 0;
    if (!valid_utf8_at(source, bad)) {
      pos p;
      for (std::size_t k = 0; k < bad; ++k) {
        unsigned char c = static_cast<unsigned char>(source[k]);
        if (c == '\n') { ++p.line; p.col = 1; }
        else if ((c & 0xC0) != 0x80) ++p.col;
      }
      return make_error(errc::invalid_field, "invalid UTF-8 at byte " + std::to_string(bad), where_of(p));
    }
    auto toks = tokenize(source);
    if (!toks) return toks.error();
    auto ast = std::make_shared<template_ast>();
    parser ps{toks.value()};
    ps.variables = &ast->variables;
    ps.data_paths = &ast->data_paths;
    if (auto s = ps.parse_until(ast->nodes, {}, nullptr, "", pos{}); !s) return s.error();
    return compiled_template(std::move(ast));
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while parsing", "");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what(), "");
  }
}

}  // namespace tailor::copy
