// URL targeting and redirect experiments (GrowthBook's urlPatterns,
// persistQueryString). A small URL parser for absolute and base-relative
// http(s) URLs: scheme, host (lower case, default port dropped), path, query
// and fragment — the parts GrowthBook's matching looks at.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "condition/js_value.hpp"
#include "condition/regex.hpp"
#include "experiment/growthbook.hpp"

namespace tailor::experiment_detail {
namespace {

struct url {
  std::string scheme;  // "https"
  std::string host;    // with ":port" when not the default
  std::string path;    // "/..."
  std::string query;   // without "?"
  bool has_query = false;
  std::string hash;    // with "#", or ""

  std::string origin() const { return scheme + "://" + host; }
  std::string href() const { return origin() + path + (has_query ? "?" + query : "") + hash; }
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

bool parse_absolute(const std::string& in, url& out) {
  const std::size_t colon = in.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = in[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  out.scheme = lower(in.substr(0, colon));
  std::string rest = in.substr(colon + 1);
  std::size_t slashes = 0;
  while (slashes < rest.size() && (rest[slashes] == '/' || rest[slashes] == '\\')) ++slashes;
  if (slashes < 2 && (out.scheme == "http" || out.scheme == "https")) {
    // "http:host" is accepted by WHATWG for special schemes; treat like "//".
  }
  rest = rest.substr(slashes);
  std::size_t end = rest.find_first_of("/\\?#");
  std::string host = lower(rest.substr(0, end));
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if ((out.scheme == "http" && host.size() > 3 && host.substr(host.size() - 3) == ":80") ||
      (out.scheme == "https" && host.size() > 4 && host.substr(host.size() - 4) == ":443")) {
    host = host.substr(0, host.rfind(':'));
  }
  if (host.empty()) return false;
  out.host = host;
  rest = end == std::string::npos ? std::string() : rest.substr(end);
  const std::size_t h = rest.find('#');
  if (h != std::string::npos) {
    out.hash = rest.substr(h);
    if (out.hash == "#") out.hash.clear();
    rest = rest.substr(0, h);
  }
  const std::size_t q = rest.find('?');
  if (q != std::string::npos) {
    out.has_query = true;
    out.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::replace(rest.begin(), rest.end(), '\\', '/');
  out.path = rest.empty() ? "/" : rest;
  return true;
}

// new URL(input, base) for our purposes: absolute input, or a path relative to base.
bool parse_url(const std::string& input, const std::string& base, url& out) {
  if (parse_absolute(input, out)) return true;
  url b;
  if (!parse_absolute(base, b)) return false;
  out = b;
  out.hash.clear();
  if (input.empty()) return true;
  std::string rest = input;
  const std::size_t h = rest.find('#');
  if (h != std::string::npos) {
    out.hash = rest.substr(h) == "#" ? std::string() : rest.substr(h);
    rest = rest.substr(0, h);
  }
  const std::size_t q = rest.find('?');
  std::string path = q == std::string::npos ? rest : rest.substr(0, q);
  if (q != std::string::npos) {
    out.has_query = true;
    out.query = rest.substr(q + 1);
  } else if (!path.empty()) {
    out.has_query = false;
    out.query.clear();
  }
  if (!path.empty()) {
    if (path[0] == '/') out.path = path;
    else out.path = out.path.substr(0, out.path.rfind('/') + 1) + path;
  }
  return true;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> search_params(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const std::size_t amp = query.find('&', pos);
    const std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!kv.empty()) {
      const std::size_t eq = kv.find('=');
      out.emplace_back(percent_decode(kv.substr(0, eq)),
                       eq == std::string::npos ? std::string() : percent_decode(kv.substr(eq + 1)));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

// application/x-www-form-urlencoded serializer (URLSearchParams#toString).
std::string form_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
        c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool regex_test(const std::string& pattern, bool icase, const std::string& subject) {
  if (pattern.size() > limits::max_regex_pattern_bytes * 4) return false;
  const auto re = condition_detail::js_regex::compile(pattern, icase);
  return re.valid() && re.test(condition_detail::to_utf16(subject));
}

bool simple_part(const std::string& actual, const std::string& pattern, bool is_path) {
  std::string escaped;
  for (char c : pattern) {
    if (std::string_view("*.+?^${}()|[]\\").find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  for (std::size_t p; (p = escaped.find("_____")) != std::string::npos;) escaped.replace(p, 5, ".*");
  if (is_path) {
    if (!escaped.empty() && escaped.front() == '/') escaped.erase(0, 1);
    if (!escaped.empty() && escaped.back() == '/') escaped.pop_back();
    escaped = "\\/?" + escaped + "\\/?";
  }
  return regex_test("^" + escaped + "$", true, actual);
}

bool simple_target(const url& actual, const std::string& pattern) {
  std::string p = pattern;
  // pattern.replace(/^([^:/?]*)\./i, "https://$1.")
  const std::size_t stop = p.find_first_of(":/?");
  const std::size_t dot = p.find('.');
  if (dot != std::string::npos && (stop == std::string::npos || dot < stop)) p = "https://" + p;
  for (std::size_t i; (i = p.find('*')) != std::string::npos;) p.replace(i, 1, "_____");
  url expected;
  if (!parse_url(p, "https://_____", expected)) return false;
  if (!simple_part(actual.host, expected.host, false)) return false;
  if (!simple_part(actual.path, expected.path, true)) return false;
  if (!expected.hash.empty() && !simple_part(actual.hash, expected.hash, false)) return false;
  const auto actual_params = search_params(actual.query);
  for (const auto& [k, v] : search_params(expected.query)) {
    std::string got;
    for (const auto& [ak, av] : actual_params) {
      if (ak == k) {
        got = av;
        break;
      }
    }
    if (!simple_part(got, v, false)) return false;
  }
  return true;
}

bool url_target(const std::string& href, const json& target) {
  url parsed;
  if (!parse_url(href, "https://_", parsed)) return false;
  const json* type = target.is_object() && target.contains("type") ? &target["type"] : nullptr;
  const json* pattern = target.is_object() && target.contains("pattern") ? &target["pattern"] : nullptr;
  if (!type || !pattern || !pattern->is_string()) return false;
  const std::string pat = pattern->get<std::string>();
  if (*type == "regex") {
    const std::string full = parsed.href();
    return regex_test(pat, false, full) || regex_test(pat, false, full.substr(parsed.origin().size()));
  }
  if (*type == "simple") return simple_target(parsed, pat);
  return false;
}

}  // namespace

bool url_targeted(const std::string& href, const json& targets) {
  if (!targets.is_array() || targets.empty()) return false;
  bool has_include = false, included = false;
  for (const json& t : targets) {
    const bool match = url_target(href, t);
    if (t.is_object() && t.contains("include") && t["include"] == false) {
      if (match) return false;
    } else {
      has_include = true;
      if (match) included = true;
    }
  }
  return included || !has_include;
}

std::string merge_query_strings(const std::string& old_url, const std::string& new_url) {
  url a, b;
  if (!parse_absolute(old_url, a) || !parse_absolute(new_url, b)) return new_url;
  auto params = search_params(b.query);
  bool changed = false;
  for (const auto& kv : search_params(a.query)) {
    const std::string& key = kv.first;
    const bool exists = std::any_of(params.begin(), params.end(), [&key](const auto& p) { return p.first == key; });
    if (!exists) {
      params.push_back(kv);
      changed = true;
    }
  }
  if (changed) {
    std::string q;
    for (const auto& [k, v] : params) {
      if (!q.empty()) q += '&';
      q += form_encode(k) + "=" + form_encode(v);
    }
    b.query = q;
    b.has_query = !q.empty();
  }
  return b.href();
}

}  // namespace tailor::experiment_detail
