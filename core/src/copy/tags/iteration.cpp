// Iteration: for (limit, offset, offset:continue, reversed, ranges, forloop,
// else, break, continue), tablerow, cycle.
#include <algorithm>

#include "copy/tags/tags.hpp"

namespace tailor::copy::detail::tags {

namespace {

struct loop_args {
  std::string var;
  expr_ptr collection;
  std::string collection_text;
  std::string name;  // "var-collection": forloop.name and the offset:continue key
  expr_ptr limit, offset, cols;
  bool offset_continue = false;
  bool reversed = false;
};

result<loop_args> parse_loop_head(const token& t, parser& ps, bool tablerow) {
  loop_args a;
  lexer lx(t.args, t.args_p);
  std::string_view v = lx.ident();
  if (v.empty()) return tag_error(t, "loop variable expected");
  a.var = std::string(v);
  if (!lx.eat_word("in")) return lx.err("\"in\" expected");
  lx.skip_ws();
  std::size_t b = lx.offset();
  // The collection's own read is noted by parse_loop, narrowed to what the body reads.
  const std::size_t unnoted = ps.unnoted_depth;
  ps.unnoted_depth = ps.expr_depth + 1;
  auto c = parse_primary(lx, ps);
  ps.unnoted_depth = unnoted;
  if (!c) return c.error();
  a.collection = std::move(c.value());
  a.collection_text = std::string(t.args.substr(b, lx.offset() - b));
  a.name = a.var + "-" + a.collection_text;
  while (!lx.eof()) {
    if (!tablerow && lx.eat_word("reversed")) { a.reversed = true; continue; }
    std::string_view key = lx.ident();
    if (key.empty() || !lx.eat_char(':')) return lx.err("loop option expected (limit:, offset:" + std::string(tablerow ? ", cols:" : ", reversed") + ")");
    if (key == "offset" && lx.eat_word("continue")) { a.offset_continue = true; continue; }
    auto e = parse_primary(lx, ps);
    if (!e) return e.error();
    if (key == "limit") a.limit = std::move(e.value());
    else if (key == "offset") a.offset = std::move(e.value());
    else if (key == "cols" && tablerow) a.cols = std::move(e.value());
    else return tag_error(t, "unknown option \"" + std::string(key) + "\"");
    lx.eat_char(',');
  }
  return a;
}

struct for_node final : node {
  loop_args a;
  block body, else_body;
  bool tablerow = false;

  status render(render_ctx& ctx, std::string& out) const override {
    auto cv = eval(*a.collection, ctx);
    if (!cv) return cv.error();
    value coll = std::move(cv.value());
    // Hashes iterate as [key, value] pairs; strings as one element.
    if (coll.t == value::type::object || coll.t == value::type::string) {
      auto v = to_vector(coll);
      if (auto s = ctx.charge(p, v.size() * kValueCharge); !s) return s;
      coll = value::array(std::move(v));
    }
    int64_t n = (coll.t == value::type::array || coll.t == value::type::range) ? static_cast<int64_t>(length_of(coll)) : 0;
    if (n == 0) return tablerow ? ok_value : render_block(else_body, ctx, out);
    int64_t off = 0;
    const std::string& cont_key = a.name;
    if (a.offset_continue) {
      for (const auto& kv : ctx.offsets) if (kv.first == cont_key) off = kv.second;
    } else if (a.offset) {
      auto o = eval(*a.offset, ctx);
      if (!o) return o.error();
      auto oi = to_int(o.value(), a.offset->p, "offset");
      if (!oi) return oi.error();
      off = std::max<int64_t>(0, oi.value());
    }
    int64_t begin = std::min(off, n);
    int64_t end = n;
    if (a.limit) {
      auto l = eval(*a.limit, ctx);
      if (!l) return l.error();
      auto li = to_int(l.value(), a.limit->p, "limit");
      if (!li) return li.error();
      end = std::min(n, begin + std::max<int64_t>(0, li.value()));
    }
    int64_t cols = 0;
    if (a.cols) {
      auto c = eval(*a.cols, ctx);
      if (!c) return c.error();
      auto ci = to_int(c.value(), a.cols->p, "cols");
      if (!ci) return ci.error();
      cols = ci.value();
    }
    int64_t len = end - begin;
    if (!tablerow) {
      bool found = false;
      for (auto& kv : ctx.offsets) if (kv.first == cont_key) { kv.second = end; found = true; }
      if (!found) ctx.offsets.emplace_back(cont_key, end);
    }
    loop_state st;
    st.length = len;
    st.tablerow = tablerow;
    st.cols = cols > 0 ? cols : len;
    st.name = a.name;
    // Parent loop: the innermost forloop local.
    for (auto it = ctx.locals.rbegin(); it != ctx.locals.rend(); ++it)
      if (it->first == "forloop") { st.parent = it->second.loop; break; }
    value loopv;
    loopv.t = value::type::loop;
    loopv.loop = &st;
    std::size_t base = ctx.locals.size();
    ctx.locals.emplace_back(tablerow ? "tablerowloop" : "forloop", loopv);
    ctx.locals.emplace_back(a.var, value::nil());
    status result = ok_value;
    for (int64_t k = 0; k < len; ++k) {
      if (auto s = ctx.iterate(p); !s) { result = s; break; }
      st.index0 = k;
      int64_t idx = a.reversed ? end - 1 - k : begin + k;
      ctx.locals[base + 1].second = element(coll, static_cast<std::size_t>(idx));
      if (tablerow) {
        int64_t col0 = k % st.cols;
        if (col0 == 0) {
          std::string tr = (k == 0 ? "" : "</tr>\n") + std::string("<tr class=\"row") + std::to_string(k / st.cols + 1) + "\">" + (k == 0 ? "\n" : "");
          if (auto s = ctx.emit(p, out, tr); !s) { result = s; break; }
        }
        std::string td = "<td class=\"col" + std::to_string(col0 + 1) + "\">";
        if (auto s = ctx.emit(p, out, td); !s) { result = s; break; }
      }
      if (auto s = render_block(body, ctx, out); !s) { result = s; break; }
      if (tablerow) {
        if (auto s = ctx.emit(p, out, "</td>"); !s) { result = s; break; }
      }
      auto j = ctx.interrupt;
      ctx.interrupt = render_ctx::jump::none;
      if (j == render_ctx::jump::brk) break;
    }
    ctx.locals.resize(base);
    if (!result.ok()) return result;
    if (tablerow && len > 0) return ctx.emit(p, out, "</tr>\n");
    return ok_value;
  }
};

// Notes the collection's read and returns the data path of its elements:
// the collection's path then `each`, noted as the shape of the collection
// (its length and the kind of each element); the body's reads of the loop
// variable add what they need below it. None when the collection is not a
// static data path (its static prefix is then noted whole).
std::optional<data_path> elements_path(parser& ps, const expr& collection) {
  if (collection.k != expr::kind::variable) return std::nullopt;
  bool complete = false;
  auto path = static_data_path(ps, collection, complete);
  if (!path) return std::nullopt;
  if (!complete) {
    note_whole(ps, std::move(*path));
    return std::nullopt;
  }
  path->push_back({"", true});
  if (ps.data_paths && std::find(ps.data_paths->begin(), ps.data_paths->end(), *path) == ps.data_paths->end())
    ps.data_paths->push_back(*path);
  return path;
}

result<node_ptr> parse_loop(const token& t, parser& ps, bool tablerow) {
  auto a = parse_loop_head(t, ps, tablerow);
  if (!a) return a.error();
  auto n = std::make_unique<for_node>();
  n->p = t.p;
  ps.declare(a->var);
  n->a = std::move(a.value());
  n->tablerow = tablerow;
  // In the body the loop variable is an element of the collection and the
  // loop object is local (the else body sees neither). The collection is
  // evaluated before either exists.
  auto elements = elements_path(ps, *n->a.collection);
  const std::size_t outer = ps.loops.size();
  ps.loops.push_back({tablerow ? "tablerowloop" : "forloop", std::nullopt});
  ps.loops.push_back({n->a.var, std::move(elements)});
  const token* end = nullptr;
  status body = tablerow ? ps.parse_until(n->body, {"endtablerow"}, &end, t.name, t.p)
                         : ps.parse_until(n->body, {"endfor", "else"}, &end, t.name, t.p);
  ps.loops.resize(outer);
  if (!body) return body.error();
  if (tablerow) return node_ptr(std::move(n));
  if (end->name == "else") {
    if (auto s = ps.parse_until(n->else_body, {"endfor"}, &end, t.name, t.p); !s) return s.error();
  }
  return node_ptr(std::move(n));
}

struct jump_node final : node {
  render_ctx::jump j;
  status render(render_ctx& ctx, std::string&) const override {
    ctx.interrupt = j;
    return ok_value;
  }
};

struct cycle_node final : node {
  std::string group;
  bool named = false;
  expr_ptr group_expr;
  std::vector<expr_ptr> values;
  status render(render_ctx& ctx, std::string& out) const override {
    std::string key = group;
    if (group_expr) {
      auto g = eval(*group_expr, ctx);
      if (!g) return g.error();
      key = "named:" + to_text(g.value());
    }
    int64_t* counter = nullptr;
    for (auto& kv : ctx.cycles) if (kv.first == key) counter = &kv.second;
    if (!counter) { ctx.cycles.emplace_back(key, 0); counter = &ctx.cycles.back().second; }
    const auto& e = values[static_cast<std::size_t>(*counter % static_cast<int64_t>(values.size()))];
    ++*counter;
    auto v = eval(*e, ctx);
    if (!v) return v.error();
    return ctx.emit(p, out, to_text(v.value()));
  }
};

}  // namespace

result<node_ptr> parse_for(const token& t, parser& ps) { return parse_loop(t, ps, false); }
result<node_ptr> parse_tablerow(const token& t, parser& ps) { return parse_loop(t, ps, true); }

result<node_ptr> parse_break(const token& t, parser&) {
  if (!t.args.empty()) return tag_error(t, "takes no arguments");
  auto n = std::make_unique<jump_node>();
  n->p = t.p;
  n->j = render_ctx::jump::brk;
  return node_ptr(std::move(n));
}

result<node_ptr> parse_continue(const token& t, parser&) {
  if (!t.args.empty()) return tag_error(t, "takes no arguments");
  auto n = std::make_unique<jump_node>();
  n->p = t.p;
  n->j = render_ctx::jump::cont;
  return node_ptr(std::move(n));
}

result<node_ptr> parse_cycle(const token& t, parser& ps) {
  auto n = std::make_unique<cycle_node>();
  n->p = t.p;
  lexer lx(t.args, t.args_p);
  if (lx.eof()) return tag_error(t, "values expected");
  // Optional group name: `"name": a, b`.
  std::size_t save = lx.offset();
  auto first = parse_primary(lx, ps);
  if (!first) return first.error();
  if (lx.eat_char(':')) {
    n->group_expr = std::move(first.value());
  } else {
    lx.set_offset(save);
  }
  do {
    auto v = parse_primary(lx, ps);
    if (!v) return v.error();
    n->values.push_back(std::move(v.value()));
  } while (lx.eat_char(','));
  if (!lx.eof()) return lx.err("unexpected text in cycle");
  if (!n->group_expr) {
    // Unnamed cycles with the same values share a counter.
    n->group = "values:" + std::string(t.args);
  }
  return node_ptr(std::move(n));
}

}  // namespace tailor::copy::detail::tags
