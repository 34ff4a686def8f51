// The event model: what a shopper did, when, to what. Events are immutable
// facts with client-generated ids, so ingesting one twice changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor {

enum class event_type : uint8_t {
  view,
  click,
  add_to_cart,
  remove_from_cart,
  purchase,
  search,
  impression,
  exposure,
  consent,
  identify,
};

inline constexpr int event_type_count = 10;

std::string_view event_type_name(event_type type) noexcept;
std::optional<event_type> parse_event_type(std::string_view name) noexcept;

// One purchased line. Money is in minor units of the event's currency.
struct line_item {
  std::string item_id;
  int32_t quantity = 1;
  int64_t price_minor = 0;  // unit price
};

// Consent purposes the shopper granted (consent events set all three).
struct consent_flags {
  bool analytics = false;
  bool personalization = false;
  bool marketing = false;
};

// One event. Which optional fields are allowed depends on `type`; the codec
// enforces that strictly (see docs in README: "Event schema").
struct event {
  std::string id;          // client-generated, unique per shopper
  event_type type = event_type::view;
  int64_t ts_ms = 0;       // UTC milliseconds since the epoch
  std::string uid;         // shopper id (anonymous or signed in)

  std::string item_id;     // view, click, add_to_cart, remove_from_cart
  int32_t quantity = 0;    // add_to_cart, remove_from_cart
  std::string slot;        // click, impression: where it was shown
  std::vector<std::string> item_ids;  // impression
  std::string order_id;    // purchase
  std::string currency;    // purchase (ISO 4217)
  std::vector<line_item> lines;       // purchase
  std::string query;       // search
  std::string experiment;  // exposure
  std::string variation;   // exposure
  consent_flags consent;   // consent
  std::string previous_uid;  // identify: the anonymous id now merged into uid
};

// Decodes one event from JSON text. Errors name the field (`where`) and why.
[[nodiscard]] result<event> decode_event(std::string_view json) noexcept;

// Encodes canonically: keys sorted, only the fields of the event's type.
std::string encode_event(const event& ev);

// Outcome of decoding a batch: valid events in input order, and one error per
// rejected event (its `where` starts with `[index]`). A bad event never
// prevents the others from being accepted.
struct batch {
  std::vector<event> events;
  std::vector<error> rejected;
};

// Accepts a JSON array of events or a single event object. Fails as a whole
// only when the text is not JSON or the batch exceeds limits::max_events_per_batch.
[[nodiscard]] result<batch> decode_events(std::string_view json) noexcept;

// Decodes JSON Lines (one event per line, blank lines skipped); `where` is `line N`.
[[nodiscard]] result<batch> decode_event_lines(std::string_view text) noexcept;

}  // namespace tailor
