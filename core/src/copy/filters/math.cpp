// Math filters. Integers stay integers (Shopify): 7 | divided_by: 2 is 3
// (floor division), and a float operand makes a float result.
#include <cmath>

#include "copy/filters/filters.hpp"

namespace tailor::copy::detail::filters {

namespace {

struct num2 {
  value a, b;
};

result<num2> operands(const value& in, const filter_args& args, pos p, std::string_view name) {
  auto a = to_number(in, p, name);
  if (!a) return a.error();
  auto b = to_number(args.pos_args[0], p, name);
  if (!b) return b.error();
  return num2{std::move(a.value()), std::move(b.value())};
}

bool both_int(const num2& n) { return n.a.t == value::type::integer && n.b.t == value::type::integer; }

// Integer ops with overflow falling back to float.
value int_or_float(bool overflow, int64_t r, double f) { return overflow ? value::number(f) : value::integer(r); }

}  // namespace

result<value> plus(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "plus");
  if (!n) return n.error();
  if (both_int(*n)) {
    int64_t r;
    bool o = __builtin_add_overflow(n->a.i, n->b.i, &r);
    return int_or_float(o, r, as_double(n->a) + as_double(n->b));
  }
  return value::number(as_double(n->a) + as_double(n->b));
}
result<value> minus(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "minus");
  if (!n) return n.error();
  if (both_int(*n)) {
    int64_t r;
    bool o = __builtin_sub_overflow(n->a.i, n->b.i, &r);
    return int_or_float(o, r, as_double(n->a) - as_double(n->b));
  }
  return value::number(as_double(n->a) - as_double(n->b));
}
result<value> times(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "times");
  if (!n) return n.error();
  if (both_int(*n)) {
    int64_t r;
    bool o = __builtin_mul_overflow(n->a.i, n->b.i, &r);
    return int_or_float(o, r, as_double(n->a) * as_double(n->b));
  }
  return value::number(as_double(n->a) * as_double(n->b));
}
result<value> divided_by(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "divided_by");
  if (!n) return n.error();
  if (both_int(*n)) {
    if (n->b.i == 0) return arg_error("divided_by: division by zero", p);
    if (n->a.i == INT64_MIN && n->b.i == -1) return value::number(-static_cast<double>(INT64_MIN));
    int64_t q = n->a.i / n->b.i;
    if ((n->a.i % n->b.i != 0) && ((n->a.i < 0) != (n->b.i < 0))) --q;  // floor, as Ruby
    return value::integer(q);
  }
  if (as_double(n->b) == 0) return arg_error("divided_by: division by zero", p);
  return value::number(as_double(n->a) / as_double(n->b));
}
result<value> modulo(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "modulo");
  if (!n) return n.error();
  if (both_int(*n)) {
    if (n->b.i == 0) return arg_error("modulo: division by zero", p);
    if (n->b.i == -1) return value::integer(0);
    int64_t r = n->a.i % n->b.i;
    if (r != 0 && ((r < 0) != (n->b.i < 0))) r += n->b.i;  // sign of the divisor, as Ruby
    return value::integer(r);
  }
  double y = as_double(n->b);
  if (y == 0) return arg_error("modulo: division by zero", p);
  double r = std::fmod(as_double(n->a), y);
  if (r != 0 && ((r < 0) != (y < 0))) r += y;
  return value::number(r);
}
result<value> abs(const value& in, const filter_args&, render_ctx&, pos p) {
  auto n = to_number(in, p, "abs");
  if (!n) return n.error();
  if (n->t == value::type::integer) return n->i == INT64_MIN ? value::number(-static_cast<double>(INT64_MIN)) : value::integer(n->i < 0 ? -n->i : n->i);
  return value::number(std::fabs(n->d));
}
result<value> at_least(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "at_least");
  if (!n) return n.error();
  return compare(n->a, n->b) < 0 ? n->b : n->a;
}
result<value> at_most(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = operands(in, a, p, "at_most");
  if (!n) return n.error();
  return compare(n->a, n->b) > 0 ? n->b : n->a;
}

namespace {
result<value> to_integer_value(double d, pos p, std::string_view name) {
  if (!(d > -9.2e18 && d < 9.2e18)) return arg_error(std::string(name) + ": number out of range", p);
  return value::integer(static_cast<int64_t>(d));
}
}  // namespace

result<value> ceil(const value& in, const filter_args&, render_ctx&, pos p) {
  auto n = to_number(in, p, "ceil");
  if (!n) return n.error();
  if (n->t == value::type::integer) return n.value();
  return to_integer_value(std::ceil(n->d), p, "ceil");
}
result<value> floor(const value& in, const filter_args&, render_ctx&, pos p) {
  auto n = to_number(in, p, "floor");
  if (!n) return n.error();
  if (n->t == value::type::integer) return n.value();
  return to_integer_value(std::floor(n->d), p, "floor");
}
result<value> round(const value& in, const filter_args& a, render_ctx&, pos p) {
  auto n = to_number(in, p, "round");
  if (!n) return n.error();
  int64_t digits = 0;
  if (a.n > 0) {
    auto d = to_int(a.pos_args[0], p, "round");
    if (!d) return d.error();
    digits = d.value();
  }
  if (n->t == value::type::integer) return n.value();
  double x = n->d;
  if (digits <= 0) return to_integer_value(std::round(x), p, "round");  // half away from zero, as Ruby
  if (digits > 15) return n.value();
  double scale = 1;
  for (int64_t k = 0; k < digits; ++k) scale *= 10;
  double r = std::round(x * scale) / scale;
  return value::number(r);
}

}  // namespace tailor::copy::detail::filters
