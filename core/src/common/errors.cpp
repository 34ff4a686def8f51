#include <array>

#include "tailor/common.hpp"

namespace tailor {
namespace {

struct errc_text {
  std::string_view name;
  std::string_view message;
};

// Indexed by errc; a test checks it stays in step with the enum and index.d.ts.
constexpr std::array<errc_text, errc_count> errc_table{{
    {"ok", "no error"},
    {"invalid_json", "the text is not valid JSON"},
    {"invalid_field", "a field has the wrong type or value"},
    {"missing_field", "a required field is missing"},
    {"unknown_field", "a field is not part of the schema"},
    {"unknown_event_type", "the event type is not known"},
    {"limit_exceeded", "a size, count or budget limit was exceeded"},
    {"duplicate_id", "an id that must be unique appears more than once"},
    {"invalid_csv", "the CSV text is malformed"},
    {"invalid_condition", "the targeting condition is malformed"},
    {"invalid_state", "the exported state cannot be imported"},
    {"invalid_config", "the configuration is malformed"},
    {"not_found", "a referenced id does not exist"},
    {"internal", "an internal error occurred in the Tailor core"},
}};

}  // namespace

std::string_view errc_name(errc code) noexcept {
  auto i = static_cast<int32_t>(code);
  return i >= 0 && i < errc_count ? errc_table[static_cast<std::size_t>(i)].name : "unknown";
}

std::string_view errc_message(errc code) noexcept {
  auto i = static_cast<int32_t>(code);
  return i >= 0 && i < errc_count ? errc_table[static_cast<std::size_t>(i)].message
                                  : "unknown error code";
}

}  // namespace tailor
