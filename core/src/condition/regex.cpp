#include "condition/regex.hpp"

#include <algorithm>

#include "condition/js_value.hpp"

namespace tailor::condition_detail {
namespace {

using range = js_regex::range;

constexpr int rep_inf = -1;
constexpr std::size_t max_nesting = 128;
constexpr int max_count = 100000;

enum class kind : uint8_t { empty, ch, cls, any, bol, eol, wordb, nwordb, cat, alt, rep };

struct node {
  kind k = kind::empty;
  char16_t c = 0;
  uint32_t cls = 0;
  int min = 0;
  int max = 0;
  std::vector<node> kids;
};

struct parse_failure {
  regex_status status;
};

void normalize(std::vector<range>& r) {
  std::sort(r.begin(), r.end(), [](const range& a, const range& b) {
    return a.lo < b.lo || (a.lo == b.lo && a.hi < b.hi);
  });
  std::vector<range> out;
  for (const range& x : r) {
    if (!out.empty() && static_cast<uint32_t>(x.lo) <= static_cast<uint32_t>(out.back().hi) + 1) {
      out.back().hi = std::max(out.back().hi, x.hi);
    } else {
      out.push_back(x);
    }
  }
  r = std::move(out);
}

std::vector<range> complement(std::vector<range> r) {
  normalize(r);
  std::vector<range> out;
  uint32_t next = 0;
  for (const range& x : r) {
    if (x.lo > next) out.push_back({static_cast<char16_t>(next), static_cast<char16_t>(x.lo - 1)});
    next = static_cast<uint32_t>(x.hi) + 1;
  }
  if (next <= 0xFFFF) out.push_back({static_cast<char16_t>(next), u'\xFFFF'});
  return out;
}

std::vector<range> digit_set() { return {{u'0', u'9'}}; }
std::vector<range> word_set() { return {{u'0', u'9'}, {u'A', u'Z'}, {u'_', u'_'}, {u'a', u'z'}}; }
std::vector<range> space_set() {
  return {{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
          {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
}

bool is_hex(char16_t c) {
  return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}
int hex_val(char16_t c) {
  if (c >= u'0' && c <= u'9') return c - u'0';
  if (c >= u'a' && c <= u'f') return c - u'a' + 10;
  return c - u'A' + 10;
}
bool is_digit(char16_t c) { return c >= u'0' && c <= u'9'; }
bool is_octal(char16_t c) { return c >= u'0' && c <= u'7'; }
bool is_word(char16_t c) {
  return (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || c == u'_';
}
bool is_line_terminator(char16_t c) {
  return c == u'\n' || c == u'\r' || c == 0x2028 || c == 0x2029;
}

}  // namespace

class regex_compiler {
 public:
  regex_compiler(std::u16string_view p, bool icase) : p_(p), icase_(icase) {}

  js_regex run() {
    js_regex re;
    re.icase_ = icase_;
    try {
      prescan();
      node root = parse_disjunction(0);
      if (i_ != p_.size()) throw parse_failure{regex_status::invalid};  // unmatched ')'
      classes_for_icase();
      emit(root);
      push({js_regex::op::match});
      re.prog_ = std::move(prog_);
      re.classes_ = std::move(classes_);
      re.status_ = regex_status::ok;
    } catch (const parse_failure& f) {
      re.status_ = f.status;
    }
    return re;
  }

 private:
  std::u16string_view p_;
  bool icase_;
  std::size_t i_ = 0;
  std::size_t groups_ = 0;
  bool named_ = false;
  std::vector<js_regex::char_class> classes_;
  std::vector<js_regex::inst> prog_;

  [[noreturn]] static void fail(regex_status s = regex_status::invalid) { throw parse_failure{s}; }

  bool at_end() const { return i_ >= p_.size(); }
  char16_t peek(std::size_t ahead = 0) const {
    return i_ + ahead < p_.size() ? p_[i_ + ahead] : char16_t(0);
  }
  bool has(std::size_t ahead) const { return i_ + ahead < p_.size(); }

  // Counts capturing groups and notes named groups (decides what \N and \k mean).
  void prescan() {
    bool in_class = false;
    for (std::size_t k = 0; k < p_.size(); ++k) {
      const char16_t c = p_[k];
      if (c == u'\\') {
        ++k;
      } else if (in_class) {
        if (c == u']') in_class = false;
      } else if (c == u'[') {
        in_class = true;
      } else if (c == u'(') {
        if (k + 1 < p_.size() && p_[k + 1] == u'?') {
          if (k + 2 < p_.size() && p_[k + 2] == u'<' && k + 3 < p_.size() && p_[k + 3] != u'=' &&
              p_[k + 3] != u'!') {
            ++groups_;
            named_ = true;
          }
        } else {
          ++groups_;
        }
      }
    }
  }

  node make(kind k) {
    node n;
    n.k = k;
    return n;
  }
  node make_char(char16_t c) {
    node n;
    n.k = kind::ch;
    n.c = c;
    return n;
  }
  node make_class(std::vector<range> r, bool negated) {
    normalize(r);
    classes_.push_back({std::move(r), negated});
    node n;
    n.k = kind::cls;
    n.cls = static_cast<uint32_t>(classes_.size() - 1);
    return n;
  }

  // {n}, {n,}, {n,m} at i_; returns characters consumed (0 when not a quantifier).
  std::size_t braced(std::size_t at, int& mn, int& mx) const {
    std::size_t k = at;
    if (k >= p_.size() || p_[k] != u'{') return 0;
    ++k;
    auto digits = [&](int& out) {
      std::size_t start = k;
      int64_t v = 0;
      while (k < p_.size() && is_digit(p_[k])) {
        v = std::min<int64_t>(v * 10 + (p_[k] - u'0'), int64_t{1} << 40);
        ++k;
      }
      out = static_cast<int>(std::min<int64_t>(v, int64_t{1} << 30));
      return k > start;
    };
    if (!digits(mn)) return 0;
    mx = mn;
    if (k < p_.size() && p_[k] == u',') {
      ++k;
      if (!digits(mx)) mx = rep_inf;
    }
    if (k >= p_.size() || p_[k] != u'}') return 0;
    return k + 1 - at;
  }

  bool quantifier_follows() const {
    if (at_end()) return false;
    const char16_t c = peek();
    int a = 0, b = 0;
    return c == u'*' || c == u'+' || c == u'?' || (c == u'{' && braced(i_, a, b) > 0);
  }

  node parse_disjunction(std::size_t depth) {
    if (depth > max_nesting) fail(regex_status::too_large);
    node first = parse_alternative(depth);
    if (at_end() || peek() != u'|') return first;
    node alt = make(kind::alt);
    alt.kids.push_back(std::move(first));
    while (!at_end() && peek() == u'|') {
      ++i_;
      alt.kids.push_back(parse_alternative(depth));
    }
    return alt;
  }

  node parse_alternative(std::size_t depth) {
    node cat = make(kind::cat);
    while (!at_end() && peek() != u'|' && peek() != u')') {
      cat.kids.push_back(parse_term(depth));
    }
    return cat;
  }

  node parse_term(std::size_t depth) {
    const char16_t c = peek();
    // Assertions: never quantifiable without the `u` flag's Annex B lookahead exception.
    if (c == u'^' || c == u'$' || (c == u'\\' && (peek(1) == u'b' || peek(1) == u'B'))) {
      node a;
      if (c == u'^') a = make(kind::bol), i_ += 1;
      else if (c == u'$') a = make(kind::eol), i_ += 1;
      else a = make(peek(1) == u'b' ? kind::wordb : kind::nwordb), i_ += 2;
      if (quantifier_follows()) fail();
      return a;
    }
    node atom = parse_atom(depth);
    return parse_quantifier(std::move(atom));
  }

  node parse_quantifier(node atom) {
    if (at_end()) return atom;
    int mn = 0, mx = 0;
    const char16_t c = peek();
    if (c == u'*') mn = 0, mx = rep_inf, i_ += 1;
    else if (c == u'+') mn = 1, mx = rep_inf, i_ += 1;
    else if (c == u'?') mn = 0, mx = 1, i_ += 1;
    else if (c == u'{') {
      std::size_t n = braced(i_, mn, mx);
      if (n == 0) return atom;
      if (mx != rep_inf && mx < mn) fail();
      i_ += n;
    } else {
      return atom;
    }
    if (!at_end() && peek() == u'?') ++i_;  // lazy: same answer for test()
    if (mn > max_count || mx > max_count) fail(regex_status::too_large);
    node r = make(kind::rep);
    r.min = mn;
    r.max = mx;
    r.kids.push_back(std::move(atom));
    return r;
  }

  node parse_atom(std::size_t depth) {
    const char16_t c = peek();
    switch (c) {
      case u'.':
        ++i_;
        return make(kind::any);
      case u'*':
      case u'+':
      case u'?':
        fail();  // nothing to repeat
      case u'{': {
        int a = 0, b = 0;
        if (braced(i_, a, b) > 0) fail();  // nothing to repeat
        ++i_;
        return make_char(c);
      }
      case u'(':
        return parse_group(depth);
      case u'[':
        return parse_class();
      case u'\\':
        return parse_atom_escape();
      default:
        ++i_;
        return make_char(c);
    }
  }

  node parse_group(std::size_t depth) {
    ++i_;  // (
    if (peek() == u'?') {
      const char16_t k = peek(1);
      if (k == u':') {
        i_ += 2;
      } else if (k == u'=' || k == u'!') {
        fail(regex_status::unsupported);  // lookahead
      } else if (k == u'<') {
        if (peek(2) == u'=' || peek(2) == u'!') fail(regex_status::unsupported);  // lookbehind
        i_ += 2;
        std::size_t start = i_;
        while (!at_end() && peek() != u'>') {
          const char16_t ch = peek();
          const bool ok = ch == u'$' || ch == u'_' || (ch >= u'a' && ch <= u'z') ||
                          (ch >= u'A' && ch <= u'Z') || ch >= 0x80 ||
                          (i_ > start && is_digit(ch));
          if (!ok) fail();
          ++i_;
        }
        if (at_end() || i_ == start) fail();
        ++i_;  // >
      } else {
        fail();
      }
    }
    node inner = parse_disjunction(depth + 1);
    if (at_end() || peek() != u')') fail();
    ++i_;
    return inner;
  }

  // Legacy octal escape (Annex B) starting at i_ (a digit 0-7); returns the unit.
  char16_t legacy_octal() {
    int v = p_[i_] - u'0';
    ++i_;
    const int more = v <= 3 ? 2 : 1;
    for (int k = 0; k < more && !at_end() && is_octal(peek()); ++k) {
      v = v * 8 + (peek() - u'0');
      ++i_;
    }
    return static_cast<char16_t>(v);
  }

  // Escapes shared by atoms and classes, after the backslash at i_ - 1 was
  // consumed. Returns false if the escape is a class escape (set `set`).
  bool character_escape(char16_t& out, std::vector<range>& set, bool& negate_set, bool in_class) {
    const char16_t e = peek();
    switch (e) {
      case u'd': set = digit_set(); negate_set = false; ++i_; return false;
      case u'D': set = digit_set(); negate_set = true; ++i_; return false;
      case u'w': set = word_set(); negate_set = false; ++i_; return false;
      case u'W': set = word_set(); negate_set = true; ++i_; return false;
      case u's': set = space_set(); negate_set = false; ++i_; return false;
      case u'S': set = space_set(); negate_set = true; ++i_; return false;
      case u'f': out = u'\f'; ++i_; return true;
      case u'n': out = u'\n'; ++i_; return true;
      case u'r': out = u'\r'; ++i_; return true;
      case u't': out = u'\t'; ++i_; return true;
      case u'v': out = u'\v'; ++i_; return true;
      case u'c': {
        const char16_t l = peek(1);
        const bool letter = (l >= u'a' && l <= u'z') || (l >= u'A' && l <= u'Z');
        const bool class_extra = in_class && (is_digit(l) || l == u'_');
        if (has(1) && (letter || class_extra)) {
          out = static_cast<char16_t>(l % 32);
          i_ += 2;
          return true;
        }
        out = u'\\';  // `\c` without a control letter: the backslash is literal
        return true;
      }
      case u'x':
        if (has(2) && is_hex(peek(1)) && is_hex(peek(2))) {
          out = static_cast<char16_t>(hex_val(peek(1)) * 16 + hex_val(peek(2)));
          i_ += 3;
          return true;
        }
        out = u'x';
        ++i_;
        return true;
      case u'u':
        if (has(4) && is_hex(peek(1)) && is_hex(peek(2)) && is_hex(peek(3)) && is_hex(peek(4))) {
          out = static_cast<char16_t>((hex_val(peek(1)) << 12) | (hex_val(peek(2)) << 8) |
                                      (hex_val(peek(3)) << 4) | hex_val(peek(4)));
          i_ += 5;
          return true;
        }
        out = u'u';
        ++i_;
        return true;
      case u'k':
        if (named_) fail(in_class ? regex_status::invalid : regex_status::unsupported);
        out = u'k';
        ++i_;
        return true;
      default:
        break;
    }
    if (e == u'0' && !is_digit(peek(1))) {
      out = 0;
      ++i_;
      return true;
    }
    if (is_digit(e)) {
      if (!in_class && e != u'0') {
        std::size_t k = i_;
        uint64_t n = 0;
        while (k < p_.size() && is_digit(p_[k]) && n < (uint64_t{1} << 40)) n = n * 10 + (p_[k++] - u'0');
        if (n <= groups_) fail(regex_status::unsupported);  // backreference
      }
      if (e == u'8' || e == u'9') {
        out = e;
        ++i_;
        return true;
      }
      out = legacy_octal();
      return true;
    }
    out = e;  // identity escape
    ++i_;
    return true;
  }

  node parse_atom_escape() {
    ++i_;  // backslash
    if (at_end()) fail();  // \ at end of pattern
    char16_t ch = 0;
    std::vector<range> set;
    bool neg = false;
    if (character_escape(ch, set, neg, false)) return make_char(ch);
    return make_class(neg ? complement(std::move(set)) : std::move(set), false);
  }

  // One class atom: returns true with a single unit, or false with a set.
  bool class_atom(char16_t& ch, std::vector<range>& set) {
    if (at_end()) fail();
    const char16_t c = peek();
    if (c != u'\\') {
      ch = c;
      ++i_;
      return true;
    }
    ++i_;
    if (at_end()) fail();
    if (peek() == u'b') {
      ch = u'\b';
      ++i_;
      return true;
    }
    if (peek() == u'-') {
      ch = u'-';
      ++i_;
      return true;
    }
    bool neg = false;
    if (character_escape(ch, set, neg, true)) return true;
    if (neg) set = complement(std::move(set));
    return false;
  }

  node parse_class() {
    ++i_;  // [
    bool negated = false;
    if (!at_end() && peek() == u'^') {
      negated = true;
      ++i_;
    }
    std::vector<range> acc;
    while (true) {
      if (at_end()) fail();  // unterminated class
      if (peek() == u']') {
        ++i_;
        break;
      }
      char16_t a = 0;
      std::vector<range> aset;
      const bool a_single = class_atom(a, aset);
      if (!at_end() && peek() == u'-' && has(1) && p_[i_ + 1] != u']') {
        ++i_;  // -
        char16_t b = 0;
        std::vector<range> bset;
        const bool b_single = class_atom(b, bset);
        if (a_single && b_single) {
          if (a > b) fail();  // range out of order
          acc.push_back({a, b});
        } else {  // Annex B: a class escape in a range is a union with '-'
          if (a_single) acc.push_back({a, a});
          else acc.insert(acc.end(), aset.begin(), aset.end());
          acc.push_back({u'-', u'-'});
          if (b_single) acc.push_back({b, b});
          else acc.insert(acc.end(), bset.begin(), bset.end());
        }
        continue;
      }
      if (a_single) acc.push_back({a, a});
      else acc.insert(acc.end(), aset.begin(), aset.end());
    }
    return make_class(std::move(acc), negated);
  }

  // With the `i` flag, a class matches c when some member canonicalizes like c.
  // Adding every member's canonical form lets the VM test canonicalize(c) alone.
  void classes_for_icase() {
    if (!icase_) return;
    for (auto& cls : classes_) {
      std::vector<range> extra;
      for (const range& r : cls.ranges) {
        for_each_canonical_in(r.lo, r.hi, [&](char16_t, char16_t to) { extra.push_back({to, to}); });
        // ASCII lower case is outside the table (handled inline by canonicalize).
        const char16_t lo = std::max<char16_t>(r.lo, u'a');
        const char16_t hi = std::min<char16_t>(r.hi, u'z');
        if (lo <= hi) extra.push_back({static_cast<char16_t>(lo - 32), static_cast<char16_t>(hi - 32)});
      }
      cls.ranges.insert(cls.ranges.end(), extra.begin(), extra.end());
      normalize(cls.ranges);
    }
  }

  std::size_t push(js_regex::inst in) {
    if (prog_.size() >= max_regex_program) fail(regex_status::too_large);
    prog_.push_back(in);
    return prog_.size() - 1;
  }

  void emit(const node& n) {
    using op = js_regex::op;
    switch (n.k) {
      case kind::empty:
        return;
      case kind::ch:
        push({op::ch, icase_ ? regex_canonicalize(n.c) : n.c});
        return;
      case kind::cls:
        push({op::cls, 0, n.cls});
        return;
      case kind::any:
        push({op::any});
        return;
      case kind::bol:
        push({op::bol});
        return;
      case kind::eol:
        push({op::eol});
        return;
      case kind::wordb:
        push({op::wordb});
        return;
      case kind::nwordb:
        push({op::nwordb});
        return;
      case kind::cat:
        for (const node& k : n.kids) emit(k);
        return;
      case kind::alt: {
        std::vector<std::size_t> jumps;
        for (std::size_t a = 0; a < n.kids.size(); ++a) {
          if (a + 1 < n.kids.size()) {
            const std::size_t split = push({op::split});
            prog_[split].x = static_cast<uint32_t>(prog_.size());
            emit(n.kids[a]);
            jumps.push_back(push({op::jmp}));
            prog_[split].y = static_cast<uint32_t>(prog_.size());
          } else {
            emit(n.kids[a]);
          }
        }
        for (std::size_t j : jumps) prog_[j].x = static_cast<uint32_t>(prog_.size());
        return;
      }
      case kind::rep: {
        const node& body = n.kids[0];
        for (int k = 0; k < n.min; ++k) emit(body);
        if (n.max == rep_inf) {
          const std::size_t split = push({op::split});
          prog_[split].x = static_cast<uint32_t>(prog_.size());
          emit(body);
          const std::size_t back = push({op::jmp});
          prog_[back].x = static_cast<uint32_t>(split);
          prog_[split].y = static_cast<uint32_t>(prog_.size());
          return;
        }
        std::vector<std::size_t> splits;
        for (int k = n.min; k < n.max; ++k) {
          const std::size_t split = push({op::split});
          prog_[split].x = static_cast<uint32_t>(prog_.size());
          splits.push_back(split);
          emit(body);
        }
        for (std::size_t s : splits) prog_[s].y = static_cast<uint32_t>(prog_.size());
        return;
      }
    }
  }
};

js_regex js_regex::compile(std::string_view pattern, bool ignore_case) {
  const std::u16string p = to_utf16(pattern);
  return regex_compiler(p, ignore_case).run();
}

bool js_regex::test(std::u16string_view s) const {
  if (status_ != regex_status::ok) return false;
  const std::size_t n = s.size();
  const std::size_t m = prog_.size();
  // Sparse sets of consuming instructions, plus a generation mark per pc.
  std::vector<uint32_t> clist, nlist, stack;
  clist.reserve(m);
  nlist.reserve(m);
  std::vector<uint32_t> mark(m, 0);
  uint32_t gen = 0;
  bool matched = false;

  auto is_word_at = [&](std::size_t pos) { return pos < n && is_word(s[pos]); };
  // Follows epsilon edges from pc at position pos, adding consuming pcs to list.
  auto add = [&](std::vector<uint32_t>& list, uint32_t start, std::size_t pos) {
    stack.push_back(start);
    while (!stack.empty()) {
      const uint32_t pc = stack.back();
      stack.pop_back();
      if (mark[pc] == gen) continue;
      mark[pc] = gen;
      const inst& in = prog_[pc];
      switch (in.code) {
        case op::jmp:
          stack.push_back(in.x);
          break;
        case op::split:
          stack.push_back(in.y);
          stack.push_back(in.x);
          break;
        case op::bol:
          if (pos == 0) stack.push_back(pc + 1);
          break;
        case op::eol:
          if (pos == n) stack.push_back(pc + 1);
          break;
        case op::wordb:
        case op::nwordb: {
          const bool before = pos > 0 && is_word(s[pos - 1]);
          const bool boundary = before != is_word_at(pos);
          if (boundary == (in.code == op::wordb)) stack.push_back(pc + 1);
          break;
        }
        case op::match:
          matched = true;
          break;
        default:
          list.push_back(pc);
          break;
      }
    }
  };

  for (std::size_t pos = 0;; ++pos) {
    ++gen;
    // Threads carried over were added with the previous generation; re-mark them.
    for (uint32_t pc : clist) mark[pc] = gen;
    add(clist, 0, pos);  // unanchored search: a new thread at every position
    if (matched) return true;
    if (pos == n) return false;
    char16_t c = s[pos];
    if (icase_) c = regex_canonicalize(c);
    ++gen;
    nlist.clear();
    for (uint32_t pc : clist) {
      const inst& in = prog_[pc];
      bool ok = false;
      switch (in.code) {
        case op::ch:
          ok = c == in.c;
          break;
        case op::any:
          ok = !is_line_terminator(s[pos]);
          break;
        case op::cls: {
          const auto& cls = classes_[in.x];
          auto it = std::upper_bound(cls.ranges.begin(), cls.ranges.end(), c,
                                     [](char16_t v, const range& r) { return v < r.lo; });
          bool in_set = it != cls.ranges.begin() && std::prev(it)->hi >= c;
          ok = in_set != cls.negated;
          break;
        }
        default:
          break;
      }
      if (ok) add(nlist, pc + 1, pos + 1);
      if (matched) return true;
    }
    std::swap(clist, nlist);
  }
}

}  // namespace tailor::condition_detail
