#include "common/json.hpp"

#include <algorithm>
#include <cmath>

namespace tailor::detail {
namespace {

struct depth_exceeded {
  std::size_t depth;
};

// Deepest array/object nesting in text (strings and escapes skipped). Only a
// bound for the fast path: malformed text is left to the parser.
std::size_t nesting_depth(std::string_view text) noexcept {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

result<json> parse_json(std::string_view text, std::size_t max_bytes,
                        std::size_t max_depth) noexcept {
  if (text.size() > max_bytes) {
    return make_error(errc::limit_exceeded, "JSON text is " + std::to_string(text.size()) +
                                                " bytes; the limit is " + std::to_string(max_bytes));
  }
  try {
    // Fast path: a document that cannot exceed the depth limit is parsed without
    // the per-value callback (the same result; the callback path below reports
    // depth errors in parse order).
    if (nesting_depth(text) < max_depth) return json::parse(text.begin(), text.end());
    auto limit_depth = [max_depth](int depth, json::parse_event_t event, json&) {
      if ((event == json::parse_event_t::object_start ||
           event == json::parse_event_t::array_start) &&
          static_cast<std::size_t>(depth) >= max_depth) {
        throw depth_exceeded{static_cast<std::size_t>(depth)};
      }
      return true;
    };
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const depth_exceeded&) {
    return make_error(errc::limit_exceeded,
                      "JSON nesting is deeper than " + std::to_string(max_depth) + " levels");
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string what = e.what();
    auto colon = what.find("] ");
    return make_error(errc::invalid_json,
                      colon == std::string::npos ? what : what.substr(colon + 2),
                      "byte " + std::to_string(e.byte));
  } catch (const std::exception& e) {
    return make_error(errc::invalid_json, e.what());
  }
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\t': out += "\\t"; return;
    case '\n': out += "\\n"; return;
    case '\f': out += "\\f"; return;
    case '\r': out += "\\r"; return;
    default: {
      const char u[] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

bool append_json_string(std::string& out, std::string_view s) {
  out += '"';
  const char* run = s.data();  // bytes since the last escape, appended in one go
  bool ascii = true;
  for (const char& ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      ascii = false;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(run, &ch);
    run = &ch + 1;
    append_escape(out, c);
  }
  out.append(run, s.data() + s.size());
  out += '"';
  return ascii;
}

std::string path_join(std::string_view base, std::string_view key) {
  std::string out(base);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string path_index(std::string_view base, std::size_t index) {
  std::string out(base);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

result<std::string> read_string(const json& obj, const char* key, const std::string& where,
                                std::size_t max_bytes, bool required) {
  auto it = obj.find(key);
  const std::string path = path_join(where, key);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(errc::missing_field, "required string is missing", path);
    return std::string();
  }
  if (!it->is_string()) {
    return make_error(errc::invalid_field,
                      std::string("expected a string, got ") + it->type_name(), path);
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return make_error(errc::limit_exceeded,
                      "string is " + std::to_string(s.size()) + " bytes; the limit is " +
                          std::to_string(max_bytes),
                      path);
  }
  if (required && s.empty()) return make_error(errc::invalid_field, "must not be empty", path);
  if (!is_valid_utf8(s)) return make_error(errc::invalid_field, "is not valid UTF-8", path);
  return s;
}

result<int64_t> read_int(const json& obj, const char* key, const std::string& where, int64_t min,
                         int64_t max, bool required, int64_t fallback) {
  auto it = obj.find(key);
  const std::string path = path_join(where, key);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(errc::missing_field, "required integer is missing", path);
    return fallback;
  }
  int64_t v = 0;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return make_error(errc::invalid_field, "integer is out of range", path);
    }
    v = it->get<int64_t>();
  } else if (it->is_number_float()) {
    double d = it->get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < -9.0e15 || d > 9.0e15) {
      return make_error(errc::invalid_field, "expected an integer, got a fractional number", path);
    }
    v = static_cast<int64_t>(d);
  } else {
    return make_error(errc::invalid_field,
                      std::string("expected an integer, got ") + it->type_name(), path);
  }
  if (v < min || v > max) {
    return make_error(errc::invalid_field,
                      "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", got " + std::to_string(v),
                      path);
  }
  return v;
}

result<double> read_number(const json& obj, const char* key, const std::string& where, double min,
                           double max, bool required, double fallback) {
  auto it = obj.find(key);
  const std::string path = path_join(where, key);
  if (it == obj.end() || it->is_null()) {
    if (required) return make_error(errc::missing_field, "required number is missing", path);
    return fallback;
  }
  if (!it->is_number()) {
    return make_error(errc::invalid_field,
                      std::string("expected a number, got ") + it->type_name(), path);
  }
  double d = it->get<double>();
  if (!std::isfinite(d)) return make_error(errc::invalid_field, "must be finite", path);
  if (d < min || d > max) {
    return make_error(errc::invalid_field, "is out of range", path);
  }
  return d;
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

status check_known_keys(const json& obj, std::initializer_list<const char*> allowed,
                        const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* k : allowed) {
      if (it.key() == k) {
        known = true;
        break;
      }
    }
    if (!known) {
      return make_error(errc::unknown_field, "unknown field", path_join(where, it.key()));
    }
  }
  return ok_value;
}

}  // namespace tailor::detail
