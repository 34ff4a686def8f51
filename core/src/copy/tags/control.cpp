// Control flow: if / elsif / else, unless, case / when.
#include "copy/tags/tags.hpp"

namespace tailor::copy::detail::tags {

namespace {

struct branch {
  expr_ptr cond;  // null: else
  block body;
};

struct if_node final : node {
  std::vector<branch> branches;
  bool negate_first = false;  // unless
  status render(render_ctx& ctx, std::string& out) const override {
    for (std::size_t k = 0; k < branches.size(); ++k) {
      const branch& b = branches[k];
      if (b.cond) {
        auto v = eval(*b.cond, ctx);
        if (!v) return v.error();
        bool t = truthy(v.value());
        if (k == 0 && negate_first) t = !t;
        if (!t) continue;
      }
      return render_block(b.body, ctx, out);
    }
    return ok_value;
  }
};

result<expr_ptr> condition_of(const token& t, std::string_view args, pos p, parser& ps) {
  lexer lx(args, p);
  if (lx.eof()) return tag_error(t, "condition expected");
  auto c = parse_condition(lx, ps);
  if (!c) return c.error();
  if (!lx.eof()) return lx.err("unexpected text in condition");
  return c;
}

result<node_ptr> parse_conditional(const token& t, parser& ps, bool unless) {
  auto n = std::make_unique<if_node>();
  n->p = t.p;
  n->negate_first = unless;
  std::string_view endname = unless ? "endunless" : "endif";
  branch first;
  auto c = condition_of(t, t.args, t.args_p, ps);
  if (!c) return c.error();
  first.cond = std::move(c.value());
  n->branches.push_back(std::move(first));
  while (true) {
    const token* end = nullptr;
    if (auto s = ps.parse_until(n->branches.back().body, {endname, "elsif", "else"}, &end, t.name, t.p); !s)
      return s.error();
    if (end->name == endname) break;
    if (end->name == "else") {
      if (!n->branches.back().cond) return tags::tag_error(*end, "else after else");
      branch b;
      n->branches.push_back(std::move(b));
      continue;
    }
    if (!n->branches.back().cond) return tags::tag_error(*end, "elsif after else");
    branch b;
    auto ec = condition_of(*end, end->args, end->args_p, ps);
    if (!ec) return ec.error();
    b.cond = std::move(ec.value());
    n->branches.push_back(std::move(b));
  }
  return node_ptr(std::move(n));
}

struct when_branch {
  std::vector<expr_ptr> values;  // empty: else
  block body;
};

struct case_node final : node {
  expr_ptr subject;
  std::vector<when_branch> whens;
  status render(render_ctx& ctx, std::string& out) const override {
    auto v = eval(*subject, ctx);
    if (!v) return v.error();
    bool matched = false;
    for (const auto& w : whens) {
      if (w.values.empty()) {
        if (!matched) return render_block(w.body, ctx, out);
        continue;
      }
      for (const auto& x : w.values) {
        if (auto s = ctx.step(p); !s) return s;
        auto xv = eval(*x, ctx);
        if (!xv) return xv.error();
        if (equal(v.value(), xv.value())) {
          matched = true;
          if (auto s = render_block(w.body, ctx, out); !s) return s;
          if (ctx.interrupt != render_ctx::jump::none) return ok_value;
          break;
        }
      }
    }
    return ok_value;
  }
};

}  // namespace

result<node_ptr> parse_if(const token& t, parser& ps) { return parse_conditional(t, ps, false); }
result<node_ptr> parse_unless(const token& t, parser& ps) { return parse_conditional(t, ps, true); }

result<node_ptr> parse_case(const token& t, parser& ps) {
  auto n = std::make_unique<case_node>();
  n->p = t.p;
  lexer lx(t.args, t.args_p);
  if (lx.eof()) return tag_error(t, "value expected");
  auto s = parse_primary(lx, ps);
  if (!s) return s.error();
  if (!lx.eof()) return lx.err("unexpected text in case");
  n->subject = std::move(s.value());
  block ignored;  // text before the first when
  const token* end = nullptr;
  if (auto st = ps.parse_until(ignored, {"endcase", "when", "else"}, &end, t.name, t.p); !st) return st.error();
  bool seen_else = false;
  while (end->name != "endcase") {
    when_branch w;
    if (end->name == "when") {
      lexer wl(end->args, end->args_p);
      if (wl.eof()) return tag_error(*end, "value expected");
      do {
        auto v = parse_primary(wl, ps);
        if (!v) return v.error();
        w.values.push_back(std::move(v.value()));
      } while (wl.eat_char(',') || wl.eat_word("or"));
      if (!wl.eof()) return wl.err("unexpected text in when");
    } else {
      if (seen_else) return tag_error(*end, "else after else");
      seen_else = true;
    }
    const token* next = nullptr;
    if (auto st = ps.parse_until(w.body, {"endcase", "when", "else"}, &next, t.name, t.p); !st) return st.error();
    n->whens.push_back(std::move(w));
    end = next;
  }
  return node_ptr(std::move(n));
}

}  // namespace tailor::copy::detail::tags
