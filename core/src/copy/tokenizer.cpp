// Scanner: splits a template into text, {{ output }} and {% tag %} tokens,
// tracking line:col, applying whitespace control, and keeping raw and comment
// bodies out of the tag stream.
#include <cctype>
#include <cstring>

#include "copy/internal.hpp"

namespace tailor::copy::detail {

std::string where_of(pos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Incremental offset -> line:col (columns count code points).
struct position_map {
  std::string_view src;
  std::size_t off = 0;
  pos at{};
  pos get(std::size_t target) {
    if (target < off) { off = 0; at = pos{}; }
    for (; off < target && off < src.size(); ++off) {
      unsigned char c = static_cast<unsigned char>(src[off]);
      if (c == '\n') { ++at.line; at.col = 1; }
      else if ((c & 0xC0) != 0x80) ++at.col;
    }
    return at;
  }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// Finds `{%-? name -?%}` from `from`; returns start offset and sets end; npos if absent.
std::size_t find_tag(std::string_view src, std::size_t from, std::string_view name, std::size_t& end,
                     bool& trim_before, bool& trim_after) {
  std::size_t i = from;
  while ((i = src.find("{%", i)) != std::string_view::npos) {
    std::size_t j = i + 2;
    bool tb = j < src.size() && src[j] == '-';
    if (tb) ++j;
    while (j < src.size() && is_ws(src[j])) ++j;
    if (src.compare(j, name.size(), name) == 0) {
      std::size_t k = j + name.size();
      if (k < src.size() && (std::isalnum(static_cast<unsigned char>(src[k])) || src[k] == '_')) { i += 2; continue; }
      while (k < src.size() && is_ws(src[k])) ++k;
      bool ta = k < src.size() && src[k] == '-';
      if (ta) ++k;
      if (src.compare(k, 2, "%}") == 0) {
        end = k + 2;
        trim_before = tb;
        trim_after = ta;
        return i;
      }
    }
    i += 2;
  }
  return std::string_view::npos;
}

}  // namespace

result<std::vector<token>> tokenize(std::string_view src) {
  std::vector<token> out;
  position_map pm{src};
  bool trim_next = false;
  std::size_t i = 0;
  auto push_text = [&](std::size_t b, std::size_t e, bool trim_right) {
    std::string_view t = src.substr(b, e - b);
    std::size_t lead = 0;
    if (trim_next) {
      while (lead < t.size() && is_ws(t[lead])) ++lead;
      t.remove_prefix(lead);
    }
    if (trim_right) while (!t.empty() && is_ws(t.back())) t.remove_suffix(1);
    trim_next = false;
    if (t.empty()) return;
    token tk;
    tk.k = token::kind::text;
    tk.p = pm.get(b + lead);
    tk.body_p = tk.p;
    tk.body = t;
    out.push_back(tk);
  };
  while (i < src.size()) {
    std::size_t o = src.find('{', i);
    while (o != std::string_view::npos && o + 1 < src.size() && src[o + 1] != '{' && src[o + 1] != '%')
      o = src.find('{', o + 1);
    if (o == std::string_view::npos || o + 1 >= src.size()) {
      push_text(i, src.size(), false);
      break;
    }
    bool is_output = src[o + 1] == '{';
    bool trim_left = o + 2 < src.size() && src[o + 2] == '-';
    push_text(i, o, trim_left);
    std::size_t body_b = o + 2 + (trim_left ? 1 : 0);
    std::string_view close = is_output ? "}}" : "%}";
    std::size_t c = src.find(close, body_b);
    if (c == std::string_view::npos) {
      return make_error(errc::invalid_field,
                        std::string(is_output ? "output \"{{\"" : "tag \"{%\"") + " not closed, expected \"" +
                            std::string(close) + "\"",
                        where_of(pm.get(o)));
    }
    std::size_t body_e = c;
    bool trim_right = body_e > body_b && src[body_e - 1] == '-';
    if (trim_right) --body_e;
    token tk;
    tk.k = is_output ? token::kind::output : token::kind::tag;
    tk.p = pm.get(o);
    std::size_t bb = body_b;
    while (bb < body_e && is_ws(src[bb])) ++bb;
    tk.body_p = pm.get(bb);
    tk.body = trim(src.substr(body_b, body_e - body_b));
    i = c + 2;
    trim_next = trim_right;
    if (!is_output) {
      std::string_view b = tk.body;
      std::size_t n = 0;
      if (!b.empty() && b[0] == '#') n = 1;
      else
        while (n < b.size() && (std::isalnum(static_cast<unsigned char>(b[n])) || b[n] == '_')) ++n;
      if (n == 0) return make_error(errc::invalid_field, "tag name expected after \"{%\"", where_of(tk.p));
      tk.name = b.substr(0, n);
      std::size_t a = n;
      while (a < b.size() && is_ws(b[a])) ++a;
      tk.args = b.substr(a);
      tk.args_p = pm.get(static_cast<std::size_t>(tk.args.data() - src.data()));
      if (tk.name == "raw" || tk.name == "comment") {
        // Body is kept verbatim (raw) or dropped (comment; nested comments count).
        std::string_view endname = tk.name == "raw" ? "endraw" : "endcomment";
        std::size_t from = i, e = 0;
        bool tb = false, ta = false;
        int nest = 1;
        std::size_t s = std::string_view::npos;
        while (true) {
          s = find_tag(src, from, endname, e, tb, ta);
          if (s == std::string_view::npos) break;
          if (tk.name == "comment") {
            // count nested openers between `from` and `s`
            std::size_t oe = 0;
            bool x = false, y = false;
            std::size_t scan = from;
            std::size_t os;
            while ((os = find_tag(src, scan, "comment", oe, x, y)) != std::string_view::npos && os < s) {
              ++nest;
              scan = oe;
            }
            if (--nest > 0) { from = e; continue; }
          }
          break;
        }
        if (s == std::string_view::npos) {
          return make_error(errc::invalid_field,
                            "tag \"" + std::string(tk.name) + "\" not closed, expected {% " + std::string(endname) + " %}",
                            where_of(tk.p));
        }
        if (tk.name == "raw") push_text(i, s, tb);
        else trim_next = false;
        i = e;
        trim_next = ta;
        continue;
      }
    }
    out.push_back(tk);
  }
  return out;
}

}  // namespace tailor::copy::detail
