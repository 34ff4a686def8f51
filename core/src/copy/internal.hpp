// Private types of the copy engine: values, expressions, AST nodes, the render
// context with its budget, and the tag / filter tables.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "tailor/copy.hpp"

namespace tailor::copy::detail {

using json = nlohmann::json;

// Render data as a flat tree (data.cpp): nodes[0] is the root object. An
// array's elements are node ids slots[at .. at+n); an object's members are
// (key offset, key length, node id) triples from slots[at], sorted by key
// bytes; strings and keys live in `text`.
struct data_tree {
  enum class kind : uint8_t { null, boolean, integer, number, string, array, object };
  struct node {
    kind k = kind::null;
    bool b = false;   // boolean; number: an integer above INT64_MAX, exact in i (as uint64)
    uint32_t n = 0;   // string bytes, array elements, object members
    uint32_t at = 0;  // string: offset in text; array, object: first slot
    int64_t i = 0;
    double d = 0;
  };
  std::vector<node> nodes;
  std::vector<uint32_t> slots;
  std::string text;
  // Work buffers of the parser, kept so that re-parsing into a tree allocates nothing.
  struct pending_member { uint32_t off = 0, len = 0, node = 0; };
  std::vector<uint32_t> work;
  std::vector<pending_member> work_members;

  uint32_t root() const { return static_cast<uint32_t>(nodes.size() - 1); }  // the root closes last
  std::string_view str(const node& s) const { return {text.data() + s.at, s.n}; }
  uint32_t element(const node& a, uint32_t k) const { return slots[a.at + k]; }
  std::string_view key(const node& o, uint32_t k) const {
    return {text.data() + slots[o.at + 3 * k], slots[o.at + 3 * k + 1]};
  }
  uint32_t member(const node& o, uint32_t k) const { return slots[o.at + 3 * k + 2]; }
  const node* find(const node& obj, std::string_view key) const;  // binary search, or nullptr
  json to_json(uint32_t id) const;  // for the rare paths that need a DOM (json filter, object output)
};
// Parses render data (an object) into `out`, reusing its buffers. Errors:
// invalid_json with where = "byte N".
[[nodiscard]] status parse_data_tree(std::string_view json_text, data_tree& out);
// limit_exceeded when data of `bytes` is over limits::max_data_bytes.
[[nodiscard]] status check_data_size(std::size_t bytes);
// parse_data's checks (size, depth) and parse, into a reusable tree.
[[nodiscard]] status load_data(std::string_view json_text, data_tree& out);

struct pos {
  uint32_t line = 1;
  uint32_t col = 1;
};
std::string where_of(pos p);

// ------------------------------------------------------------------ values
struct loop_state;

struct value {
  enum class type : uint8_t { nil, boolean, integer, number, string, array, object, range, empty, blank, loop };
  type t = type::nil;
  bool b = false;
  int64_t i = 0;        // integer; range low
  int64_t hi = 0;       // range high
  double d = 0;
  std::string s;                                  // owned string
  const char* sp = nullptr;                       // borrowed string (data tree): sp[0 .. sn)
  uint32_t sn = 0;
  const data_tree* dt = nullptr;                  // borrowed array / object: dt->nodes[dn]
  uint32_t dn = 0;
  std::shared_ptr<const std::vector<value>> arr;  // owned array
  const loop_state* loop = nullptr;

  static value nil() { return value{}; }
  static value boolean(bool v) { value x; x.t = type::boolean; x.b = v; return x; }
  static value integer(int64_t v) { value x; x.t = type::integer; x.i = v; return x; }
  static value number(double v) { value x; x.t = type::number; x.d = v; return x; }
  static value string(std::string v) { value x; x.t = type::string; x.s = std::move(v); return x; }
  static value borrowed(std::string_view p) {
    value x; x.t = type::string; x.sp = p.data(); x.sn = static_cast<uint32_t>(p.size()); return x;
  }
  static value array(std::vector<value> v) {
    value x; x.t = type::array; x.arr = std::make_shared<const std::vector<value>>(std::move(v)); return x;
  }
  static value from_data(const data_tree& t, uint32_t id);
  const data_tree::node& dnode() const { return dt->nodes[dn]; }

  bool is_nil() const { return t == type::nil; }
  bool is_string() const { return t == type::string; }
  bool is_number() const { return t == type::integer || t == type::number; }
  bool is_array() const { return t == type::array || t == type::range; }
  std::string_view str() const { return sp ? std::string_view(sp, sn) : std::string_view(s); }
};

// Truthiness (Liquid: only nil and false are falsy).
bool truthy(const value& v);
// Output text of a value (arrays joined without separator, nil empty).
void append_text(const value& v, std::string& out);
std::string to_text(const value& v);
// Shopify/Ruby float text: shortest round-trip, ".0" kept for whole floats.
std::string format_float(double d);
// Elements of an array-like value (array, range, string→[string], nil→[]).
std::size_t length_of(const value& v);
value element(const value& v, std::size_t idx);
std::vector<value> to_vector(const value& v);
// Property lookup: objects by key, arrays by index / first / last / size, strings size.
value lookup(const value& base, const value& key);
value lookup_name(const value& base, std::string_view key);
bool equal(const value& a, const value& b);
// -1/0/1 or 2 when not comparable.
int compare(const value& a, const value& b);
bool is_empty(const value& v);
bool is_blank(const value& v);

// ------------------------------------------------------------------ budget
// Bytes charged per value held in an array or variable. A fixed figure, not
// sizeof(value), so the memory budget is spent identically on 32-bit wasm and
// 64-bit native builds.
inline constexpr uint64_t kValueCharge = 64;

struct budget {
  render_limits lim;
  uint64_t steps = 0;
  uint64_t loops = 0;
  uint64_t memory = 0;
};

// ------------------------------------------------------------------ expressions
struct render_ctx;
struct filter_def;

struct expr {
  enum class kind : uint8_t { literal, variable, range, binary, filtered, logic };
  kind k = kind::literal;
  pos p;
  value lit;                                  // literal
  std::string root;                           // variable root name
  std::vector<std::unique_ptr<expr>> path;    // variable: property keys (literal string or expression)
  std::string op;                             // binary: == != < > <= >= contains; logic: 'a'/'o' per joint
  // logic: terms in `path`
  std::unique_ptr<expr> a, b;                 // binary operands; range bounds
  struct filter_call {
    const filter_def* def = nullptr;
    std::string name;
    pos p;
    std::vector<std::unique_ptr<expr>> args;
    std::vector<std::pair<std::string, std::unique_ptr<expr>>> kwargs;
  };
  std::unique_ptr<expr> input;                // filtered: input expression
  std::vector<filter_call> filters;
  std::string path_text;                      // variable: "a.b[0]" for reports
};
using expr_ptr = std::unique_ptr<expr>;

[[nodiscard]] result<value> eval(const expr& e, render_ctx& ctx);

// ------------------------------------------------------------------ AST
struct node {
  pos p;
  virtual ~node() = default;
  [[nodiscard]] virtual status render(render_ctx& ctx, std::string& out) const = 0;
};
using node_ptr = std::unique_ptr<node>;
using block = std::vector<node_ptr>;

struct template_ast {
  block nodes;
  std::vector<std::string> variables;
  std::vector<data_path> data_paths;  // see compiled_template::data_paths()
};

[[nodiscard]] status render_block(const block& b, render_ctx& ctx, std::string& out);

// ------------------------------------------------------------------ tokens
struct token {
  enum class kind : uint8_t { text, output, tag };
  kind k = kind::text;
  pos p;               // of the delimiter
  pos body_p;          // of the body's first character
  std::string_view body;  // text, or trimmed body of {{ }} / {% %}
  std::string_view name;  // tag name
  std::string_view args;  // tag arguments
  pos args_p;
};
[[nodiscard]] result<std::vector<token>> tokenize(std::string_view src);

// ------------------------------------------------------------------ expression lexer
class lexer {
 public:
  lexer(std::string_view s, pos start) : s_(s), start_(start), cache_p_(start) {}
  void skip_ws();
  bool eof() { skip_ws(); return i_ >= s_.size(); }
  bool peek_char(char c) { skip_ws(); return i_ < s_.size() && s_[i_] == c; }
  bool eat_char(char c) { if (peek_char(c)) { ++i_; return true; } return false; }
  bool eat_str(std::string_view t);  // exact punctuation like "==" or ".."
  bool eat_word(std::string_view w); // identifier-like keyword with boundary
  bool peek_word(std::string_view w);
  std::string_view ident();          // identifier or empty
  pos here() const;
  pos pos_at(std::size_t offset) const;  // offsets only grow between calls (cached)
  std::string_view rest() const { return s_.substr(i_); }
  std::size_t offset() const { return i_; }
  void set_offset(std::size_t o) { i_ = o; }
  error err(std::string msg) const;

 private:
  std::string_view s_;
  pos start_;
  std::size_t i_ = 0;
  mutable std::size_t cache_i_ = 0;  // here() is incremental: positions only grow
  mutable pos cache_p_;
};

struct parser;
// Parses a full value expression with filters (output / assign / echo).
[[nodiscard]] result<expr_ptr> parse_filtered(lexer& lx, parser& ps);
// Parses a primary (literal, range, variable) without filters.
[[nodiscard]] result<expr_ptr> parse_primary(lexer& lx, parser& ps);
// The data path a variable expression reads: its root (through the loop
// bindings) and the literal keys after it, up to the first computed key,
// index or array property (size / first / last, which also read the parent).
// `complete` tells whether every key was taken. None: the root is a loop
// variable whose collection is not data.
std::optional<data_path> static_data_path(const parser& ps, const expr& e, bool& complete);
// Notes a read of the whole value at `path` (a trailing `each` then means the
// whole collection).
void note_whole(parser& ps, data_path path);
// Parses a condition: comparisons joined by and / or (right-associative).
[[nodiscard]] result<expr_ptr> parse_condition(lexer& lx, parser& ps);

// ------------------------------------------------------------------ parser
struct parser {
  const std::vector<token>& toks;
  std::size_t i = 0;
  std::size_t nodes = 0;
  std::size_t depth = 0;
  std::size_t expr_depth = 0;
  std::vector<std::string>* variables = nullptr;  // data roots read before being declared
  std::vector<data_path>* data_paths = nullptr;  // static prefixes of every variable read
  std::vector<std::string> declared{};             // assigned, captured or loop variables
  // Loop variables in scope (innermost last), each with the data path of its
  // collection's elements, or none when the collection is not a static data
  // path (a range, a computed key: its prefix is then read whole).
  struct loop_binding {
    std::string name;
    std::optional<data_path> elements;
  };
  std::vector<loop_binding> loops{};
  // The expression depth whose variable read is not noted (a loop's
  // collection, which parse_loop notes itself); 0: none.
  std::size_t unnoted_depth = 0;

  void declare(std::string_view name) {
    for (const auto& d : declared) if (d == name) return;
    declared.emplace_back(name);
  }

  // Parses nodes until a tag named in `ends` (which is consumed and returned
  // through `end`), or to the end of input when `ends` is empty.
  [[nodiscard]] status parse_until(block& out, std::initializer_list<std::string_view> ends,
                                   const token** end, std::string_view opener, pos opener_p);
  [[nodiscard]] status count_node(pos p);
};

using tag_parse_fn = result<node_ptr> (*)(const token& t, parser& ps);
struct tag_def {
  std::string_view name;
  tag_parse_fn parse;
};
// The table of tags (tags/index.cpp), sorted by name.
const tag_def* find_tag(std::string_view name);

// ------------------------------------------------------------------ filters
struct filter_args {
  const value* pos_args;
  std::size_t n;
  const std::vector<std::pair<std::string, value>>* kwargs;
  const value* kw(std::string_view k) const {
    if (!kwargs) return nullptr;
    for (const auto& kv : *kwargs) if (kv.first == k) return &kv.second;
    return nullptr;
  }
};
using filter_fn = result<value> (*)(const value& in, const filter_args& args, render_ctx& ctx, pos p);
struct filter_def {
  std::string_view name;
  filter_fn fn;
  uint8_t min_args;
  uint8_t max_args;
};
const filter_def* find_filter(std::string_view name);
// The most positional arguments any filter takes (filters/index.cpp checks its table).
inline constexpr std::size_t max_filter_args = 2;

// ------------------------------------------------------------------ render context
struct loop_state {
  int64_t index0 = 0;
  int64_t length = 0;
  const loop_state* parent = nullptr;
  bool tablerow = false;
  int64_t cols = 0;
  std::string_view name;  // "item-collection" (held by the loop's node)
};

struct render_ctx {
  const render_options* opt = nullptr;
  const data_tree* data = nullptr;
  budget bud;
  std::vector<std::pair<std::string, value>> assigns;   // global scope (assign / capture)
  std::vector<std::pair<std::string_view, value>> locals;  // loop variables, innermost last
  std::vector<std::pair<std::string, int64_t>> counters; // increment / decrement
  std::vector<std::pair<std::string, int64_t>> cycles;   // cycle groups
  std::vector<std::pair<std::string, int64_t>> offsets;  // for ... offset:continue
  std::vector<std::string> unresolved;
  std::vector<std::string> defaulted;
  enum class jump : uint8_t { none, brk, cont } interrupt = jump::none;
  uint32_t depth = 0;

  // Budget checks, inline on every node: the error is built out of line.
  [[nodiscard]] status step(pos p, uint64_t n = 1) {
    bud.steps += n;
    return bud.steps > bud.lim.steps ? steps_exceeded(p) : status(ok_value);
  }
  [[nodiscard]] status charge(pos p, uint64_t bytes) {
    bud.memory += bytes;
    return bud.memory > bud.lim.memory_bytes ? memory_exceeded(p) : status(ok_value);
  }
  [[nodiscard]] status iterate(pos p);
  [[nodiscard]] status emit(pos p, std::string& out, std::string_view text) {
    if (out.size() + text.size() > bud.lim.output_bytes) return output_exceeded(p);
    if (auto s = charge(p, text.size()); !s) return s;
    out.append(text);
    return ok_value;
  }
  [[nodiscard]] error steps_exceeded(pos p) const;
  [[nodiscard]] error memory_exceeded(pos p) const;
  [[nodiscard]] error output_exceeded(pos p) const;
  value* find_assign(std::string_view name);
  void set_assign(std::string_view name, value v);
  value resolve_root(std::string_view name) const;
};

// render() into `out`, reusing its buffers: the wasm binding renders every
// call of a template into one result.
[[nodiscard]] status render_into(const compiled_template& t, const data_tree* data, const render_options& opt,
                                 render_result& out) noexcept;

error limit_error(std::string what, pos p);
error arg_error(std::string msg, pos p);

// Number coercion for math filters; error if a non-numeric string.
[[nodiscard]] result<value> to_number(const value& v, pos p, std::string_view filter);
[[nodiscard]] result<int64_t> to_int(const value& v, pos p, std::string_view filter);
double as_double(const value& v);

// date helpers (filters/date.cpp)
[[nodiscard]] bool parse_time(const value& v, int64_t now_ms, int64_t& ms_out);
std::string strftime_utc(std::string_view fmt, int64_t ms, int32_t tz_minutes, std::string_view locale);

// True if s is valid UTF-8; else `bad` is the byte offset of the first bad sequence.
bool valid_utf8_at(std::string_view s, std::size_t& bad);
// utf-8 helpers (text.cpp)
uint32_t decode_utf8(std::string_view s, std::size_t& i);  // advances; U+FFFD on error

}  // namespace tailor::copy::detail
