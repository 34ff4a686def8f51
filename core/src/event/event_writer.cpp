#include "event/event_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "common/json.hpp"
#include "event/money.hpp"

namespace tailor::detail {
namespace {

class event_writer {
 public:
  explicit event_writer(std::string& out) noexcept : out_(out) {}

  bool utf8_ok() const noexcept { return utf8_ok_; }

  // `text` is a literal piece of the document: braces, commas and keys.
  event_writer& raw(std::string_view text) {
    out_ += text;
    return *this;
  }

  // As dump_json writes it; false from utf8_ok() once a string is not UTF-8.
  event_writer& string(std::string_view s) {
    if (!append_json_string(out_, s) && !is_valid_utf8(s)) utf8_ok_ = false;
    return *this;
  }

  event_writer& integer(int64_t v) {
    std::array<char, 24> buf;
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    out_.append(buf.data(), r.ptr);
    return *this;
  }

  event_writer& boolean(bool b) { return raw(b ? "true" : "false"); }

  // nlohmann's own formatter (Grisu2, with the %g-style choice between fixed and exponent layouts) is what dump()
  // calls for a double; another shortest-digits algorithm may differ in the
  // last digit or the layout.
  event_writer& number(double v) {
    if (!std::isfinite(v)) return raw("null");
    std::array<char, 64> buf;
    char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), v);
    out_.append(buf.data(), end);
    return *this;
  }

 private:
  std::string& out_;
  bool utf8_ok_ = true;
};

// `,"ts":…,"type":…,"uid":…`: the last members of every type but exposure,
// whose "variation" sorts after "uid".
void write_ts_type_uid(event_writer& w, const event& ev) {
  w.raw(",\"ts\":").integer(ev.ts_ms);
  w.raw(",\"type\":").string(event_type_name(ev.type));
  w.raw(",\"uid\":").string(ev.uid);
}

void write_lines(event_writer& w, const event& ev) {
  w.raw("[");
  bool first = true;
  for (const auto& li : ev.lines) {
    w.raw(first ? "{\"item_id\":" : ",{\"item_id\":").string(li.item_id);
    w.raw(",\"price\":").number(from_minor_units(li.price_minor, ev.currency));
    w.raw(",\"quantity\":").integer(li.quantity).raw("}");
    first = false;
  }
  w.raw("]");
}

void write_ids(event_writer& w, const std::vector<std::string>& ids) {
  w.raw("[");
  bool first = true;
  for (const auto& id : ids) {
    if (!first) w.raw(",");
    w.string(id);
    first = false;
  }
  w.raw("]");
}

// Members in byte order of their keys, as event_to_json sets them.
void write_members(event_writer& w, const event& ev) {
  switch (ev.type) {
    case event_type::view:
      w.raw("{\"id\":").string(ev.id).raw(",\"item_id\":").string(ev.item_id);
      break;
    case event_type::click:
      w.raw("{\"id\":").string(ev.id).raw(",\"item_id\":").string(ev.item_id);
      if (!ev.slot.empty()) w.raw(",\"slot\":").string(ev.slot);
      break;
    case event_type::add_to_cart:
    case event_type::remove_from_cart:
      w.raw("{\"id\":").string(ev.id).raw(",\"item_id\":").string(ev.item_id);
      w.raw(",\"quantity\":").integer(ev.quantity);
      break;
    case event_type::purchase:
      w.raw("{\"currency\":").string(ev.currency).raw(",\"id\":").string(ev.id);
      w.raw(",\"items\":");
      write_lines(w, ev);
      if (!ev.order_id.empty()) w.raw(",\"order_id\":").string(ev.order_id);
      break;
    case event_type::search:
      w.raw("{\"id\":").string(ev.id).raw(",\"query\":").string(ev.query);
      break;
    case event_type::impression:
      w.raw("{\"id\":").string(ev.id).raw(",\"item_ids\":");
      write_ids(w, ev.item_ids);
      if (!ev.slot.empty()) w.raw(",\"slot\":").string(ev.slot);
      break;
    case event_type::exposure:
      w.raw("{\"experiment\":").string(ev.experiment).raw(",\"id\":").string(ev.id);
      write_ts_type_uid(w, ev);
      w.raw(",\"variation\":").string(ev.variation);
      return;
    case event_type::consent:
      w.raw("{\"analytics\":").boolean(ev.consent.analytics).raw(",\"id\":").string(ev.id);
      w.raw(",\"marketing\":").boolean(ev.consent.marketing);
      w.raw(",\"personalization\":").boolean(ev.consent.personalization);
      break;
    case event_type::identify:
      w.raw("{\"id\":").string(ev.id).raw(",\"previous_uid\":").string(ev.previous_uid);
      break;
    default:  // a type value outside the enum: event_to_json sets the common members only
      w.raw("{\"id\":").string(ev.id);
      break;
  }
  write_ts_type_uid(w, ev);
}

}  // namespace

bool write_event_json(const event& ev, std::string& out) {
  out.reserve(out.size() + 96 + ev.id.size() + ev.uid.size() + ev.item_id.size());
  event_writer w(out);
  write_members(w, ev);
  w.raw("}");
  return w.utf8_ok();
}

}  // namespace tailor::detail
