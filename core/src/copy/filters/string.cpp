// String filters. Lengths and positions count code points (Shopify), not
// UTF-16 units; every produced string is charged to the memory budget.
#include <cctype>

#include "common/utf8.hpp"
#include "copy/filters/filters.hpp"

namespace tailor::copy::detail::filters {

std::string arg_text(const filter_args& a, std::size_t i, std::string_view fallback) {
  if (i >= a.n) return std::string(fallback);
  return to_text(a.pos_args[i]);
}

result<value> charged(render_ctx& ctx, pos p, std::string s) {
  if (auto st = ctx.charge(p, s.size()); !st) return st.error();
  return value::string(std::move(s));
}

result<value> charged_array(render_ctx& ctx, pos p, std::vector<value> v) {
  if (auto st = ctx.charge(p, v.size() * kValueCharge); !st) return st.error();
  return value::array(std::move(v));
}

bool default_applies(const value& v, bool allow_false) {
  if (v.t == value::type::boolean && !v.b) return !allow_false;
  if (v.t == value::type::nil || v.t == value::type::empty || v.t == value::type::blank) return true;
  if (v.t == value::type::string) return v.str().empty();
  if (v.t == value::type::array || v.t == value::type::object) return length_of(v) == 0;
  return false;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Byte offsets of each code point start, plus the end.
std::vector<std::size_t> cp_offsets(std::string_view s) {
  std::vector<std::size_t> o;
  o.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) o.push_back(i);
  o.push_back(s.size());
  return o;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) {
    // Ruby gsub("") inserts between every character; keep it simple and bounded.
    std::string r;
    auto o = cp_offsets(s);
    r += to;
    for (std::size_t k = 0; k + 1 < o.size(); ++k) {
      r += s.substr(o[k], o[k + 1] - o[k]);
      r += to;
    }
    return r;
  }
  std::string r;
  std::size_t i = 0;
  while (true) {
    std::size_t f = s.find(from, i);
    if (f == std::string_view::npos) break;
    r += s.substr(i, f - i);
    r += to;
    i = f + from.size();
  }
  r += s.substr(i);
  return r;
}

std::string html_escape(std::string_view s, bool once) {
  if (s.find_first_of("&<>\"'") == std::string_view::npos) return std::string(s);
  std::string r;
  r.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '&': {
        if (once) {
          // keep an existing entity: &name; &#123; &#x1F;
          std::size_t k = i + 1;
          if (k < s.size() && s[k] == '#') {
            ++k;
            if (k < s.size() && (s[k] == 'x' || s[k] == 'X')) ++k;
          }
          std::size_t b = k;
          while (k < s.size() && std::isalnum(static_cast<unsigned char>(s[k]))) ++k;
          if (k > b && k < s.size() && s[k] == ';') { r += c; break; }
        }
        r += "&amp;";
        break;
      }
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += c;
    }
  }
  return r;
}

// Simple case mapping for Latin-1, Latin Extended-A, Greek and Cyrillic (as
// Ruby's String#upcase / #downcase for those scripts); other scripts unchanged.
uint32_t to_upper_cp(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_lower ? (c % 2 == 0) : (c % 2 == 1)) return c - 1;
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

uint32_t to_lower_cp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_lower ? (c % 2 == 1) : (c % 2 == 0)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

std::string map_case(std::string_view s, bool upper, bool first_only_upper) {
  std::string r;
  r.reserve(s.size());
  std::size_t i = 0;
  bool first = true;
  auto map = [&](uint32_t c) {
    bool up = first_only_upper ? first : upper;
    first = false;
    return up ? to_upper_cp(c) : to_lower_cp(c);
  };
  while (i < s.size()) {
    // ASCII runs are mapped byte by byte, without decoding.
    std::size_t j = i;
    while (j < s.size() && static_cast<unsigned char>(s[j]) < 0x80) ++j;
    if (j > i) {
      std::size_t o = r.size();
      r.append(s.data() + i, j - i);
      for (; o < r.size(); ++o) r[o] = static_cast<char>(map(static_cast<unsigned char>(r[o])));
      i = j;
      continue;
    }
    tailor::detail::append_utf8(r, map(decode_utf8(s, i)));
  }
  return r;
}

}  // namespace

result<value> append(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  return charged(ctx, p, to_text(in) + arg_text(a, 0));
}
result<value> prepend(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  return charged(ctx, p, arg_text(a, 0) + to_text(in));
}
result<value> capitalize(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  return charged(ctx, p, map_case(to_text(in), true, true));
}
result<value> downcase(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  return charged(ctx, p, map_case(to_text(in), false, false));
}
result<value> upcase(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  return charged(ctx, p, map_case(to_text(in), true, false));
}
result<value> escape(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  if (in.is_nil()) return value::nil();
  return charged(ctx, p, html_escape(to_text(in), false));
}
result<value> escape_once(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  return charged(ctx, p, html_escape(to_text(in), true));
}
result<value> lstrip(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in);
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  return charged(ctx, p, s.substr(b));
}
result<value> rstrip(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in);
  while (!s.empty() && is_space(s.back())) s.pop_back();
  return charged(ctx, p, std::move(s));
}
result<value> strip(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in);
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  while (s.size() > b && is_space(s.back())) s.pop_back();
  return charged(ctx, p, s.substr(b));
}
result<value> strip_html(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in), r;
  std::size_t i = 0;
  auto lower_at = [&](std::size_t k, std::string_view w) {
    if (k + w.size() > s.size()) return false;
    for (std::size_t j = 0; j < w.size(); ++j)
      if (std::tolower(static_cast<unsigned char>(s[k + j])) != w[j]) return false;
    return true;
  };
  while (i < s.size()) {
    if (s[i] == '<') {
      std::string_view close;
      if (lower_at(i, "<script")) close = "</script>";
      else if (lower_at(i, "<style")) close = "</style>";
      else if (lower_at(i, "<!--")) close = "-->";
      if (!close.empty()) {
        std::size_t k = i;
        while (k < s.size() && !lower_at(k, close)) ++k;
        if (k < s.size()) { i = k + close.size(); continue; }
      }
      std::size_t e = s.find('>', i);
      if (e != std::string::npos) { i = e + 1; continue; }
    }
    r += s[i++];
  }
  return charged(ctx, p, std::move(r));
}
result<value> strip_newlines(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in), r;
  for (char c : s) if (c != '\n' && c != '\r') r += c;
  return charged(ctx, p, std::move(r));
}
result<value> newline_to_br(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in), r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (s[i] == '\n') r += "<br />\n";
    else r += s[i];
  }
  return charged(ctx, p, std::move(r));
}
result<value> remove(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string from = arg_text(a, 0);
  if (from.empty()) return charged(ctx, p, to_text(in));
  return charged(ctx, p, replace_all(to_text(in), from, ""));
}
result<value> remove_first(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), from = arg_text(a, 0);
  std::size_t f = s.find(from);
  if (f != std::string::npos) s.erase(f, from.size());
  return charged(ctx, p, std::move(s));
}
result<value> remove_last(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), from = arg_text(a, 0);
  std::size_t f = s.rfind(from);
  if (f != std::string::npos) s.erase(f, from.size());
  return charged(ctx, p, std::move(s));
}
result<value> replace(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), from = arg_text(a, 0), to = arg_text(a, 1);
  // Bound the result before building it.
  if (!from.empty()) {
    std::size_t hits = 0;
    for (std::size_t f = s.find(from); f != std::string::npos; f = s.find(from, f + from.size())) ++hits;
    if (auto st = ctx.charge(p, hits * to.size()); !st) return st.error();
  } else {
    if (auto st = ctx.charge(p, (s.size() + 1) * to.size()); !st) return st.error();
  }
  return charged(ctx, p, replace_all(s, from, to));
}
result<value> replace_first(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), from = arg_text(a, 0), to = arg_text(a, 1);
  std::size_t f = s.find(from);
  if (f != std::string::npos) s.replace(f, from.size(), to);
  return charged(ctx, p, std::move(s));
}
result<value> replace_last(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), from = arg_text(a, 0), to = arg_text(a, 1);
  std::size_t f = s.rfind(from);
  if (f != std::string::npos) s.replace(f, from.size(), to);
  return charged(ctx, p, std::move(s));
}
result<value> slice(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  auto st = to_int(a.pos_args[0], p, "slice");
  if (!st) return st.error();
  int64_t len = 1;
  if (a.n > 1) {
    auto l = to_int(a.pos_args[1], p, "slice");
    if (!l) return l.error();
    len = l.value();
  }
  if (in.is_array()) {
    int64_t n = static_cast<int64_t>(length_of(in));
    int64_t b = st.value() < 0 ? st.value() + n : st.value();
    if (b < 0 || b > n || len <= 0) return charged_array(ctx, p, {});  // out of range: empty, as Ruby's nil
    int64_t e = len > n - b ? n : b + len;  // no overflow for huge lengths
    if (auto s = ctx.charge(p, static_cast<uint64_t>(e - b) * kValueCharge); !s) return s.error();
    std::vector<value> r;
    for (int64_t k = b; k < e; ++k) r.push_back(element(in, static_cast<std::size_t>(k)));
    return charged_array(ctx, p, std::move(r));
  }
  std::string s = to_text(in);
  auto o = cp_offsets(s);
  int64_t n = static_cast<int64_t>(o.size()) - 1;
  int64_t b = st.value() < 0 ? st.value() + n : st.value();
  if (b < 0 || b > n || len <= 0) return charged(ctx, p, "");
  int64_t e = len > n - b ? n : b + len;
  return charged(ctx, p, s.substr(o[static_cast<std::size_t>(b)], o[static_cast<std::size_t>(e)] - o[static_cast<std::size_t>(b)]));
}
result<value> split(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in), sep = arg_text(a, 0);
  std::vector<value> parts;
  if (sep.empty()) {
    auto o = cp_offsets(s);
    for (std::size_t k = 0; k + 1 < o.size(); ++k) parts.push_back(value::string(s.substr(o[k], o[k + 1] - o[k])));
  } else {
    std::size_t i = 0;
    while (true) {
      std::size_t f = s.find(sep, i);
      if (f == std::string::npos) { parts.push_back(value::string(s.substr(i))); break; }
      parts.push_back(value::string(s.substr(i, f - i)));
      i = f + sep.size();
    }
    while (!parts.empty() && parts.back().str().empty()) parts.pop_back();
  }
  if (auto st = ctx.charge(p, s.size()); !st) return st.error();
  return charged_array(ctx, p, std::move(parts));
}
result<value> truncate(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in);
  int64_t n = 50;
  if (a.n > 0) {
    auto x = to_int(a.pos_args[0], p, "truncate");
    if (!x) return x.error();
    n = x.value();
  }
  if (n < 0) n = 0;
  std::string ell = a.n > 1 ? to_text(a.pos_args[1]) : "...";
  auto o = cp_offsets(s);
  int64_t len = static_cast<int64_t>(o.size()) - 1;
  if (len <= n) return charged(ctx, p, std::move(s));
  int64_t el = static_cast<int64_t>(cp_offsets(ell).size()) - 1;
  int64_t keep = std::max<int64_t>(0, n - el);
  return charged(ctx, p, s.substr(0, o[static_cast<std::size_t>(keep)]) + ell);
}
result<value> truncatewords(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  std::string s = to_text(in);
  int64_t n = 15;
  if (a.n > 0) {
    auto x = to_int(a.pos_args[0], p, "truncatewords");
    if (!x) return x.error();
    n = x.value();
  }
  if (n <= 0) n = 1;
  std::string ell = a.n > 1 ? to_text(a.pos_args[1]) : "...";
  std::vector<std::string_view> words;
  std::string_view sv(s);
  std::size_t i = 0;
  while (i < sv.size()) {
    while (i < sv.size() && is_space(sv[i])) ++i;
    std::size_t b = i;
    while (i < sv.size() && !is_space(sv[i])) ++i;
    if (i > b) words.push_back(sv.substr(b, i - b));
  }
  if (static_cast<int64_t>(words.size()) <= n) return charged(ctx, p, std::move(s));
  std::string r;
  for (int64_t k = 0; k < n; ++k) {
    if (k) r += ' ';
    r += words[static_cast<std::size_t>(k)];
  }
  return charged(ctx, p, r + ell);
}
result<value> url_encode(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in), r;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' ||
        c == '(' || c == ')') r += static_cast<char>(c);
    else if (c == ' ') r += '+';
    else { r += '%'; r += hex[c >> 4]; r += hex[c & 15]; }
  }
  return charged(ctx, p, std::move(r));
}
result<value> url_decode(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  std::string s = to_text(in), r;
  auto hv = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') r += ' ';
    else if (s[i] == '%' && i + 2 < s.size() + 0 && hv(s[i + 1]) >= 0 && hv(s[i + 2]) >= 0) {
      r += static_cast<char>(hv(s[i + 1]) * 16 + hv(s[i + 2]));
      i += 2;
    } else r += s[i];
  }
  std::size_t bad = 0;
  if (!valid_utf8_at(r, bad)) return arg_error("url_decode: result is not valid UTF-8", p);
  return charged(ctx, p, std::move(r));
}
result<value> size(const value& in, const filter_args&, render_ctx&, pos) {
  if (in.is_string()) return value::integer(static_cast<int64_t>(cp_offsets(in.str()).size() - 1));
  return value::integer(static_cast<int64_t>(length_of(in)));
}
result<value> default_(const value& in, const filter_args& a, render_ctx&, pos) {
  const value* af = a.kw("allow_false");
  bool allow_false = af && truthy(*af);
  if (default_applies(in, allow_false)) return a.pos_args[0];
  return in;
}

namespace {
void to_json(const value& v, nlohmann::json& out) {
  switch (v.t) {
    case value::type::boolean: out = v.b; return;
    case value::type::integer: out = v.i; return;
    case value::type::number: out = v.d; return;
    case value::type::string: out = std::string(v.str()); return;
    case value::type::array: case value::type::range:
      if (v.dt) { out = v.dt->to_json(v.dn); return; }
      out = nlohmann::json::array();
      for (std::size_t k = 0; k < length_of(v); ++k) { nlohmann::json e; to_json(element(v, k), e); out.push_back(std::move(e)); }
      return;
    case value::type::object: out = v.dt->to_json(v.dn); return;
    default: out = nullptr; return;
  }
}
}  // namespace

result<value> json_(const value& in, const filter_args&, render_ctx& ctx, pos p) {
  nlohmann::json j;
  to_json(in, j);
  return charged(ctx, p, tailor::detail::dump_json(j));
}

}  // namespace tailor::copy::detail::filters
