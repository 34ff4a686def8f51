// Tailor's filters: money in minor units per currency and locale, plurals.
#include <cstdlib>

#include "copy/filters/filters.hpp"

namespace tailor::copy::detail::filters {

namespace {

struct currency_info {
  std::string_view code;
  int exponent;
  std::string_view en_symbol;
  std::string_view zh_symbol;
};

// CLDR symbols for en and zh-Hans-CN.
constexpr currency_info kCurrencies[] = {
    {"AUD", 2, "A$", "AU$"}, {"CAD", 2, "CA$", "CA$"}, {"CHF", 2, "CHF", "CHF"}, {"CNY", 2, "CN¥", "¥"},
    {"EUR", 2, "€", "€"},    {"GBP", 2, "£", "£"},     {"HKD", 2, "HK$", "HK$"}, {"JPY", 0, "¥", "JP¥"},
    {"KRW", 0, "₩", "￦"},   {"SGD", 2, "SGD", "SGD"}, {"TWD", 2, "NT$", "NT$"}, {"USD", 2, "$", "US$"},
};

const currency_info* find_currency(std::string_view code) {
  for (const auto& c : kCurrencies) if (c.code == code) return &c;
  return nullptr;
}

std::string group_thousands(uint64_t v) {
  std::string s = std::to_string(v);
  std::string r;
  int n = static_cast<int>(s.size());
  for (int k = 0; k < n; ++k) {
    if (k > 0 && (n - k) % 3 == 0) r += ',';
    r += s[static_cast<std::size_t>(k)];
  }
  return r;
}

enum class money_style { symbol, with_code, bare };

result<value> format_money(const value& in, const filter_args& a, render_ctx& ctx, pos p, money_style style,
                           std::string_view name) {
  if (in.is_nil()) return value::string("");
  auto n = to_number(in, p, name);
  if (!n) return n.error();
  int64_t minor;
  if (n->t == value::type::integer) minor = n->i;
  else {
    double d = n->d;
    if (!(d > -9e15 && d < 9e15)) return arg_error(std::string(name) + ": amount out of range", p);
    minor = static_cast<int64_t>(d < 0 ? d - 0.5 : d + 0.5);
  }
  if (minor > tailor::limits::max_price_minor || minor < -tailor::limits::max_price_minor)
    return arg_error(std::string(name) + ": amount out of range", p);
  std::string code = a.n > 0 && !a.pos_args[0].is_nil() ? to_text(a.pos_args[0]) : ctx.opt->currency;
  std::string locale = a.n > 1 ? to_text(a.pos_args[1]) : ctx.opt->locale;
  const currency_info* c = find_currency(code);
  if (!c) return arg_error(std::string(name) + ": unknown currency \"" + code.substr(0, 16) + "\"", p);
  bool zh = locale.substr(0, 2) == "zh";
  uint64_t mag = static_cast<uint64_t>(minor < 0 ? -minor : minor);
  uint64_t scale = c->exponent == 0 ? 1 : 100;
  std::string num = group_thousands(mag / scale);
  if (c->exponent > 0) {
    std::string frac = std::to_string(mag % scale);
    if (frac.size() < 2) frac.insert(frac.begin(), '0');
    num += "." + frac;
  }
  std::string out = minor < 0 ? "-" : "";
  if (style == money_style::bare) out += num;
  else {
    out += zh ? c->zh_symbol : c->en_symbol;
    out += num;
    if (style == money_style::with_code) { out += ' '; out += c->code; }
  }
  return charged(ctx, p, std::move(out));
}

}  // namespace

result<value> money(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  return format_money(in, a, ctx, p, money_style::symbol, "money");
}
result<value> money_with_currency(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  return format_money(in, a, ctx, p, money_style::with_code, "money_with_currency");
}
result<value> money_without_currency(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  return format_money(in, a, ctx, p, money_style::bare, "money_without_currency");
}

// {{ n | pluralize: "item", "items" }}: the word for n. zh has no plural
// inflection, so the singular form is used for every n.
result<value> pluralize(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto n = to_number(in, p, "pluralize");
  if (!n) return n.error();
  bool zh = ctx.opt->locale.substr(0, 2) == "zh";
  bool one = n->t == value::type::integer ? (n->i == 1 || n->i == -1) : (as_double(n.value()) == 1.0);
  return charged(ctx, p, to_text(a.pos_args[(zh || one) ? 0 : 1]));
}

}  // namespace tailor::copy::detail::filters
