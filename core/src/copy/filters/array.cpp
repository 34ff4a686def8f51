// Array filters. Sorting is stable with a total order, so output never
// depends on the standard library's sort.
#include <algorithm>
#include <cctype>

#include "copy/filters/filters.hpp"

namespace tailor::copy::detail::filters {

namespace {

value prop_of(const value& item, const filter_args& a, std::size_t i) {
  if (i >= a.n || a.pos_args[i].is_nil()) return item;
  return lookup(item, a.pos_args[i]);
}

result<std::vector<value>> elements(const value& in, render_ctx& ctx, pos p) {
  // Charge before materializing: a range like (1..1000000000) must fail, not allocate.
  const uint64_t n = in.is_array() || in.t == value::type::object ? length_of(in) : 1;
  if (auto s = ctx.charge(p, n * kValueCharge); !s) return s.error();
  if (auto s = ctx.step(p, n / 16); !s) return s.error();
  return to_vector(in);
}

// Order used by sort: nil last, then numbers, then strings (by bytes), others equal.
int sort_cmp(const value& x, const value& y) {
  if (x.is_nil() || y.is_nil()) return x.is_nil() == y.is_nil() ? 0 : (x.is_nil() ? 1 : -1);
  int c = compare(x, y);
  if (c != 2) return c;
  int rx = x.is_number() ? 0 : x.is_string() ? 1 : 2;
  int ry = y.is_number() ? 0 : y.is_string() ? 1 : 2;
  return rx < ry ? -1 : rx > ry ? 1 : 0;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

result<value> compact(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::vector<value> r;
  for (auto& x : v.value()) if (!prop_of(x, a, 0).is_nil()) r.push_back(std::move(x));
  return value::array(std::move(r));
}
result<value> concat(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  if (!a.pos_args[0].is_array() && !a.pos_args[0].is_nil())
    return arg_error("concat: expected an array argument", p);
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  auto w = elements(a.pos_args[0], ctx, p);
  if (!w) return w.error();
  for (auto& x : w.value()) v->push_back(std::move(x));
  return value::array(std::move(v.value()));
}
result<value> first(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  if (in.is_string()) {
    std::string_view s = in.str();
    if (s.empty()) return value::string("");
    std::size_t i = 0;
    decode_utf8(s, i);
    return charged(ctx, p, std::string(s.substr(0, i)));
  }
  if (!in.is_array() || length_of(in) == 0) return value::nil();
  return element(in, 0);
}
result<value> last(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  if (in.is_string()) {
    std::string_view s = in.str();
    std::size_t b = s.size();
    while (b > 0 && (static_cast<unsigned char>(s[b - 1]) & 0xC0) == 0x80) --b;
    if (b > 0) --b;
    return charged(ctx, p, std::string(s.substr(b)));
  }
  if (!in.is_array() || length_of(in) == 0) return value::nil();
  return element(in, length_of(in) - 1);
}
result<value> join(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  if (!in.is_array()) return charged(ctx, p, to_text(in));
  std::string sep = a.n > 0 ? to_text(a.pos_args[0]) : " ";
  std::string r;
  std::size_t n = length_of(in);
  for (std::size_t k = 0; k < n; ++k) {
    if (k) r += sep;
    append_text(element(in, k), r);
    if (r.size() > ctx.bud.lim.memory_bytes) return limit_error("join: result exceeds the memory budget", p);
  }
  return charged(ctx, p, std::move(r));
}
result<value> map(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  for (auto& x : v.value()) x = lookup(x, a.pos_args[0]);
  return value::array(std::move(v.value()));
}
result<value> reverse(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  if (!in.is_array()) return in;
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::reverse(v->begin(), v->end());
  return value::array(std::move(v.value()));
}
result<value> sort(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::vector<std::pair<value, std::size_t>> keyed;
  for (std::size_t k = 0; k < v->size(); ++k) keyed.emplace_back(prop_of((*v)[k], a, 0), k);
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& x, const auto& y) {
    int c = sort_cmp(x.first, y.first);
    return c != 0 ? c < 0 : x.second < y.second;
  });
  std::vector<value> r;
  for (auto& k : keyed) r.push_back((*v)[k.second]);
  return value::array(std::move(r));
}
result<value> sort_natural(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::vector<std::pair<std::string, std::size_t>> keyed;
  std::vector<bool> nil(v->size());
  for (std::size_t k = 0; k < v->size(); ++k) {
    value key = prop_of((*v)[k], a, 0);
    nil[k] = key.is_nil();
    keyed.emplace_back(lower(to_text(key)), k);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    if (nil[x.second] != nil[y.second]) return !nil[x.second];
    int c = x.first.compare(y.first);
    return c != 0 ? c < 0 : x.second < y.second;
  });
  std::vector<value> r;
  for (auto& k : keyed) r.push_back((*v)[k.second]);
  return value::array(std::move(r));
}
result<value> sum(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  value total = value::integer(0);
  for (const auto& x : v.value()) {
    value item = prop_of(x, a, 0);
    auto n = to_number(item, p, "sum");
    if (!n) continue;  // non-numeric elements count as 0, as Shopify
    if (total.t == value::type::integer && n->t == value::type::integer) {
      int64_t r;
      if (!__builtin_add_overflow(total.i, n->i, &r)) { total.i = r; continue; }
    }
    total = value::number(as_double(total) + as_double(n.value()));
  }
  return total;
}
result<value> uniq(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::vector<value> r, keys;
  if (auto s = ctx.step(p, v->size() * v->size() / 64); !s) return s.error();
  for (auto& x : v.value()) {
    value key = prop_of(x, a, 0);
    bool seen = false;
    for (const auto& k : keys) if (equal(k, key)) { seen = true; break; }
    if (seen) continue;
    keys.push_back(key);
    r.push_back(std::move(x));
  }
  return value::array(std::move(r));
}
result<value> where(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto v = elements(in, ctx, p);
  if (!v) return v.error();
  std::vector<value> r;
  for (auto& x : v.value()) {
    value pv = lookup(x, a.pos_args[0]);
    bool keep = a.n > 1 ? equal(pv, a.pos_args[1]) : truthy(pv);
    if (keep) r.push_back(std::move(x));
  }
  return value::array(std::move(r));
}

}  // namespace tailor::copy::detail::filters
