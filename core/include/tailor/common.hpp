// Shared vocabulary of the Tailor core: error codes, result<T>, limits.
// Standard headers only, so every public header can include it cheaply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tailor {

// Append-only: JS switches on these numbers and names. Never rename or renumber.
enum class errc : int32_t {
  ok = 0,
  invalid_json = 1,        // text is not JSON (or not UTF-8 where required)
  invalid_field = 2,       // a field has the wrong type or an out-of-range value
  missing_field = 3,       // a required field is absent
  unknown_field = 4,       // a field that the strict schema does not know
  unknown_event_type = 5,  // event.type is not one of the known types
  limit_exceeded = 6,      // a size, count, depth or step budget was exceeded
  duplicate_id = 7,        // an id that must be unique appears twice
  invalid_csv = 8,         // malformed CSV (quoting, column count)
  invalid_condition = 9,   // a targeting condition that cannot be compiled
  invalid_state = 10,      // exported state that cannot be imported
  invalid_config = 11,     // a configuration object that cannot be used
  not_found = 12,          // a referenced id does not exist
  internal = 13,           // a bug: an unexpected exception inside the core
};

inline constexpr int32_t errc_count = 14;

// Stable name ("invalid_json") and one-line description of each code.
std::string_view errc_name(errc code) noexcept;
std::string_view errc_message(errc code) noexcept;

// An error is a value. `where` is a JSON path (`events[3].price`), a CSV
// `line:column`, or a template `line:col`.
struct error {
  errc code = errc::internal;
  std::string message;
  std::string where;
};

inline error make_error(errc code, std::string message, std::string where = {}) {
  return error{code, std::move(message), std::move(where)};
}

// A value or an error. std::expected is C++23 and Emscripten's libc++ lacks it.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(tailor::error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Short form used with early returns: `if (!r) return r.error();`
  const tailor::error& error() const& { return std::get<1>(v_); }
  tailor::error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, tailor::error> v_;
};

// A result with no value.
struct ok_t {};
inline constexpr ok_t ok_value{};
using status = result<ok_t>;

// Hard limits on outside input. Every one is enforced and tested at N and N+1.
namespace limits {
inline constexpr std::size_t max_json_bytes = 4u << 20;        // one JSON document
inline constexpr std::size_t max_json_depth = 32;              // nesting of arrays/objects
inline constexpr std::size_t max_event_bytes = 16u << 10;      // one encoded event
inline constexpr std::size_t max_events_per_batch = 1000;      // one track()/POST batch
inline constexpr std::size_t max_id_bytes = 128;               // event, item, user ids
inline constexpr std::size_t max_string_bytes = 1024;          // other short strings
inline constexpr std::size_t max_query_bytes = 512;            // search query text
inline constexpr std::size_t max_items_per_event = 200;        // purchase lines, impressions
inline constexpr std::size_t max_events_per_profile = 5000;    // newest kept after merge
inline constexpr std::size_t max_suppressions = 500;           // deleted tags kept suppressed
inline constexpr std::size_t max_catalog_items = 1'000'000;
inline constexpr std::size_t max_catalog_bytes = 512u << 20;
inline constexpr std::size_t max_category_depth = 8;
inline constexpr std::size_t max_tags_per_item = 64;
inline constexpr std::size_t max_attributes_per_item = 64;
inline constexpr std::size_t max_segments = 256;
inline constexpr std::size_t max_condition_depth = 32;
inline constexpr std::size_t max_regex_pattern_bytes = 256;
inline constexpr std::size_t max_regex_subject_bytes = 4096;
inline constexpr int64_t max_price_minor = 1'000'000'000'000;  // 10^10 in major units
inline constexpr int32_t max_quantity = 100'000;
}  // namespace limits

}  // namespace tailor
