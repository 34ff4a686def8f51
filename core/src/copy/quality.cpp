// Quality score 1-5 with explained parts. Weights are calibrated on the
// labelled set in tests/vectors/copy-quality-labelled.json (see copy_test.cpp).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "copy/internal.hpp"
#include "copy/text.hpp"

namespace tailor::copy {

namespace {

constexpr double kWeightFit = 0.22;
constexpr double kWeightCompliance = 0.22;
constexpr double kWeightPersonalization = 0.14;
constexpr double kWeightReadability = 0.12;
constexpr double kWeightCta = 0.12;
constexpr double kWeightSpam = 0.13;
constexpr double kWeightDuplication = 0.05;
constexpr double kCapSevere = 2.5;
constexpr double kCapWeak = 3.4;

std::string lower_ascii(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool has_cjk(std::string_view s) {
  for (std::size_t i = 0; i < s.size();)
    if (detail::is_cjk(detail::decode_utf8(s, i))) return true;
  return false;
}

score_part part(const char* name, double score, double weight, std::string reason) {
  return score_part{name, std::clamp(score, 0.0, 1.0), weight, std::move(reason)};
}

score_part fit_part(const quality_input& in, std::vector<std::string>& issues) {
  if (in.platform.empty()) return part("fit", 1.0, kWeightFit, "no platform given");
  auto p = find_platform(in.platform);
  if (!p) return part("fit", 0.0, kWeightFit, p.error().message);
  const platform_field* f = &p->fields.front();
  for (const auto& x : p->fields) if (x.name == in.field) f = &x;
  std::size_t len = measure(in.text, f->unit);
  std::size_t visible = f->visible ? f->visible : f->max;
  std::string unit = f->unit == "sms_segments" ? "segments" : f->unit;
  if (len == 0) {
    issues.push_back("fit: empty text");
    return part("fit", 0.0, kWeightFit, "empty");
  }
  if (len > f->max) {
    issues.push_back("fit: " + std::to_string(len) + " " + unit + " over the " + p->id + " " + f->name + " limit of " +
                     std::to_string(f->max));
    return part("fit", 0.0, kWeightFit, std::to_string(len) + "/" + std::to_string(f->max) + " " + unit + ": too long");
  }
  if (len > visible) {
    issues.push_back("fit: only the first " + std::to_string(visible) + " " + unit + " are shown");
    return part("fit", 0.6, kWeightFit, std::to_string(len) + " " + unit + ", " + std::to_string(visible) + " visible");
  }
  if (f->unit != "sms_segments" && len * 5 <= visible) {
    issues.push_back("fit: uses " + std::to_string(len) + " of " + std::to_string(visible) + " " + unit + "; too short to persuade");
    return part("fit", 0.5, kWeightFit, std::to_string(len) + "/" + std::to_string(visible) + " " + unit + ": very short");
  }
  return part("fit", 1.0, kWeightFit, std::to_string(len) + "/" + std::to_string(f->max) + " " + unit);
}

score_part compliance_part(const quality_input& in, std::vector<std::string>& issues) {
  auto hits = check_compliance(in.text, in.lexicon);
  double s = 1.0;
  for (const auto& h : hits) {
    double v = h.severity == "high" ? 0.0 : h.severity == "medium" ? 0.4 : 0.8;
    s = std::min(s, v);
    issues.push_back("compliance: \"" + h.term + "\" (" + h.category + ", " + h.severity + ") at " +
                     std::to_string(h.char_offset) + ": " + h.suggestion);
  }
  return part("compliance", s, kWeightCompliance, hits.empty() ? "no risky terms" : std::to_string(hits.size()) + " risky term(s)");
}

score_part personalization_part(const quality_input& in, std::vector<std::string>& issues) {
  double s = 1.0 - 0.6 * static_cast<double>(in.unresolved.size()) - 0.25 * static_cast<double>(in.defaulted.size());
  for (const auto& u : in.unresolved) issues.push_back("personalization: " + u + " is missing and renders empty");
  for (const auto& d : in.defaulted) issues.push_back("personalization: " + d + " fell back to its default");
  std::string why = in.unresolved.empty() && in.defaulted.empty()
                        ? "every variable resolved"
                        : std::to_string(in.unresolved.size()) + " unresolved, " + std::to_string(in.defaulted.size()) + " defaulted";
  return part("personalization", s, kWeightPersonalization, why);
}

score_part readability_part(const quality_input& in, std::vector<std::string>& issues) {
  // Longest sentence: words for Latin text, characters for CJK text.
  const std::string& t = in.text;
  bool cjk = has_cjk(t);
  std::size_t longest = 0, cur = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < t.size();) {
    uint32_t c = detail::decode_utf8(t, i);
    bool end = c == '.' || c == '!' || c == '?' || c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == '\n' || c == 0xFF1B;
    if (end) { longest = std::max(longest, cur); cur = 0; in_word = false; continue; }
    if (cjk) {
      if (c != ' ' && c != 0xFF0C && c != ',') ++cur;
    } else {
      bool letter = c > 0x7F || std::isalnum(static_cast<int>(c));
      if (letter && !in_word) ++cur;
      in_word = letter;
    }
  }
  longest = std::max(longest, cur);
  double limit = cjk ? 30.0 : 20.0;
  double s = longest <= limit ? 1.0 : std::max(0.0, 1.0 - (static_cast<double>(longest) - limit) / limit);
  std::string unit = cjk ? " characters" : " words";
  if (s < 1.0) issues.push_back("readability: longest sentence has " + std::to_string(longest) + unit);
  return part("readability", s, kWeightReadability, "longest sentence " + std::to_string(longest) + unit);
}

score_part cta_part(const quality_input& in, std::vector<std::string>& issues) {
  static constexpr std::string_view en[] = {"shop", "buy", "get ", "save", "order", "discover", "try", "claim", "book",
                                            "join", "learn more", "sign up", "start", "use code", "grab", "explore",
                                            "reserve", "download", "subscribe", "redeem", "tap", "click", "see "};
  static constexpr std::string_view zh[] = {"立即", "马上", "点击", "抢购", "领取", "购买", "下单", "查看", "了解",
                                            "速来", "戳", "抢", "试试", "预约", "订阅", "去看看", "快来"};
  std::string l = lower_ascii(in.text) + " ";
  for (auto w : en) {
    std::size_t f = l.find(w);
    if (f != std::string::npos && (f == 0 || !std::isalpha(static_cast<unsigned char>(l[f - 1]))))
      return part("cta", 1.0, kWeightCta, "call to action: \"" + std::string(w) + "\"");
  }
  for (auto w : zh)
    if (in.text.find(w) != std::string::npos) return part("cta", 1.0, kWeightCta, "call to action: \"" + std::string(w) + "\"");
  issues.push_back("cta: no call to action");
  return part("cta", 0.3, kWeightCta, "no call to action");
}

score_part spam_part(const quality_input& in, std::vector<std::string>& issues) {
  const std::string& t = in.text;
  double s = 1.0;
  std::vector<std::string> why;
  // ALL CAPS words of 3+ letters.
  std::size_t words = 0, caps = 0;
  for (std::size_t i = 0; i < t.size();) {
    if (!std::isalpha(static_cast<unsigned char>(t[i]))) { ++i; continue; }
    std::size_t b = i;
    bool all_upper = true;
    while (i < t.size() && std::isalpha(static_cast<unsigned char>(t[i]))) {
      if (std::islower(static_cast<unsigned char>(t[i]))) all_upper = false;
      ++i;
    }
    ++words;
    if (i - b >= 3 && all_upper) ++caps;
  }
  if (caps >= 2 && caps * 4 >= words) { s -= 0.4; why.push_back(std::to_string(caps) + " ALL-CAPS words"); }
  // Runs of ! or ?
  std::size_t run = 0, max_run = 0, bangs = 0;
  for (std::size_t i = 0; i < t.size();) {
    uint32_t c = detail::decode_utf8(t, i);
    bool bang = c == '!' || c == 0xFF01 || c == '?' || c == 0xFF1F;
    if (c == '!' || c == 0xFF01) ++bangs;
    run = bang ? run + 1 : 0;
    max_run = std::max(max_run, run);
  }
  if (max_run >= 2) { s -= 0.3; why.push_back("repeated punctuation"); }
  else if (bangs >= 3) { s -= 0.2; why.push_back(std::to_string(bangs) + " exclamation marks"); }
  // Emoji density.
  std::size_t emoji = 0, graphemes = count_graphemes(t);
  for (std::size_t i = 0; i < t.size();)
    if (detail::is_emoji(detail::decode_utf8(t, i))) ++emoji;
  if (graphemes > 0 && emoji >= 2 && emoji * 12 > graphemes) { s -= 0.3; why.push_back(std::to_string(emoji) + " emoji"); }
  // Classic spam phrases.
  std::string l = lower_ascii(t);
  static constexpr std::string_view phrases[] = {"act now", "100% free", "click here", "$$$", "risk-free", "winner", "you have been selected", "免费领取现金", "点击领取大奖"};
  for (auto ph : phrases)
    if (l.find(ph) != std::string::npos) { s -= 0.3; why.push_back("\"" + std::string(ph) + "\""); }
  std::string reason;
  for (const auto& w : why) reason += (reason.empty() ? "" : ", ") + w;
  if (!why.empty()) issues.push_back("spam: " + reason);
  return part("spam", s, kWeightSpam, why.empty() ? "no spam signals" : reason);
}

std::set<std::string> bigrams(std::string_view s) {
  auto st = detail::grapheme_starts(s);
  st.push_back(s.size());
  std::set<std::string> out;
  for (std::size_t k = 0; k + 2 < st.size(); ++k) out.insert(lower_ascii(s.substr(st[k], st[k + 2] - st[k])));
  return out;
}

score_part duplication_part(const quality_input& in, std::vector<std::string>& issues) {
  if (in.siblings.empty()) return part("duplication", 1.0, kWeightDuplication, "no other variants");
  auto mine = bigrams(in.text);
  double worst = 0;
  for (const auto& sib : in.siblings) {
    auto other = bigrams(sib);
    std::size_t inter = 0;
    for (const auto& g : mine) inter += other.count(g);
    std::size_t uni = mine.size() + other.size() - inter;
    double j = uni ? static_cast<double>(inter) / static_cast<double>(uni) : 1.0;
    worst = std::max(worst, j);
  }
  double s = worst >= 0.9 ? 0.0 : 1.0 - worst;
  int pct = static_cast<int>(std::lround(worst * 100));
  if (worst >= 0.6) issues.push_back("duplication: " + std::to_string(pct) + "% similar to another variant");
  return part("duplication", s, kWeightDuplication, "max similarity " + std::to_string(pct) + "%");
}

}  // namespace

quality_report score_quality(const quality_input& in) noexcept {
  quality_report r;
  try {
    r.parts.push_back(fit_part(in, r.issues));
    r.parts.push_back(compliance_part(in, r.issues));
    r.parts.push_back(personalization_part(in, r.issues));
    r.parts.push_back(readability_part(in, r.issues));
    r.parts.push_back(cta_part(in, r.issues));
    r.parts.push_back(spam_part(in, r.issues));
    r.parts.push_back(duplication_part(in, r.issues));
    double sum = 0, w = 0;
    for (const auto& p : r.parts) { sum += p.score * p.weight; w += p.weight; }
    double s = 1.0 + 4.0 * (w > 0 ? sum / w : 0);
    // Caps: one serious problem outweighs good parts. A text over the hard limit
    // or a high-severity compliance hit caps at 2.5; any weak gating part
    // (fit, compliance, personalization, readability, spam below 0.6) at 3.4.
    for (const auto& p : r.parts) {
      if ((p.name == "compliance" || p.name == "fit") && p.score == 0.0) s = std::min(s, kCapSevere);
      if (p.name != "cta" && p.name != "duplication" && p.score < 0.6) s = std::min(s, kCapWeak);
    }
    r.score = std::round(s * 10.0) / 10.0;
  } catch (...) {
    r = quality_report{};
  }
  return r;
}

}  // namespace tailor::copy
