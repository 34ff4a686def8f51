// GrowthBook's condition language, evaluated as its JS SDK's evalCondition
// (src/mongrule.ts) does, including the JavaScript coercions it relies on:
// `value + ""`, `value * 1`, `<` between mixed types, `===`, Array#includes,
// JSON.stringify equality, `in` on the prototype chain, and `.length`.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "condition/condition_impl.hpp"
#include "condition/js_value.hpp"

namespace tailor {

using detail::json;
namespace cd = condition_detail;

namespace {

// ---------------------------------------------------------------------------
// JS values as seen by the evaluator. Attribute values are JSON; getPath can
// also produce `.length` of an array (a number) and inherited methods.

enum class vkind : uint8_t { null, json, number, function };

struct jv {
  vkind k = vkind::null;
  const json* j = nullptr;
  double num = 0;
  std::string_view fname;  // function name, for String(fn)

  static jv of(const json& v) {
    jv r;
    if (v.is_null()) return r;
    r.k = vkind::json;
    r.j = &v;
    return r;
  }
  static jv number(double n) {
    jv r;
    r.k = vkind::number;
    r.num = n;
    return r;
  }
  static jv function(std::string_view name) {
    jv r;
    r.k = vkind::function;
    r.fname = name;
    return r;
  }
  bool is_null() const { return k == vkind::null; }
  bool is_array() const { return k == vkind::json && j->is_array(); }
  bool is_object() const { return k == vkind::json && j->is_object(); }
  bool is_string() const { return k == vkind::json && j->is_string(); }
  bool is_number() const { return k == vkind::number || (k == vkind::json && j->is_number()); }
  bool is_bool() const { return k == vkind::json && j->is_boolean(); }
  double number_value() const { return k == vkind::number ? num : j->get<double>(); }
};

constexpr std::array<std::string_view, 12> object_proto = {
    "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
    "__proto__",        "constructor",      "hasOwnProperty",   "isPrototypeOf",
    "propertyIsEnumerable", "toLocaleString", "toString",       "valueOf"};

constexpr std::array<std::string_view, 40> array_proto = {
    "at",          "concat",   "copyWithin", "entries",   "every",     "fill",
    "filter",      "find",     "findIndex",  "findLast",  "findLastIndex", "flat",
    "flatMap",     "forEach",  "includes",   "indexOf",   "join",      "keys",
    "lastIndexOf", "map",      "pop",        "push",      "reduce",    "reduceRight",
    "reverse",     "shift",    "slice",      "some",      "sort",      "splice",
    "toLocaleString", "toReversed", "toSorted", "toSpliced", "toString", "unshift",
    "values",      "with",     "constructor", "length"};

bool contains(const auto& table, std::string_view name) {
  return std::find(table.begin(), table.end(), name) != table.end();
}

const json& empty_object() {
  static const json e = json::object();  // immutable: stands for Object.prototype
  return e;
}

// ---------------------------------------------------------------------------
// Coercions.

std::string to_js_string(const jv& v);

std::string join_array(const json& arr) {
  std::string out;
  bool first = true;
  for (const json& e : arr) {
    if (!first) out += ',';
    first = false;
    if (!e.is_null()) out += to_js_string(jv::of(e));
  }
  return out;
}

std::string function_text(std::string_view name) {
  return "function " + std::string(name) + "() { [native code] }";
}

std::string to_js_string(const jv& v) {
  switch (v.k) {
    case vkind::null:
      return "null";
    case vkind::number:
      return cd::js_number_to_string(v.num);
    case vkind::function:
      return function_text(v.fname);
    case vkind::json:
      break;
  }
  const json& j = *v.j;
  if (j.is_string()) return j.get_ref<const std::string&>();
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number()) return cd::js_number_to_string(j.get<double>());
  if (j.is_array()) return join_array(j);
  return "[object Object]";
}

double to_js_number(const jv& v) {
  const double nan = std::nan("");
  switch (v.k) {
    case vkind::null:
      return 0;
    case vkind::number:
      return v.num;
    case vkind::function:
      return nan;
    case vkind::json:
      break;
  }
  const json& j = *v.j;
  if (j.is_number()) return j.get<double>();
  if (j.is_boolean()) return j.get<bool>() ? 1 : 0;
  if (j.is_string()) return cd::js_string_to_number(j.get_ref<const std::string&>());
  if (j.is_array()) return cd::js_string_to_number(join_array(j));
  return nan;
}

bool truthy(const jv& v) {
  switch (v.k) {
    case vkind::null:
      return false;
    case vkind::number:
      return v.num != 0 && !std::isnan(v.num);
    case vkind::function:
      return true;
    case vkind::json:
      break;
  }
  const json& j = *v.j;
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number()) return j.get<double>() != 0;
  if (j.is_string()) return !j.get_ref<const std::string&>().empty();
  return true;
}

// `a === b` where b comes from the condition (so objects never share identity).
bool strict_equal(const jv& a, const json& b) {
  if (b.is_null()) return a.is_null();
  if (a.is_null() || a.k == vkind::function) return false;
  if (b.is_number()) return a.is_number() && a.number_value() == b.get<double>();
  if (a.k != vkind::json) return false;
  if (b.is_string()) return a.j->is_string() && *a.j == b;
  if (b.is_boolean()) return a.j->is_boolean() && a.j->get<bool>() == b.get<bool>();
  return false;  // arrays and objects: distinct identities
}

// JSON.stringify(a) === JSON.stringify(b) for JSON values (numbers by value).
// Object keys compare as sets: canonical JSON has no insertion order.
bool json_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!json_equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    auto ib = b.begin();
    for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !json_equal(ia.value(), ib.value())) return false;
    }
    return true;
  }
  return a == b;
}

bool stringify_equal(const jv& a, const json& b) {
  switch (a.k) {
    case vkind::null:
      return b.is_null();
    case vkind::function:
      return false;  // JSON.stringify(fn) is undefined
    case vkind::number:
      return b.is_number() && b.get<double>() == a.num;
    case vkind::json:
      return json_equal(*a.j, b);
  }
  return false;
}

struct prim {
  enum class t : uint8_t { null, boolean, number, string } type;
  double num = 0;
  std::string str;
};

prim to_primitive(const jv& v) {
  if (v.k == vkind::null) return {prim::t::null, 0, {}};
  if (v.k == vkind::number) return {prim::t::number, v.num, {}};
  if (v.k == vkind::function) return {prim::t::string, 0, function_text(v.fname)};
  const json& j = *v.j;
  if (j.is_boolean()) return {prim::t::boolean, j.get<bool>() ? 1.0 : 0.0, {}};
  if (j.is_number()) return {prim::t::number, j.get<double>(), {}};
  return {prim::t::string, 0, to_js_string(v)};
}

// IsLessThan(x, y): 1 true, 0 false, -1 undefined (NaN involved).
int js_less(const prim& x, const prim& y) {
  if (x.type == prim::t::string && y.type == prim::t::string) {
    return cd::js_string_compare(x.str, y.str) < 0 ? 1 : 0;
  }
  auto num = [](const prim& p) {
    if (p.type == prim::t::string) return cd::js_string_to_number(p.str);
    return p.num;  // null -> 0, booleans -> 0/1
  };
  const double a = num(x), b = num(y);
  if (std::isnan(a) || std::isnan(b)) return -1;
  return a < b ? 1 : 0;
}

std::string padded_version(const jv& input) {
  std::string s;
  if (input.is_number()) s = to_js_string(input);
  else if (input.is_string()) s = input.j->get_ref<const std::string&>();
  if (s.empty()) s = "0";  // `!input || typeof input !== "string"`
  // replace(/(^v|\+.*$)/g, ""): a leading v, and the first "+" after which no
  // line terminator follows, through the end.
  std::size_t start = (!s.empty() && s[0] == 'v') ? 1 : 0;
  std::size_t last_lt = std::string::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool lt = s[i] == '\n' || s[i] == '\r' ||
                    (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
                     static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                     (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                      static_cast<unsigned char>(s[i + 2]) == 0xA9));
    if (lt) last_lt = i;
  }
  std::size_t end = s.size();
  const std::size_t from = last_lt == std::string::npos ? start : std::max(start, last_lt + 1);
  const std::size_t plus = s.find('+', from);
  if (plus != std::string::npos) end = plus;
  const std::string core = s.substr(start, end - start);
  // split(/[-.]/)
  std::vector<std::string> parts;
  std::string cur;
  for (char c : core) {
    if (c == '-' || c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() == 3) parts.emplace_back("~");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '-';
    const std::string& p = parts[i];
    const bool numeric =
        !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric && p.size() < 5) out.append(5 - p.size(), ' ');
    out += p;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The evaluator. Tri-state results model JS exceptions: the SDK throws on
// some malformed conditions, and a throw unwinds the whole evaluation.

enum class tri : uint8_t { f, t, err };
inline tri from_bool(bool b) { return b ? tri::t : tri::f; }
inline tri negate(tri r) { return r == tri::err ? tri::err : (r == tri::t ? tri::f : tri::t); }

// Saved-group conditions may reference further groups; the JS SDK only stops
// cycles. We also stop chains this deep (evaluation answers false).
constexpr std::size_t max_group_nesting = 32;

struct evaluator {
  const regex_cache* cond_regexes;
  const saved_groups::impl* groups;
  uint64_t steps = 0;
  std::vector<std::string> visited;  // saved group ids being resolved

  bool charge(uint64_t n = 1) {
    steps += n;
    return steps <= condition_eval_budget;
  }

  // getPath: dot-separated, with `in` semantics (own keys, then the prototype).
  jv get_path(const jv& obj, std::string_view path) {
    jv cur = obj;
    std::size_t pos = 0;
    while (true) {
      const std::size_t dot = path.find('.', pos);
      const std::string_view part =
          path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
      if (cur.k != vkind::json || !(cur.j->is_object() || cur.j->is_array())) return jv{};
      const json& c = *cur.j;
      if (c.is_object()) {
        auto it = c.find(std::string(part));
        if (it != c.end()) cur = jv::of(*it);
        else if (part == "__proto__") cur = jv::of(empty_object());
        else if (part == "constructor") cur = jv::function("Object");
        else if (contains(object_proto, part)) cur = jv::function(part);
        else return jv{};
      } else {
        bool index = !part.empty() && part.size() <= 10 &&
                     std::all_of(part.begin(), part.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
                     (part.size() == 1 || part[0] != '0');
        if (index) {
          const uint64_t i = std::stoull(std::string(part));
          if (i >= c.size()) return jv{};
          cur = jv::of(c[static_cast<std::size_t>(i)]);
        } else if (part == "length") {
          cur = jv::number(static_cast<double>(c.size()));
        } else if (part == "__proto__") {
          cur = jv::of(empty_object());
        } else if (part == "constructor") {
          cur = jv::function("Array");
        } else if (contains(array_proto, part) || contains(object_proto, part)) {
          cur = jv::function(part);
        } else {
          return jv{};
        }
      }
      if (dot == std::string_view::npos) return cur;
      pos = dot + 1;
    }
  }

  static bool is_operator_object(const json& c) {
    if (!c.is_object() || c.empty()) return false;
    for (auto it = c.begin(); it != c.end(); ++it) {
      if (it.key().empty() || it.key()[0] != '$') return false;
    }
    return true;
  }

  // evalCondition(obj, condition): Object.entries of any JSON value.
  tri eval_condition(const jv& obj, const json& cond) {
    if (!charge()) return tri::err;
    if (cond.is_null()) return tri::err;  // Object.entries(null) throws
    if (cond.is_object()) {
      for (auto it = cond.begin(); it != cond.end(); ++it) {
        tri r = eval_entry(obj, it.key(), it.value());
        if (r != tri::t) return r;
      }
      return tri::t;
    }
    if (cond.is_array()) {
      for (std::size_t i = 0; i < cond.size(); ++i) {
        tri r = eval_entry(obj, std::to_string(i), cond[i]);
        if (r != tri::t) return r;
      }
      return tri::t;
    }
    if (cond.is_string()) return eval_string_entries(obj, cond.get_ref<const std::string&>());
    return tri::t;  // numbers and booleans have no entries
  }

  // Object.entries("ab") is [["0","a"],["1","b"]], one per UTF-16 code unit.
  tri eval_string_entries(const jv& obj, const std::string& s) {
    const std::u16string units = cd::to_utf16(s);
    for (std::size_t i = 0; i < units.size(); ++i) {
      if (!charge()) return tri::err;
      const char16_t u = units[i];
      if (u >= 0xD800 && u <= 0xDFFF) return tri::f;  // a lone surrogate equals no JSON string
      const std::string ch = cd::to_utf8(std::u16string_view(&units[i], 1));
      const jv v = get_path(obj, std::to_string(i));
      if (to_js_string(v) != ch) return tri::f;
    }
    return tri::t;
  }

  tri eval_entry(const jv& obj, const std::string& key, const json& v) {
    if (key == "$or") return eval_or(obj, v);
    if (key == "$nor") return negate(eval_or(obj, v));
    if (key == "$and") return eval_and(obj, v);
    if (key == "$not") return negate(eval_condition(obj, v));
    if (key == "$savedGroup") return eval_saved_group(obj, v);
    return eval_condition_value(v, get_path(obj, key), false);
  }

  // `conditions.length` and `conditions[i]` on whatever JSON value $or/$and hold.
  template <class Fn>
  tri for_each_listed(const jv& obj, const json& list, bool is_or, Fn&&) {
    if (list.is_null()) return tri::err;  // null.length throws
    if (list.is_array()) {
      if (is_or && list.empty()) return tri::t;
      for (const json& c : list) {
        tri r = eval_condition(obj, c);
        if (r == tri::err) return r;
        if (is_or && r == tri::t) return tri::t;
        if (!is_or && r == tri::f) return tri::f;
      }
      return is_or ? tri::f : tri::t;
    }
    if (list.is_string()) {
      const std::u16string units = cd::to_utf16(list.get_ref<const std::string&>());
      if (is_or && units.empty()) return tri::t;
      for (std::size_t i = 0; i < units.size(); ++i) {
        // conditions[i] is a one-unit string; its entries are [["0", unit]].
        tri r = eval_string_entries(obj, cd::to_utf8(std::u16string_view(&units[i], 1)));
        if (units[i] >= 0xD800 && units[i] <= 0xDFFF) r = tri::f;
        if (r == tri::err) return r;
        if (is_or && r == tri::t) return tri::t;
        if (!is_or && r == tri::f) return tri::f;
      }
      return is_or ? tri::f : tri::t;
    }
    // An object with its own "length" is array-like; we refuse to emulate that.
    if (list.is_object() && list.contains("length")) return tri::err;
    return tri::t;  // length is undefined: $or's `!length` is true, $and's loop is empty
  }

  tri eval_or(const jv& obj, const json& list) { return for_each_listed(obj, list, true, 0); }
  tri eval_and(const jv& obj, const json& list) { return for_each_listed(obj, list, false, 0); }

  const json* find_group(const std::string& id) const {
    if (!groups) return nullptr;
    auto it = groups->doc.find(id);
    return it == groups->doc.end() ? nullptr : &*it;
  }

  tri eval_saved_group(const jv& obj, const json& ref) {
    if (!ref.is_object()) return tri::f;
    auto id_it = ref.find("id");
    if (id_it == ref.end() || !id_it->is_string()) return tri::f;
    const std::string& id = id_it->get_ref<const std::string&>();
    if (std::find(visited.begin(), visited.end(), id) != visited.end()) return tri::f;
    auto ak = ref.find("attributeKey");
    if (ak != ref.end() && !ak->is_string()) return tri::f;
    const json* entry = find_group(id);
    if (!entry || !entry->is_object()) return tri::f;  // absent, v1 array, or inherited
    auto type = entry->find("type");
    if (type == entry->end() || !type->is_string()) return tri::f;
    if (*type == "list") {
      const json* key = nullptr;
      if (ak != ref.end()) key = &*ak;
      else if (auto ek = entry->find("attributeKey"); ek != entry->end() && !ek->is_null()) key = &*ek;
      if (!key || !key->is_string()) return tri::f;
      auto values = entry->find("values");
      if (values == entry->end() || !values->is_array()) return tri::f;
      return is_in(get_path(obj, key->get_ref<const std::string&>()), *values, false);
    }
    if (*type == "condition") {
      auto c = entry->find("condition");
      if (c == entry->end() || !(c->is_object() || c->is_array())) return tri::f;
      if (visited.size() >= max_group_nesting) return tri::err;  // bounded recursion
      visited.push_back(id);
      tri r = eval_condition(obj, *c);
      visited.pop_back();
      return r;
    }
    return tri::f;
  }

  // getSavedGroupArrayValues(savedGroups[key]): null when the group cannot be used.
  const json* group_values(const jv& expected, bool& unknown) {
    unknown = false;
    const std::string key = to_js_string(expected);  // property keys are strings
    const json* entry = find_group(key);
    if (!entry) {
      if (contains(object_proto, key)) return nullptr;  // inherited: not a list
      unknown = true;  // unknown id: an empty list
      return nullptr;
    }
    if (entry->is_array()) return entry;
    if (entry->is_object()) {
      auto type = entry->find("type");
      if (type != entry->end() && *type == "list") {
        auto values = entry->find("values");
        if (values != entry->end() && values->is_array()) return &*values;
      }
    }
    return nullptr;
  }

  tri is_in(const jv& actual, const json& expected, bool insensitive) {
    auto fold_eq = [&](const jv& a, const json& e) {
      if (insensitive && a.is_string() && e.is_string()) {
        return cd::js_to_lower(a.j->get_ref<const std::string&>()) ==
               cd::js_to_lower(e.get_ref<const std::string&>());
      }
      return strict_equal(a, e);
    };
    if (actual.is_array()) {
      for (const json& el : *actual.j) {
        for (const json& e : expected) {
          if (!charge()) return tri::err;
          if (fold_eq(jv::of(el), e)) return tri::t;
        }
      }
      return tri::f;
    }
    for (const json& e : expected) {
      if (!charge()) return tri::err;
      if (fold_eq(actual, e)) return tri::t;
    }
    return tri::f;
  }

  tri is_in_all(const jv& actual, const json& expected, bool insensitive) {
    if (!actual.is_array()) return tri::f;
    for (const json& e : expected) {
      bool passed = false;
      for (const json& a : *actual.j) {
        tri r = eval_condition_value(e, jv::of(a), insensitive);
        if (r == tri::err) return r;
        if (r == tri::t) {
          passed = true;
          break;
        }
      }
      if (!passed) return tri::f;
    }
    return tri::t;
  }

  tri elem_match(const jv& actual, const json& expected) {
    if (!actual.is_array()) return tri::f;
    if (expected.is_null()) return tri::err;  // Object.keys(null) throws
    const bool op = is_operator_object(expected);
    for (const json& el : *actual.j) {
      if (el.is_null()) continue;
      tri r = op ? eval_condition_value(expected, jv::of(el), false)
                 : eval_condition(jv::of(el), expected);
      if (r != tri::f) return r;
    }
    return tri::f;
  }

  tri eval_condition_value(const json& cond, const jv& value, bool insensitive) {
    if (!charge()) return tri::err;
    if (cond.is_string()) {
      const std::string& c = cond.get_ref<const std::string&>();
      if (insensitive) return from_bool(cd::js_to_lower(to_js_string(value)) == cd::js_to_lower(c));
      return from_bool(to_js_string(value) == c);
    }
    if (cond.is_number()) return from_bool(to_js_number(value) == cond.get<double>());
    if (cond.is_boolean()) return from_bool(!value.is_null() && truthy(value) == cond.get<bool>());
    if (cond.is_null()) return from_bool(value.is_null());
    if (cond.is_array() || !is_operator_object(cond)) return from_bool(stringify_equal(value, cond));
    for (auto it = cond.begin(); it != cond.end(); ++it) {
      tri r = eval_operator(it.key(), value, it.value());
      if (r != tri::t) return r;
    }
    return tri::t;
  }

  const cd::js_regex* find_regex(const json& node) const {
    if (cond_regexes) {
      if (auto it = cond_regexes->find(&node); it != cond_regexes->end()) return &it->second;
    }
    if (groups) {
      if (auto it = groups->regexes.find(&node); it != groups->regexes.end()) return &it->second;
    }
    return nullptr;
  }

  tri eval_regex(const jv& actual, const json& expected, bool icase) {
    if (!expected.is_string()) return tri::f;  // regex.replace throws, caught: false
    const std::string subject = to_js_string(actual);
    if (subject.size() > limits::max_regex_subject_bytes) return tri::f;
    const std::u16string units = cd::to_utf16(subject);
    if (!charge(units.size() + 1)) return tri::err;
    if (const cd::js_regex* re = find_regex(expected)) return from_bool(re->test(units));
    const std::string& pattern = expected.get_ref<const std::string&>();
    if (pattern.size() > limits::max_regex_pattern_bytes) return tri::f;
    return from_bool(cd::js_regex::compile(pattern, icase).test(units));
  }

  static std::string_view type_name(const jv& v) {
    switch (v.k) {
      case vkind::null:
        return "null";
      case vkind::number:
        return "number";
      case vkind::function:
        return "unknown";
      case vkind::json:
        break;
    }
    if (v.j->is_array()) return "array";
    if (v.j->is_object()) return "object";
    if (v.j->is_string()) return "string";
    if (v.j->is_boolean()) return "boolean";
    return "number";
  }

  tri eval_operator(const std::string& op, const jv& actual, const json& expected) {
    if (!charge()) return tri::err;
    if (op.size() > 2 && op[1] == 'v') {
      const jv e = jv::of(expected);
      if (op == "$veq") return from_bool(padded_version(actual) == padded_version(e));
      if (op == "$vne") return from_bool(padded_version(actual) != padded_version(e));
      const int c = cd::js_string_compare(padded_version(actual), padded_version(e));
      if (op == "$vgt") return from_bool(c > 0);
      if (op == "$vgte") return from_bool(c >= 0);
      if (op == "$vlt") return from_bool(c < 0);
      if (op == "$vlte") return from_bool(c <= 0);
      return tri::f;
    }
    if (op == "$eq") return from_bool(strict_equal(actual, expected));
    if (op == "$ne") return from_bool(!strict_equal(actual, expected));
    if (op == "$lt" || op == "$lte" || op == "$gt" || op == "$gte") {
      const prim a = to_primitive(actual);
      const prim b = to_primitive(jv::of(expected));
      if (op == "$lt") return from_bool(js_less(a, b) == 1);
      if (op == "$gt") return from_bool(js_less(b, a) == 1);
      if (op == "$lte") return from_bool(js_less(b, a) == 0);
      return from_bool(js_less(a, b) == 0);
    }
    if (op == "$exists") {
      return from_bool(truthy(jv::of(expected)) ? !actual.is_null() : actual.is_null());
    }
    if (op == "$in" || op == "$nin" || op == "$ini" || op == "$nini") {
      if (!expected.is_array()) return tri::f;
      tri r = is_in(actual, expected, op == "$ini" || op == "$nini");
      return (op == "$nin" || op == "$nini") ? negate(r) : r;
    }
    if (op == "$inGroup" || op == "$notInGroup") {
      bool unknown = false;
      const json* values = group_values(jv::of(expected), unknown);
      if (unknown) return from_bool(op == "$notInGroup");  // empty list
      if (!values) return tri::f;
      tri r = is_in(actual, *values, false);
      return op == "$notInGroup" ? negate(r) : r;
    }
    if (op == "$not") return negate(eval_condition_value(expected, actual, false));
    if (op == "$size") {
      if (!actual.is_array()) return tri::f;
      return eval_condition_value(expected, jv::number(static_cast<double>(actual.j->size())), false);
    }
    if (op == "$elemMatch") return elem_match(actual, expected);
    if (op == "$all" || op == "$alli") {
      if (!expected.is_array()) return tri::f;
      return is_in_all(actual, expected, op == "$alli");
    }
    if (op == "$regex") return eval_regex(actual, expected, false);
    if (op == "$regexi") return eval_regex(actual, expected, true);
    if (op == "$type") return from_bool(expected.is_string() && expected == type_name(actual));
    return tri::f;  // unknown operator
  }
};

// ---------------------------------------------------------------------------
// Compilation: structure, limits, and regexes.

std::size_t depth_of(const json& v, std::size_t cap) {
  if (!v.is_object() && !v.is_array()) return 0;
  if (cap == 0) return 1;
  std::size_t d = 0;
  for (const json& c : v) d = std::max(d, depth_of(c, cap - 1));
  return d + 1;
}

status compile_regexes(const json& v, const std::string& where, regex_cache& out) {
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (auto s = compile_regexes(v[i], detail::path_index(where, i), out); !s) return s;
    }
    return ok_value;
  }
  if (!v.is_object()) return ok_value;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string path = detail::path_join(where, it.key());
    const bool re = it.key() == "$regex" || it.key() == "$regexi";
    if (re && it.value().is_string()) {
      const std::string& pattern = it.value().get_ref<const std::string&>();
      if (pattern.size() > limits::max_regex_pattern_bytes) {
        return make_error(errc::limit_exceeded,
                          "regex is " + std::to_string(pattern.size()) + " bytes; the limit is " +
                              std::to_string(limits::max_regex_pattern_bytes),
                          path);
      }
      auto compiled = cd::js_regex::compile(pattern, it.key() == "$regexi");
      if (compiled.status() == cd::regex_status::too_large) {
        return make_error(errc::limit_exceeded,
                          "regex expands past " + std::to_string(cd::max_regex_program) +
                              " instructions",
                          path);
      }
      out.emplace(&it.value(), std::move(compiled));
    } else if (auto s = compile_regexes(it.value(), path, out); !s) {
      return s;
    }
  }
  return ok_value;
}

status check_depth(const json& v, const std::string& where) {
  if (depth_of(v, limits::max_condition_depth + 1) > limits::max_condition_depth) {
    return make_error(errc::limit_exceeded,
                      "condition nests deeper than " + std::to_string(limits::max_condition_depth) +
                          " levels",
                      where);
  }
  return ok_value;
}

bool run(const json& cond, const regex_cache* regexes, const json& attrs,
         const saved_groups::impl* groups) noexcept {
  try {
    evaluator ev{regexes, groups, 0, {}};
    return ev.eval_condition(jv::of(attrs), cond) == tri::t;
  } catch (...) {
    return false;  // allocation failure: fail closed
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API.

attributes::attributes() : impl_(std::make_unique<impl>()) {}
attributes::~attributes() = default;
attributes::attributes(attributes&&) noexcept = default;
attributes& attributes::operator=(attributes&&) noexcept = default;

condition::condition() : impl_(std::make_unique<impl>()) {}
condition::condition(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
condition::~condition() = default;
condition::condition(condition&&) noexcept = default;
condition& condition::operator=(condition&&) noexcept = default;

saved_groups::saved_groups() : impl_(std::make_unique<impl>()) {}
saved_groups::saved_groups(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
saved_groups::~saved_groups() = default;
saved_groups::saved_groups(saved_groups&&) noexcept = default;
saved_groups& saved_groups::operator=(saved_groups&&) noexcept = default;

namespace detail {

attributes make_attributes(json doc) {
  attributes a;
  a.get().doc = std::move(doc);
  return a;
}

result<condition> compile_condition_value(const json& value, const std::string& where) {
  if (!value.is_object()) {
    return make_error(errc::invalid_condition,
                      std::string("a condition must be an object, got ") + value.type_name(), where);
  }
  if (auto s = check_depth(value, where); !s) return s.error();
  auto p = std::make_unique<condition::impl>();
  p->doc = value;
  if (auto s = compile_regexes(p->doc, where, p->regexes); !s) return s.error();
  return condition(std::move(p));
}

result<saved_groups> make_saved_groups(const json& value, const std::string& where) {
  if (!value.is_object()) {
    return make_error(errc::invalid_condition,
                      std::string("saved groups must be an object, got ") + value.type_name(),
                      where);
  }
  if (auto s = check_depth(value, where); !s) return s.error();
  auto p = std::make_unique<saved_groups::impl>();
  p->doc = value;
  if (auto s = compile_regexes(p->doc, where, p->regexes); !s) return s.error();
  return saved_groups(std::move(p));
}

bool evaluate_json(const condition::impl& cond, const json& attrs,
                   const saved_groups::impl* groups) {
  return run(cond.doc, &cond.regexes, attrs, groups);
}

bool evaluate_uncompiled(const json& cond, const json& attrs, const saved_groups::impl* groups) {
  return run(cond, nullptr, attrs, groups);
}

}  // namespace detail

result<attributes> parse_attributes(std::string_view text) noexcept {
  try {
    auto doc = detail::parse_json(text);
    if (!doc) return doc.error();
    if (!doc->is_object()) {
      return make_error(errc::invalid_field,
                        std::string("attributes must be an object, got ") + doc->type_name());
    }
    return detail::make_attributes(std::move(doc.value()));
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<condition> compile_condition(std::string_view text) noexcept {
  try {
    auto doc = detail::parse_json(text, limits::max_json_bytes, limits::max_condition_depth);
    if (!doc) {
      error e = std::move(doc).error();
      if (e.code == errc::invalid_json) {
        e.code = errc::invalid_condition;
        e.message = "condition is not JSON: " + e.message;
      }
      return e;
    }
    return detail::compile_condition_value(doc.value(), "");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<saved_groups> parse_saved_groups(std::string_view text) noexcept {
  try {
    auto doc = detail::parse_json(text);
    if (!doc) return doc.error();
    return detail::make_saved_groups(doc.value(), "");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

bool evaluate(const condition& cond, const attributes& attrs) noexcept {
  return run(cond.get().doc, &cond.get().regexes, attrs.get().doc, nullptr);
}

bool evaluate(const condition& cond, const attributes& attrs, const saved_groups& groups) noexcept {
  return run(cond.get().doc, &cond.get().regexes, attrs.get().doc, &groups.get());
}

}  // namespace tailor
