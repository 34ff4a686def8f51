// Render: values, expression evaluation, the budgeted render context and the
// public compile/render entry points.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "copy/filters/filters.hpp"
#include "copy/internal.hpp"

namespace tailor::copy::detail {

// ------------------------------------------------------------------ values

value value::from_data(const data_tree& t, uint32_t id) {
  const data_tree::node& n = t.nodes[id];
  switch (n.k) {
    case data_tree::kind::boolean: return boolean(n.b);
    case data_tree::kind::integer: return integer(n.i);
    case data_tree::kind::number: return number(n.d);
    case data_tree::kind::string: return borrowed(t.str(n));
    case data_tree::kind::array: { value v; v.t = type::array; v.dt = &t; v.dn = id; return v; }
    case data_tree::kind::object: { value v; v.t = type::object; v.dt = &t; v.dn = id; return v; }
    default: return nil();
  }
}

bool truthy(const value& v) {
  if (v.t == value::type::nil) return false;
  if (v.t == value::type::boolean) return v.b;
  return true;
}

std::string format_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // nlohmann's shortest round-trip formatting (Grisu2): no libc, same on every target.
  std::string s = json(d).dump();
  auto e = s.find('e');
  if (e == std::string::npos) {
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  // mantissa e+XX -> Ruby style 1.0e+20
  std::string mant = s.substr(0, e), ex = s.substr(e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  char sign = ex[0];
  std::string digits = ex.substr(1);
  while (digits.size() > 2 && digits[0] == '0') digits.erase(0, 1);
  return mant + "e" + sign + digits;
}

void append_text(const value& v, std::string& out) {
  switch (v.t) {
    case value::type::nil: case value::type::empty: case value::type::blank: return;
    case value::type::boolean: out += v.b ? "true" : "false"; return;
    case value::type::integer: out += std::to_string(v.i); return;
    case value::type::number: out += format_float(v.d); return;
    case value::type::string: out += v.str(); return;
    case value::type::range: out += std::to_string(v.i) + ".." + std::to_string(v.hi); return;
    case value::type::array: {
      std::size_t n = length_of(v);
      for (std::size_t k = 0; k < n; ++k) append_text(element(v, k), out);
      return;
    }
    case value::type::object:
      if (v.dt) out += tailor::detail::dump_json(v.dt->to_json(v.dn));
      return;
    case value::type::loop: out += "forloop"; return;
  }
}

std::string to_text(const value& v) {
  std::string s;
  append_text(v, s);
  return s;
}

std::size_t length_of(const value& v) {
  switch (v.t) {
    case value::type::array: return v.arr ? v.arr->size() : (v.dt ? v.dnode().n : 0);
    case value::type::range: return v.hi >= v.i ? static_cast<std::size_t>(v.hi - v.i + 1) : 0;
    case value::type::object: return v.dt ? v.dnode().n : 0;
    default: return 0;
  }
}

value element(const value& v, std::size_t idx) {
  if (v.t == value::type::range) return value::integer(v.i + static_cast<int64_t>(idx));
  if (v.t != value::type::array) return value::nil();
  if (v.arr) return idx < v.arr->size() ? (*v.arr)[idx] : value::nil();
  if (v.dt && idx < v.dnode().n) return value::from_data(*v.dt, v.dt->element(v.dnode(), static_cast<uint32_t>(idx)));
  return value::nil();
}

std::vector<value> to_vector(const value& v) {
  std::vector<value> out;
  if (v.t == value::type::array || v.t == value::type::range) {
    std::size_t n = length_of(v);
    out.reserve(n);
    for (std::size_t k = 0; k < n; ++k) out.push_back(element(v, k));
  } else if (v.t == value::type::object && v.dt) {
    // Iterating a hash yields [key, value] pairs, sorted by key.
    const data_tree::node& o = v.dnode();
    for (uint32_t k = 0; k < o.n; ++k) {
      std::vector<value> pair{value::string(std::string(v.dt->key(o, k))), value::from_data(*v.dt, v.dt->member(o, k))};
      out.push_back(value::array(std::move(pair)));
    }
  } else if (!v.is_nil() && v.t != value::type::empty && v.t != value::type::blank) {
    out.push_back(v);
  }
  return out;
}

static std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

value lookup_name(const value& base, std::string_view key) {
  switch (base.t) {
    case value::type::object: {
      const data_tree::node& o = base.dnode();
      if (const data_tree::node* m = base.dt->find(o, key))
        return value::from_data(*base.dt, static_cast<uint32_t>(m - base.dt->nodes.data()));
      if (key == "size") return value::integer(static_cast<int64_t>(o.n));
      return value::nil();
    }
    case value::type::array: case value::type::range: {
      std::size_t n = length_of(base);
      if (key == "size") return value::integer(static_cast<int64_t>(n));
      if (key == "first") return n ? element(base, 0) : value::nil();
      if (key == "last") return n ? element(base, n - 1) : value::nil();
      return value::nil();
    }
    case value::type::string:
      if (key == "size") return value::integer(static_cast<int64_t>(code_points(base.str())));
      return value::nil();
    case value::type::loop: {
      const loop_state& l = *base.loop;
      if (l.tablerow) {
        int64_t col0 = l.cols > 0 ? l.index0 % l.cols : l.index0;
        if (key == "col") return value::integer(col0 + 1);
        if (key == "col0") return value::integer(col0);
        if (key == "col_first") return value::boolean(col0 == 0);
        if (key == "col_last") return value::boolean(l.cols > 0 ? col0 == l.cols - 1 : l.index0 == l.length - 1);
        if (key == "row") return value::integer(l.cols > 0 ? l.index0 / l.cols + 1 : 1);
      }
      if (key == "index") return value::integer(l.index0 + 1);
      if (key == "index0") return value::integer(l.index0);
      if (key == "rindex") return value::integer(l.length - l.index0);
      if (key == "rindex0") return value::integer(l.length - l.index0 - 1);
      if (key == "first") return value::boolean(l.index0 == 0);
      if (key == "last") return value::boolean(l.index0 == l.length - 1);
      if (key == "length") return value::integer(l.length);
      if (key == "name") return value::string(std::string(l.name));
      if (key == "parentloop") {
        if (!l.parent) return value::nil();
        value v; v.t = value::type::loop; v.loop = l.parent; return v;
      }
      return value::nil();
    }
    default: return value::nil();
  }
}

value lookup(const value& base, const value& key) {
  if (key.t == value::type::integer && base.is_array()) {
    int64_t n = static_cast<int64_t>(length_of(base));
    int64_t i = key.i < 0 ? key.i + n : key.i;
    if (i < 0 || i >= n) return value::nil();
    return element(base, static_cast<std::size_t>(i));
  }
  if (key.t == value::type::string) return lookup_name(base, key.str());
  if (key.t == value::type::integer && base.t == value::type::object) return lookup_name(base, std::to_string(key.i));
  return value::nil();
}

bool is_empty(const value& v) {
  switch (v.t) {
    case value::type::string: return v.str().empty();
    case value::type::array: case value::type::object: case value::type::range: return length_of(v) == 0;
    case value::type::empty: return true;
    default: return false;
  }
}

bool is_blank(const value& v) {
  switch (v.t) {
    case value::type::nil: case value::type::empty: case value::type::blank: return true;
    case value::type::boolean: return !v.b;
    case value::type::string:
      for (char c : v.str()) if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) return false;
      return true;
    case value::type::array: case value::type::object: case value::type::range: return length_of(v) == 0;
    default: return false;
  }
}

double as_double(const value& v) { return v.t == value::type::integer ? static_cast<double>(v.i) : v.d; }

bool equal(const value& a, const value& b) {
  if (a.t == value::type::empty) return is_empty(b);
  if (b.t == value::type::empty) return is_empty(a);
  if (a.t == value::type::blank) return is_blank(b);
  if (b.t == value::type::blank) return is_blank(a);
  if (a.is_number() && b.is_number()) {
    if (a.t == value::type::integer && b.t == value::type::integer) return a.i == b.i;
    return as_double(a) == as_double(b);
  }
  if (a.t != b.t) {
    if (a.is_array() && b.is_array()) {} else return false;
  }
  switch (a.t) {
    case value::type::nil: return true;
    case value::type::boolean: return a.b == b.b;
    case value::type::string: return a.str() == b.str();
    case value::type::array: case value::type::range: {
      std::size_t n = length_of(a);
      if (n != length_of(b)) return false;
      for (std::size_t k = 0; k < n; ++k) if (!equal(element(a, k), element(b, k))) return false;
      return true;
    }
    case value::type::object:
      return (a.dt == b.dt && a.dn == b.dn) || (a.dt && b.dt && a.dt->to_json(a.dn) == b.dt->to_json(b.dn));
    case value::type::loop: return a.loop == b.loop;
    default: return false;
  }
}

int compare(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.t == value::type::integer && b.t == value::type::integer) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    double x = as_double(a), y = as_double(b);
    if (std::isnan(x) || std::isnan(y)) return 2;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return 2;
}

// ------------------------------------------------------------------ errors and budget

error limit_error(std::string what, pos p) { return make_error(errc::limit_exceeded, std::move(what), where_of(p)); }
error arg_error(std::string msg, pos p) { return make_error(errc::invalid_field, std::move(msg), where_of(p)); }

error render_ctx::steps_exceeded(pos p) const {
  return limit_error("render step budget of " + std::to_string(bud.lim.steps) + " exceeded", p);
}

error render_ctx::memory_exceeded(pos p) const {
  return limit_error("render memory budget of " + std::to_string(bud.lim.memory_bytes) + " bytes exceeded", p);
}

error render_ctx::output_exceeded(pos p) const {
  return limit_error("output limit of " + std::to_string(bud.lim.output_bytes) + " bytes exceeded", p);
}

status render_ctx::iterate(pos p) {
  if (++bud.loops > bud.lim.loop_iterations)
    return limit_error("loop iteration budget of " + std::to_string(bud.lim.loop_iterations) + " exceeded", p);
  return step(p);
}

value* render_ctx::find_assign(std::string_view name) {
  for (auto& kv : assigns) if (kv.first == name) return &kv.second;
  return nullptr;
}

void render_ctx::set_assign(std::string_view name, value v) {
  if (value* x = find_assign(name)) { *x = std::move(v); return; }
  assigns.emplace_back(std::string(name), std::move(v));
}

value render_ctx::resolve_root(std::string_view name) const {
  for (auto it = locals.rbegin(); it != locals.rend(); ++it) if (it->first == name) return it->second;
  for (const auto& kv : assigns) if (kv.first == name) return kv.second;
  if (data && !data->nodes.empty()) {
    if (const data_tree::node* m = data->find(data->nodes[data->root()], name))
      return value::from_data(*data, static_cast<uint32_t>(m - data->nodes.data()));
  }
  return value::nil();
}

// ------------------------------------------------------------------ evaluation

namespace {

result<value> apply_filters(const expr& e, value v, render_ctx& ctx) {
  value args[max_filter_args];  // the parser checked each call's arity against its filter's
  std::vector<std::pair<std::string, value>> kwargs;  // rare: allocates only when used
  for (const auto& f : e.filters) {
    if (auto s = ctx.step(f.p); !s) return s.error();
    const std::size_t n = f.args.size();
    for (std::size_t k = 0; k < n; ++k) {
      auto av = eval(*f.args[k], ctx);
      if (!av) return av.error();
      args[k] = std::move(av.value());
    }
    kwargs.clear();
    for (const auto& kv : f.kwargs) {
      auto av = eval(*kv.second, ctx);
      if (!av) return av.error();
      kwargs.emplace_back(kv.first, std::move(av.value()));
    }
    filter_args fa{args, n, &kwargs};
    if (f.def->name == "default" && filters::default_applies(v, fa.kw("allow_false") && truthy(*fa.kw("allow_false")))) {
      if (e.input && e.input->k == expr::kind::variable &&
          std::find(ctx.defaulted.begin(), ctx.defaulted.end(), e.input->path_text) == ctx.defaulted.end())
        ctx.defaulted.push_back(e.input->path_text);
    }
    auto r = f.def->fn(v, fa, ctx, f.p);
    if (!r) return r.error();
    v = std::move(r.value());
  }
  return v;
}

}  // namespace

result<value> eval(const expr& e, render_ctx& ctx) {
  switch (e.k) {
    case expr::kind::literal: return e.lit;
    case expr::kind::variable: {
      value v = ctx.resolve_root(e.root);
      std::size_t k = 0;
      // Literal keys found in data objects: walk node ids and build one value at the end
      // (what lookup would return key by key); anything else goes the general way below.
      if (v.t == value::type::object && v.dt) {
        const data_tree& t = *v.dt;
        uint32_t id = v.dn;
        for (; k < e.path.size(); ++k) {
          const expr& key = *e.path[k];
          if (key.k != expr::kind::literal || !key.lit.is_string() || t.nodes[id].k != data_tree::kind::object) break;
          const data_tree::node* m = t.find(t.nodes[id], key.lit.str());
          if (!m) break;
          id = static_cast<uint32_t>(m - t.nodes.data());
        }
        if (k > 0) v = value::from_data(t, id);
      }
      for (; k < e.path.size(); ++k) {
        const auto& key = e.path[k];
        if (v.is_nil()) break;
        if (key->k == expr::kind::literal) {
          v = lookup(v, key->lit);
        } else {
          auto kv = eval(*key, ctx);
          if (!kv) return kv.error();
          v = lookup(v, kv.value());
        }
      }
      return v;
    }
    case expr::kind::range: {
      auto lo = eval(*e.a, ctx);
      if (!lo) return lo.error();
      auto hi = eval(*e.b, ctx);
      if (!hi) return hi.error();
      auto l = to_int(lo.value(), e.p, "range");
      if (!l) return l.error();
      auto h = to_int(hi.value(), e.p, "range");
      if (!h) return h.error();
      value v;
      v.t = value::type::range;
      v.i = l.value();
      v.hi = h.value();
      // Span in unsigned arithmetic: hi - lo may not fit in int64.
      if (v.hi >= v.i && static_cast<uint64_t>(v.hi) - static_cast<uint64_t>(v.i) >= static_cast<uint64_t>(limits::max_range_length))
        return make_error(errc::limit_exceeded,
                          "range longer than " + std::to_string(limits::max_range_length) + " integers", where_of(e.p));
      return v;
    }
    case expr::kind::filtered: {
      auto in = eval(*e.input, ctx);
      if (!in) return in.error();
      return apply_filters(e, std::move(in.value()), ctx);
    }
    case expr::kind::binary: {
      if (auto s = ctx.step(e.p); !s) return s.error();
      auto a = eval(*e.a, ctx);
      if (!a) return a.error();
      auto b = eval(*e.b, ctx);
      if (!b) return b.error();
      const value& x = a.value();
      const value& y = b.value();
      const std::string& op = e.op;
      if (op == "==") return value::boolean(equal(x, y));
      if (op == "!=") return value::boolean(!equal(x, y));
      if (op == "contains") {
        if (x.is_string()) {
          std::string needle = to_text(y);
          return value::boolean(x.str().find(needle) != std::string_view::npos);
        }
        if (x.is_array()) {
          std::size_t n = length_of(x);
          for (std::size_t k = 0; k < n; ++k) if (equal(element(x, k), y)) return value::boolean(true);
          return value::boolean(false);
        }
        if (x.t == value::type::object && y.is_string()) return value::boolean(x.dt->find(x.dnode(), y.str()) != nullptr);
        return value::boolean(false);
      }
      int c = compare(x, y);
      if (c == 2) return value::boolean(false);
      if (op == "<") return value::boolean(c < 0);
      if (op == ">") return value::boolean(c > 0);
      if (op == "<=") return value::boolean(c <= 0);
      if (op == ">=") return value::boolean(c >= 0);
      return value::boolean(false);
    }
    case expr::kind::logic: {
      // right to left: t0 op0 (t1 op1 (t2 ...))
      std::size_t n = e.path.size();
      auto last = eval(*e.path[n - 1], ctx);
      if (!last) return last.error();
      bool r = truthy(last.value());
      for (std::size_t k = n - 1; k-- > 0;) {
        if (auto s = ctx.step(e.p); !s) return s.error();
        char op = e.op[k];
        if (op == 'a' && !r) continue;   // x and false = false
        if (op == 'o' && r) continue;    // x or true = true
        auto t = eval(*e.path[k], ctx);
        if (!t) return t.error();
        r = truthy(t.value());
      }
      return value::boolean(r);
    }
  }
  return value::nil();
}

status render_block(const block& b, render_ctx& ctx, std::string& out) {
  for (const auto& n : b) {
    if (auto s = ctx.step(n->p); !s) return s;
    if (auto s = n->render(ctx, out); !s) return s;
    if (ctx.interrupt != render_ctx::jump::none) return ok_value;
  }
  return ok_value;
}

result<value> to_number(const value& v, pos p, std::string_view filter) {
  switch (v.t) {
    case value::type::integer: case value::type::number: return v;
    case value::type::nil: case value::type::empty: case value::type::blank: return value::integer(0);
    case value::type::boolean: break;
    case value::type::string: {
      std::string_view s = v.str();
      std::size_t b = 0, e = s.size();
      while (b < e && s[b] == ' ') ++b;
      while (e > b && s[e - 1] == ' ') --e;
      std::string t(s.substr(b, e - b));
      if (t.empty()) return value::integer(0);
      std::size_t k = 0;
      if (t[k] == '-' || t[k] == '+') ++k;
      std::size_t d0 = k;
      while (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
      bool digits = k > d0;
      bool is_float = false;
      if (k < t.size() && t[k] == '.') {
        ++k;
        std::size_t f0 = k;
        while (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
        is_float = k > f0;
        digits = digits || is_float;
      }
      if (digits && k == t.size()) {
        if (is_float) return value::number(std::strtod(t.c_str(), nullptr));
        errno = 0;
        long long x = std::strtoll(t.c_str(), nullptr, 10);
        if (errno == ERANGE) return value::number(std::strtod(t.c_str(), nullptr));
        return value::integer(static_cast<int64_t>(x));
      }
      break;
    }
    default: break;
  }
  std::string shown = v.is_string() ? "\"" + std::string(v.str().substr(0, 40)) + "\"" : to_text(v).substr(0, 40);
  return arg_error(std::string(filter) + ": expected a number, got " + shown, p);
}

result<int64_t> to_int(const value& v, pos p, std::string_view filter) {
  auto n = to_number(v, p, filter);
  if (!n) return n.error();
  if (n->t == value::type::integer) return n->i;
  double d = n->d;
  if (!(d > -9.2e18 && d < 9.2e18)) return arg_error(std::string(filter) + ": number out of range", p);
  return static_cast<int64_t>(d);
}

bool valid_utf8_at(std::string_view s, std::size_t& bad) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    std::size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else { bad = i; return false; }
    if (i + len > n) { bad = i; return false; }
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) { bad = i; return false; }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) { bad = i; return false; }
    i += len;
  }
  return true;
}

}  // namespace tailor::copy::detail

namespace tailor::copy {

result<render_options> parse_render_options(std::string_view text) noexcept {
  using tailor::detail::read_int;
  using tailor::detail::read_string;
  try {
    render_options o;
    if (text.empty()) return o;
    auto j = tailor::detail::parse_json(text, 64u << 10);
    if (!j) return j.error();
    if (!j->is_object()) return make_error(errc::invalid_field, "options must be an object", "options");
    const std::string w = "options";
    if (auto s = tailor::detail::check_known_keys(*j, {"now_ms", "locale", "currency", "tz_offset_minutes", "limits"}, w); !s)
      return s.error();
    auto now = read_int(*j, "now_ms", w, -62135596800000, 253402300799000, false, 0);
    if (!now) return now.error();
    o.now_ms = now.value();
    auto loc = read_string(*j, "locale", w, 16, false);
    if (!loc) return loc.error();
    if (!loc->empty()) {
      if (loc.value() != "en" && loc->rfind("en-", 0) != 0 && loc->rfind("zh", 0) != 0)
        return make_error(errc::invalid_field, "locale must be en or zh-CN (en-*, zh-*)", "options.locale");
      o.locale = loc.value();
    }
    auto cur = read_string(*j, "currency", w, 3, false);
    if (!cur) return cur.error();
    if (!cur->empty()) o.currency = cur.value();
    auto tz = read_int(*j, "tz_offset_minutes", w, -1440, 1440, false, 0);
    if (!tz) return tz.error();
    o.tz_offset_minutes = static_cast<int32_t>(tz.value());
    if (j->contains("limits")) {
      const auto& l = (*j)["limits"];
      const std::string lw = "options.limits";
      if (!l.is_object()) return make_error(errc::invalid_field, "limits must be an object", lw);
      if (auto s = tailor::detail::check_known_keys(l, {"steps", "loop_iterations", "output_bytes", "memory_bytes"}, lw); !s)
        return s.error();
      auto get = [&](const char* k, uint64_t max, uint64_t& out) -> status {
        auto v = read_int(l, k, lw, 0, static_cast<int64_t>(max), false, static_cast<int64_t>(out));
        if (!v) return v.error();
        out = static_cast<uint64_t>(v.value());
        return ok_value;
      };
      if (auto s = get("steps", limits::max_render_steps, o.limits.steps); !s) return s.error();
      if (auto s = get("loop_iterations", limits::max_loop_iterations, o.limits.loop_iterations); !s) return s.error();
      if (auto s = get("output_bytes", limits::max_output_bytes, o.limits.output_bytes); !s) return s.error();
      if (auto s = get("memory_bytes", limits::max_memory_bytes, o.limits.memory_bytes); !s) return s.error();
    }
    return o;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}


namespace detail {

status check_data_size(std::size_t bytes) {
  if (bytes > limits::max_data_bytes)
    return make_error(errc::limit_exceeded,
                      "render data is " + std::to_string(bytes) + " bytes, limit " + std::to_string(limits::max_data_bytes),
                      "byte " + std::to_string(limits::max_data_bytes));
  return ok_value;
}

status load_data(std::string_view json_text, data_tree& out) {
  if (auto s = check_data_size(json_text.size()); !s) return s;
  return parse_data_tree(json_text.empty() ? std::string_view("{}") : json_text, out);
}

}  // namespace detail

result<render_data> parse_data(std::string_view json_text) noexcept {
  try {
    auto tree = std::make_shared<detail::data_tree>();
    if (auto s = detail::load_data(json_text, *tree); !s) return s.error();
    return render_data(std::move(tree));
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while parsing render data");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

namespace detail {

status render_into(const compiled_template& t, const data_tree* data, const render_options& opt, render_result& out) noexcept {
  try {
    if (!t.ast()) return make_error(errc::invalid_state, "template is not compiled");
    const render_limits& l = opt.limits;
    if (l.steps > limits::max_render_steps || l.loop_iterations > limits::max_loop_iterations ||
        l.output_bytes > limits::max_output_bytes || l.memory_bytes > limits::max_memory_bytes)
      return make_error(errc::invalid_config, "render limits above the hard maxima", "limits");
    render_ctx ctx;
    ctx.opt = &opt;
    ctx.data = data;
    ctx.bud.lim = l;
    // The reports collect in out's vectors (their capacity is kept from call to call).
    out.text.clear();
    out.unresolved.clear();
    out.defaulted.clear();
    ctx.unresolved.swap(out.unresolved);
    ctx.defaulted.swap(out.defaulted);
    status s = render_block(t.ast()->nodes, ctx, out.text);
    ctx.unresolved.swap(out.unresolved);
    ctx.defaulted.swap(out.defaulted);
    if (!s) return s;
    std::sort(out.unresolved.begin(), out.unresolved.end());
    std::sort(out.defaulted.begin(), out.defaulted.end());
    out.steps = ctx.bud.steps;
    out.memory_bytes = ctx.bud.memory;
    return ok_value;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while rendering");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace detail

result<render_result> render(const compiled_template& t, const render_data& data, const render_options& opt) noexcept {
  try {
    render_result out;
    if (auto s = detail::render_into(t, data.tree(), opt, out); !s) return s.error();
    return out;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while rendering");
  }
}

result<render_result> render(const compiled_template& t, std::string_view data_json, const render_options& opt) noexcept {
  auto d = parse_data(data_json);
  if (!d) return d.error();
  return render(t, d.value(), opt);
}

}  // namespace tailor::copy
