// copy: Liquid-compatible marketing copy. Templates are compiled once and
// rendered many times under hard, deterministic resource limits; the result is
// then adapted and checked per platform (lengths, SMS segments, compliance,
// quality score) and expanded into ranked variants.
//
// Lifetimes: a compiled_template is immutable and may be shared; render() is a
// pure function of (template, data, options). Time enters only as
// render_options::now_ms (for `date: "now"`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::copy {

// Hard limits. Every one is enforced and tested at N (passes) and N+1 (limit_exceeded).
namespace limits {
inline constexpr std::size_t max_template_bytes = 256u << 10;    // parse size
inline constexpr std::size_t max_parse_nodes = 50'000;           // tags + outputs + texts
inline constexpr std::size_t max_nesting_depth = 64;             // nested blocks
inline constexpr std::size_t max_filters_per_output = 32;
inline constexpr int64_t max_range_length = 1'000'000'000;  // (a..b) spans at most this many integers
inline constexpr std::size_t max_data_bytes = 1u << 20;          // render data JSON
inline constexpr uint64_t default_render_steps = 1'000'000;
inline constexpr uint64_t default_loop_iterations = 100'000;
inline constexpr uint64_t default_output_bytes = 256u << 10;
inline constexpr uint64_t default_memory_bytes = 16u << 20;      // every allocation charged
inline constexpr uint64_t max_render_steps = 100'000'000;         // caller may not exceed these
inline constexpr uint64_t max_loop_iterations = 10'000'000;
inline constexpr uint64_t max_output_bytes = 16u << 20;
inline constexpr uint64_t max_memory_bytes = 256u << 20;
inline constexpr std::size_t max_variants = 100;
inline constexpr std::size_t max_alternatives = 10'000;          // combinations explored
}  // namespace limits

// Budgets of one render. All are counts, never wall-clock.
struct render_limits {
  uint64_t steps = limits::default_render_steps;              // node renders, filter calls, comparisons
  uint64_t loop_iterations = limits::default_loop_iterations; // total over all loops
  uint64_t output_bytes = limits::default_output_bytes;       // final and captured text
  uint64_t memory_bytes = limits::default_memory_bytes;       // bytes allocated, cumulative
};

struct render_options {
  render_limits limits;
  int64_t now_ms = 0;            // UTC ms since epoch, for `date: "now"` / "today"
  std::string locale = "en";     // "en" or "zh-CN": money, dates, plurals
  std::string currency = "USD";  // default of the money filters (ISO 4217)
  int32_t tz_offset_minutes = 0; // offset of local time from UTC for `date`
};

// Options from JSON: {"now_ms", "locale", "currency", "tz_offset_minutes",
// "limits": {"steps", "loop_iterations", "output_bytes", "memory_bytes"}}; every
// field optional, unknown fields rejected. "" means defaults.
[[nodiscard]] result<render_options> parse_render_options(std::string_view json_text) noexcept;

namespace detail { struct template_ast; }

// One step of a data path: a member name, or `each`: every element of the
// array there (an object there is kept whole).
struct path_step {
  std::string key;
  bool each = false;
  bool operator==(const path_step&) const = default;
  bool operator<(const path_step& o) const { return key != o.key ? key < o.key : each < o.each; }
};
using data_path = std::vector<path_step>;

// A parsed template. Cheap to copy (shared, immutable).
class compiled_template {
 public:
  compiled_template() = default;
  explicit compiled_template(std::shared_ptr<const detail::template_ast> ast) : ast_(std::move(ast)) {}
  const detail::template_ast* ast() const noexcept { return ast_.get(); }
  // Variables the template reads (root names), sorted, unique.
  std::vector<std::string> variables() const;
  // The parts of the data the template can read, as paths from the data root
  // (sorted; none inside another). A path ending in a key keeps that subtree
  // whole; a path ending in `each` keeps every element of the array there,
  // cut down to what the paths through it need (an element object that no
  // path enters becomes {}). Where a path meets a value it cannot enter (a
  // scalar; an array for a key; an object for `each`), the value is kept
  // whole. Rendering with data cut down this way gives the same result as
  // with the whole data: callers holding large data (the JS API) send only
  // this projection. A loop variable's reads are narrowed to the fields used:
  // `for r in recs` + `r.title` gives recs, each, title.
  std::vector<data_path> data_paths() const;
 private:
  std::shared_ptr<const detail::template_ast> ast_;
};

// Parses a template. Errors: limit_exceeded (size, nodes, depth) or
// invalid_field (syntax, unknown tag/filter, wrong arity) with `where` = "line:col".
[[nodiscard]] result<compiled_template> compile(std::string_view source) noexcept;

// Data for render, parsed and validated once (an opaque JSON tree).
namespace detail { struct data_tree; }
class render_data {
 public:
  render_data() = default;
  explicit render_data(std::shared_ptr<const detail::data_tree> t) : tree_(std::move(t)) {}
  const detail::data_tree* tree() const noexcept { return tree_.get(); }
 private:
  std::shared_ptr<const detail::data_tree> tree_;
};
[[nodiscard]] result<render_data> parse_data(std::string_view json_text) noexcept;

struct render_result {
  std::string text;
  std::vector<std::string> unresolved;  // variable paths that were nil when output (sorted, unique)
  std::vector<std::string> defaulted;   // paths whose `default` fallback was used (sorted, unique)
  uint64_t steps = 0;                   // budget actually used
  uint64_t memory_bytes = 0;
};

// Renders. Errors: limit_exceeded (steps, loops, output, memory), invalid_field
// (wrong argument type in a filter) with the template `line:col`, invalid_json (data).
[[nodiscard]] result<render_result> render(const compiled_template& t, const render_data& data,
                                           const render_options& opt = {}) noexcept;
[[nodiscard]] result<render_result> render(const compiled_template& t, std::string_view data_json,
                                           const render_options& opt = {}) noexcept;

// ---------------------------------------------------------------- text measures
// Grapheme clusters (extended, UAX #29 subset: combining marks, ZWJ emoji
// sequences, regional-indicator pairs, variation selectors, Hangul, CR LF).
std::size_t count_graphemes(std::string_view utf8) noexcept;
std::size_t count_utf16_units(std::string_view utf8) noexcept;
// East Asian Wide/Fullwidth and emoji count 2, combining marks 0, others 1.
std::size_t display_width(std::string_view utf8) noexcept;

// ---------------------------------------------------------------- SMS
struct sms_info {
  std::string encoding;         // "GSM-7" or "UCS-2"
  std::size_t units = 0;        // septets (GSM-7, extension chars count 2) or UTF-16 units
  std::size_t segments = 0;     // 0 for an empty message
  std::size_t per_segment = 0;  // 160/153 or 70/67
  std::size_t remaining = 0;    // units left in the last segment
  std::vector<std::string> non_gsm;  // characters that forced UCS-2 (unique, in order)
};
sms_info sms_segments(std::string_view utf8) noexcept;

// ---------------------------------------------------------------- platforms
struct platform_field {
  std::string name;          // "headline", "text", "title", ...
  std::string unit;          // "grapheme" | "utf16" | "bytes" | "width" | "cjk_double" | "sms"
  std::size_t max = 0;       // hard limit (in `unit`)
  std::size_t visible = 0;   // shown before truncation by the platform (0: same as max)
  std::string source;        // where the limit comes from
};
struct platform_profile {
  std::string id;            // "google_ads_rsa", "sms", ...
  std::string name;
  std::vector<platform_field> fields;
  std::string cta_hint;      // language hint for the call-to-action check
};
// The built-in profiles, as data (ids sorted).
const std::vector<platform_profile>& platforms() noexcept;
[[nodiscard]] result<platform_profile> find_platform(std::string_view id) noexcept;

// Length of text in `unit`.
std::size_t measure(std::string_view utf8, std::string_view unit) noexcept;

// Truncates to at most `max` in `unit`, on a word boundary when one exists in
// the last 40% (else a grapheme boundary), appending `ellipsis` (counted).
std::string truncate(std::string_view utf8, std::string_view unit, std::size_t max,
                     std::string_view ellipsis = "…") noexcept;

// Index of the longest candidate (by measure) that fits, or -1.
int32_t longest_fitting(const std::vector<std::string>& candidates, std::string_view unit,
                        std::size_t max) noexcept;

// ---------------------------------------------------------------- compliance
struct compliance_term {
  std::string term;
  std::string category;       // "absolute", "medical", "superlative", "brand", "spam"
  std::string severity;       // "high" | "medium" | "low"
  std::string suggestion;
  std::vector<std::string> exceptions;  // context phrases in which the term is allowed
  std::string source;
};
struct compliance_hit {
  std::string term;
  std::string category;
  std::string severity;
  std::size_t byte_offset = 0;
  std::size_t char_offset = 0;   // in code points
  std::string suggestion;
  std::string source;
};
// Built-in lexicon (PRC Advertising Law art. 9, 17, 28; SAMR 2023 guideline).
const std::vector<compliance_term>& builtin_lexicon() noexcept;
// Parses a brand list: JSON array of {term, category?, severity?, suggestion?, exceptions?}.
[[nodiscard]] result<std::vector<compliance_term>> parse_lexicon(std::string_view json_text) noexcept;
std::vector<compliance_hit> check_compliance(std::string_view utf8,
                                             const std::vector<compliance_term>& extra = {}) noexcept;

// ---------------------------------------------------------------- quality
struct score_part {
  std::string name;     // fit, compliance, personalization, readability, cta, spam, duplication
  double score = 0;     // 0..1
  double weight = 0;
  std::string reason;
};
struct quality_report {
  double score = 1;     // 1..5, rounded to 0.1
  std::vector<score_part> parts;
  std::vector<std::string> issues;
};
struct quality_input {
  std::string text;
  std::string platform;                   // profile id ("" = no fit check)
  std::string field;                      // field of the profile ("" = first)
  std::vector<std::string> unresolved;    // from render_result
  std::vector<std::string> defaulted;
  std::vector<std::string> siblings;      // other variants, for duplication
  std::vector<compliance_term> lexicon;   // brand-specific extras
};
quality_report score_quality(const quality_input& in) noexcept;

// ---------------------------------------------------------------- variants
// A variant template uses alternatives: `[[a|b|c]]` picks one phrase,
// `[[?optional clause]]` may be left out. Each combination is rendered with
// Liquid and scored; the N best distinct ones are returned.
struct variant {
  std::string text;
  quality_report quality;
  std::vector<uint32_t> choices;  // index chosen in each alternative group
};
[[nodiscard]] result<std::vector<variant>> generate_variants(std::string_view variant_template,
                                                             std::string_view data_json,
                                                             std::string_view platform,
                                                             std::size_t n,
                                                             const render_options& opt = {}) noexcept;

// ---------------------------------------------------------------- preview
struct preview_result {
  std::string text;          // rendered and adapted (truncated when too long)
  std::string rendered;      // as rendered, before adaptation
  sms_info sms;              // segments (for every platform; meaningful for sms)
  std::size_t length = 0;    // in the platform's unit
  std::size_t width = 0;     // display width
  bool truncated = false;
  quality_report quality;
  std::vector<compliance_hit> hits;
};
// `platform` is a profile id, optionally with a field: "google_ads_rsa.headline".
[[nodiscard]] result<preview_result> preview(std::string_view source, std::string_view data_json,
                                             std::string_view platform,
                                             const render_options& opt = {},
                                             const std::vector<compliance_term>& lexicon = {}) noexcept;

}  // namespace tailor::copy
