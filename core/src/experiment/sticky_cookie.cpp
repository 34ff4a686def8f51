// Compact, versioned cookie encoding of sticky bucket assignments.
//
//   s1.<entry>!<entry>!...~<checksum>
//   entry = pct(attributeName) "|" pct(attributeValue) "|" pct(experimentKey) "=" pct(variationKey)
//
// Entries are ordered least recently used first; when the encoding would
// exceed the byte budget, the oldest entries are dropped (LRU eviction).
// pct() percent-encodes every byte outside [A-Za-z0-9._-], so the value is a
// valid cookie-octet string. The checksum (FNV-1a 32 of everything before
// "~", 8 hex digits) detects corruption and casual edits; it is not a MAC.
#include <algorithm>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

namespace tailor {
namespace {

using detail::json;

constexpr std::string_view prefix = "s1.";

std::string pct(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool unpct(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      const int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
      if (a < 0 || b < 0) return false;
      out += static_cast<char>(a * 16 + b);
      i += 2;
    } else {
      const char c = s[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
      out += c;
    }
  }
  return detail::is_valid_utf8(out);
}

std::string checksum(std::string_view body) {
  const uint32_t h = fnv1a32(body, hash_encoding::utf8);
  static const char* hex = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(7 - i)] = hex[(h >> (4 * i)) & 15];
  return out;
}

struct entry {
  std::string attribute, value, experiment, variation;
};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t n = s.find(sep, pos);
    out.emplace_back(s.substr(pos, n == std::string_view::npos ? std::string_view::npos : n - pos));
    if (n == std::string_view::npos) return out;
    pos = n + 1;
  }
}

result<std::vector<entry>> decode_entries(std::string_view cookie) {
  auto bad = [](std::string msg) { return make_error(errc::invalid_state, std::move(msg), "cookie"); };
  if (cookie.size() > sticky_cookie_max_bytes) {
    return make_error(errc::limit_exceeded,
                      "cookie is " + std::to_string(cookie.size()) + " bytes; the limit is " +
                          std::to_string(sticky_cookie_max_bytes),
                      "cookie");
  }
  if (cookie.substr(0, prefix.size()) != prefix) return bad("unknown cookie version");
  const std::size_t tilde = cookie.rfind('~');
  if (tilde == std::string_view::npos || tilde < prefix.size()) return bad("missing checksum");
  if (checksum(cookie.substr(0, tilde)) != cookie.substr(tilde + 1)) return bad("checksum mismatch");
  const std::string_view body = cookie.substr(prefix.size(), tilde - prefix.size());
  std::vector<entry> out;
  if (body.empty()) return out;
  for (const std::string& e : split(body, '!')) {
    const auto parts = split(e, '|');
    if (parts.size() != 3) return bad("malformed entry");
    const auto kv = split(parts[2], '=');
    if (kv.size() != 2) return bad("malformed assignment");
    entry x;
    if (!unpct(parts[0], x.attribute) || !unpct(parts[1], x.value) || !unpct(kv[0], x.experiment) ||
        !unpct(kv[1], x.variation) || x.attribute.empty() || x.experiment.empty()) {
      return bad("malformed escape");
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::string encode_entries(const std::vector<entry>& entries, std::size_t max_bytes) {
  // Drop the oldest entries until the cookie fits.
  std::vector<std::string> parts;
  for (const entry& e : entries) {
    parts.push_back(pct(e.attribute) + "|" + pct(e.value) + "|" + pct(e.experiment) + "=" + pct(e.variation));
  }
  std::size_t first = 0;
  while (true) {
    std::string body(prefix);
    for (std::size_t i = first; i < parts.size(); ++i) {
      if (i > first) body += '!';
      body += parts[i];
    }
    std::string cookie = body + "~" + checksum(body);
    if (cookie.size() <= max_bytes || first >= parts.size()) return cookie;
    ++first;
  }
}

}  // namespace

result<std::string> sticky_cookie_decode(std::string_view cookie) noexcept {
  try {
    auto entries = decode_entries(cookie);
    if (!entries) return entries.error();
    json docs = json::object();
    json order = json::array();
    for (const entry& e : entries.value()) {
      const std::string key = e.attribute + "||" + e.value;
      json& doc = docs[key];
      doc["attributeName"] = e.attribute;
      doc["attributeValue"] = e.value;
      doc["assignments"][e.experiment] = e.variation;
      order.push_back(json::array({key, e.experiment}));
    }
    return detail::dump_json(json{{"stickyBucketAssignmentDocs", docs}, {"order", order}});
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> sticky_cookie_encode(std::string_view docs_json, std::string_view recent_json,
                                         std::size_t max_bytes) noexcept {
  try {
    if (max_bytes > sticky_cookie_max_bytes) max_bytes = sticky_cookie_max_bytes;
    auto docs = detail::parse_json(docs_json);
    if (!docs) return docs.error();
    if (!docs->is_object()) return make_error(errc::invalid_field, "docs must be an object", "docs");
    auto recent = detail::parse_json(recent_json.empty() ? std::string_view("[]") : recent_json);
    if (!recent) return recent.error();
    if (!recent->is_array()) return make_error(errc::invalid_field, "recent must be an array", "recent");
    // Every assignment, oldest first: those not listed in `recent` (by key),
    // then those listed, in the listed order.
    std::vector<entry> listed, rest;
    std::vector<std::pair<std::string, std::string>> order;
    for (const json& r : *recent) {
      if (r.is_array() && r.size() == 2 && r[0].is_string() && r[1].is_string()) {
        order.emplace_back(r[0].get<std::string>(), r[1].get<std::string>());
      }
    }
    std::vector<std::pair<std::size_t, entry>> ranked;
    for (auto it = docs->begin(); it != docs->end(); ++it) {
      const json& doc = it.value();
      if (!doc.is_object() || !doc.contains("attributeName") || !doc["attributeName"].is_string() ||
          !doc.contains("attributeValue") || !doc["attributeValue"].is_string() ||
          !doc.contains("assignments") || !doc["assignments"].is_object()) {
        return make_error(errc::invalid_field, "not a sticky bucket assignment doc", "docs." + it.key());
      }
      for (auto a = doc["assignments"].begin(); a != doc["assignments"].end(); ++a) {
        if (!a.value().is_string()) continue;
        entry e{doc["attributeName"].get<std::string>(), doc["attributeValue"].get<std::string>(), a.key(),
                a.value().get<std::string>()};
        std::size_t rank = 0;  // 0: not listed (oldest)
        for (std::size_t i = order.size(); i-- > 0;) {
          if (order[i].first == it.key() && order[i].second == a.key()) {
            rank = i + 1;
            break;
          }
        }
        ranked.emplace_back(rank, std::move(e));
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<entry> entries;
    for (auto& r : ranked) entries.push_back(std::move(r.second));
    return encode_entries(entries, max_bytes);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
