// Render data: a strict JSON parser into a flat tree (data_tree) that the
// renderer reads in place. One pass, no DOM of small allocations: nodes in one
// array, container members in another, unescaped strings in one buffer.
// Accepts exactly what nlohmann_json accepts (RFC 8259, UTF-8 checked, lone
// surrogate escapes refused) with the same values: integers that fit int64 /
// uint64, other numbers through strtod, duplicate keys keep the last value,
// members sorted by key bytes.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/utf8.hpp"
#include "copy/internal.hpp"

namespace tailor::copy::detail {

namespace {

// Bytes a string copies as they are: not '"', '\\', a control character or non-ASCII.
constexpr auto plain_bytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

class data_parser {
 public:
  data_parser(std::string_view s, data_tree& t) : s_(s), t_(t) {}

  status run() {
    t_.nodes.clear();
    t_.slots.clear();
    t_.text.clear();
    t_.text.reserve(s_.size());
    scratch_.clear();
    members_.clear();
    skip_ws();
    uint32_t root = 0;
    if (!value(root)) return err_;
    skip_ws();
    if (i_ != s_.size()) return fail("unexpected text after the data object");
    if (t_.nodes[root].k != data_tree::kind::object)
      return make_error(errc::invalid_json, "render data must be a JSON object", "$");
    return ok_value;
  }

 private:
  using kind = data_tree::kind;
  using member = data_tree::pending_member;

  bool fail_at(std::size_t at, std::string msg) {
    err_ = make_error(errc::invalid_json, std::move(msg), "byte " + std::to_string(at));
    return false;
  }
  error fail(std::string msg) {
    fail_at(i_, std::move(msg));
    return err_;
  }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  uint32_t add(kind k) {
    data_tree::node n;
    n.k = k;
    t_.nodes.push_back(n);
    return static_cast<uint32_t>(t_.nodes.size() - 1);
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail_at(i_, "invalid literal");
    i_ += word.size();
    return true;
  }

  bool value(uint32_t& out) {
    if (i_ >= s_.size()) return fail_at(i_, "unexpected end of input; expected a value");
    char c = s_[i_];
    switch (c) {
      case '{': return object(out);
      case '[': return array(out);
      case '"': {
        uint32_t off = 0, len = 0;
        if (!string(off, len)) return false;
        out = add(kind::string);
        t_.nodes[out].at = off;
        t_.nodes[out].n = len;
        return true;
      }
      case 't': if (!literal("true")) return false; out = add(kind::boolean); t_.nodes[out].b = true; return true;
      case 'f': if (!literal("false")) return false; out = add(kind::boolean); return true;
      case 'n': if (!literal("null")) return false; out = add(kind::null); return true;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        return fail_at(i_, "unexpected character; expected a value");
    }
  }

  bool number(uint32_t& out) {
    const std::size_t b = i_;
    bool neg = false;
    if (s_[i_] == '-') { neg = true; ++i_; }
    auto digit = [&] { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; };
    if (!digit()) return fail_at(i_, "invalid number; expected a digit");
    uint64_t mag = 0;
    bool overflow = false;
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (digit()) {
        uint64_t d = static_cast<uint64_t>(s_[i_] - '0');
        if (mag > (UINT64_MAX - d) / 10) overflow = true;
        else mag = mag * 10 + d;
        ++i_;
      }
    }
    bool is_float = false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digit()) return fail_at(i_, "invalid number; expected a digit after '.'");
      while (digit()) ++i_;
      is_float = true;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digit()) return fail_at(i_, "invalid number; expected a digit in the exponent");
      while (digit()) ++i_;
      is_float = true;
    }
    if (!is_float && !overflow) {
      if (!neg && mag <= static_cast<uint64_t>(INT64_MAX)) {
        out = add(kind::integer);
        t_.nodes[out].i = static_cast<int64_t>(mag);
        return true;
      }
      if (!neg) {  // uint64 above int64: a float to Liquid, but kept exact for json output
        out = add(kind::number);
        t_.nodes[out].d = static_cast<double>(mag);
        t_.nodes[out].b = true;
        t_.nodes[out].i = static_cast<int64_t>(mag);
        return true;
      }
      if (mag <= static_cast<uint64_t>(INT64_MAX) + 1) {
        out = add(kind::integer);
        t_.nodes[out].i = mag == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(mag);
        return true;
      }
    }
    // strtod on a NUL-terminated copy of the token (numbers are short; long ones are rare).
    std::string_view tok = s_.substr(b, i_ - b);
    char small[64];
    std::string big;
    const char* p;
    if (tok.size() < sizeof small) {
      std::memcpy(small, tok.data(), tok.size());
      small[tok.size()] = '\0';
      p = small;
    } else {
      big.assign(tok);
      p = big.c_str();
    }
    out = add(kind::number);
    t_.nodes[out].d = std::strtod(p, nullptr);
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool u4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return fail_at(i_, "invalid string: \\u needs 4 hex digits");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex(s_[i_ + static_cast<std::size_t>(k)]);
      if (h < 0) return fail_at(i_, "invalid string: \\u needs 4 hex digits");
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    i_ += 4;
    return true;
  }

  // A string at s_[i_] == '"', unescaped into t_.text.
  bool string(uint32_t& off, uint32_t& len) {
    ++i_;
    std::string& out = t_.text;
    const std::size_t start = out.size();
    while (true) {
      // Plain ASCII run.
      std::size_t j = i_;
      while (j < s_.size() && plain_bytes[static_cast<unsigned char>(s_[j])]) ++j;
      out.append(s_.data() + i_, j - i_);
      i_ = j;
      if (i_ >= s_.size()) return fail_at(i_, "invalid string: missing closing quote");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') { ++i_; break; }
      if (c < 0x20) return fail_at(i_, "invalid string: control character must be escaped");
      if (c >= 0x80) {
        std::size_t bad = 0;
        std::size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        std::string_view seq = s_.substr(i_, n);
        if (n == 1 || seq.size() < n || !valid_utf8_at(seq, bad)) return fail_at(i_, "invalid string: ill-formed UTF-8 byte");
        out.append(seq);
        i_ += n;
        continue;
      }
      // Escape.
      if (++i_ >= s_.size()) return fail_at(i_, "invalid string: missing closing quote");
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const std::size_t at = i_ - 2;
          uint32_t cp = 0;
          if (!u4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_at(at, "invalid string: lone low surrogate escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u')
              return fail_at(at, "invalid string: high surrogate escape without its low surrogate");
            i_ += 2;
            if (!u4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail_at(at, "invalid string: high surrogate escape without its low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          tailor::detail::append_utf8(out, cp);
          break;
        }
        default: return fail_at(i_ - 1, "invalid string: unknown escape");
      }
    }
    off = static_cast<uint32_t>(start);
    len = static_cast<uint32_t>(out.size() - start);
    return true;
  }

  // Containers deeper than the limit are refused where they open (the parser
  // recurses once per level).
  bool enter() {
    if (++depth_ > tailor::limits::max_json_depth) {
      err_ = make_error(errc::limit_exceeded,
                        "JSON nesting is deeper than " + std::to_string(tailor::limits::max_json_depth) + " levels",
                        "byte " + std::to_string(i_));
      return false;
    }
    ++i_;
    return true;
  }

  bool array(uint32_t& out) {
    if (!enter()) return false;
    const std::size_t base = scratch_.size();
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
    } else {
      while (true) {
        skip_ws();
        uint32_t v = 0;
        if (!value(v)) return false;
        scratch_.push_back(v);
        skip_ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        if (i_ < s_.size() && s_[i_] == ']') { ++i_; break; }
        return fail_at(i_, "expected ',' or ']' in an array");
      }
    }
    out = add(kind::array);
    t_.nodes[out].at = static_cast<uint32_t>(t_.slots.size());
    t_.nodes[out].n = static_cast<uint32_t>(scratch_.size() - base);
    t_.slots.insert(t_.slots.end(), scratch_.begin() + static_cast<std::ptrdiff_t>(base), scratch_.end());
    scratch_.resize(base);
    --depth_;
    return true;
  }

  bool object(uint32_t& out) {
    if (!enter()) return false;
    const std::size_t base = members_.size();
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
    } else {
      while (true) {
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != '"') return fail_at(i_, "expected a member name string");
        member m;
        if (!string(m.off, m.len)) return false;
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != ':') return fail_at(i_, "expected ':' after a member name");
        ++i_;
        skip_ws();
        if (!value(m.node)) return false;
        members_.push_back(m);
        skip_ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        if (i_ < s_.size() && s_[i_] == '}') { ++i_; break; }
        return fail_at(i_, "expected ',' or '}' in an object");
      }
    }
    // Sorted by key bytes; of duplicate keys the last one stays (stable sort keeps input order).
    auto first = members_.begin() + static_cast<std::ptrdiff_t>(base);
    const std::string& text = t_.text;
    auto key = [&](const member& m) { return std::string_view(text.data() + m.off, m.len); };
    auto less = [&](const member& a, const member& b) { return key(a) < key(b); };
    if (members_.end() - first <= 16) {  // insertion sort: stable, no buffer
      for (auto it = first + (first != members_.end()); it < members_.end(); ++it) {
        member m = *it;
        auto j = it;
        for (; j != first && less(m, *(j - 1)); --j) *j = *(j - 1);
        *j = m;
      }
    } else {
      std::stable_sort(first, members_.end(), less);
    }
    out = add(kind::object);
    t_.nodes[out].at = static_cast<uint32_t>(t_.slots.size());
    uint32_t n = 0;
    for (auto it = first; it != members_.end(); ++it) {
      if (it + 1 != members_.end() && key(*it) == key(*(it + 1))) continue;
      t_.slots.push_back(it->off);
      t_.slots.push_back(it->len);
      t_.slots.push_back(it->node);
      ++n;
    }
    t_.nodes[out].n = n;
    members_.resize(base);
    --depth_;
    return true;
  }

  std::string_view s_;
  data_tree& t_;
  std::size_t i_ = 0;
  std::size_t depth_ = 0;
  std::vector<uint32_t>& scratch_ = t_.work;  // the tree's buffers, reused from parse to parse
  std::vector<member>& members_ = t_.work_members;
  error err_;
};

}  // namespace

status parse_data_tree(std::string_view json_text, data_tree& out) {
  data_parser p(json_text, out);
  return p.run();
}

json data_tree::to_json(uint32_t id) const {
  const node& n = nodes[id];
  switch (n.k) {
    case kind::null: return nullptr;
    case kind::boolean: return n.b;
    case kind::integer: return n.i;
    case kind::number: return n.b ? json(static_cast<uint64_t>(n.i)) : json(n.d);
    case kind::string: return std::string(str(n));
    case kind::array: {
      json a = json::array();
      for (uint32_t k = 0; k < n.n; ++k) a.push_back(to_json(slots[n.at + k]));
      return a;
    }
    case kind::object: {
      json o = json::object();
      for (uint32_t k = 0; k < n.n; ++k) o[std::string(key(n, k))] = to_json(member(n, k));
      return o;
    }
  }
  return nullptr;
}

const data_tree::node* data_tree::find(const node& obj, std::string_view k) const {
  if (obj.n <= 8) {  // small objects (most): a scan comparing lengths first
    for (uint32_t m = 0; m < obj.n; ++m) {
      const uint32_t* slot = &slots[obj.at + 3 * m];
      if (slot[1] == k.size() && std::memcmp(text.data() + slot[0], k.data(), k.size()) == 0) return &nodes[slot[2]];
    }
    return nullptr;
  }
  uint32_t lo = 0, hi = obj.n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    std::string_view m = key(obj, mid);
    if (m < k) lo = mid + 1;
    else if (k < m) hi = mid;
    else return &nodes[member(obj, mid)];
  }
  return nullptr;
}

}  // namespace tailor::copy::detail
