// Platforms as data: each field's limit, how the platform counts, and where
// the number comes from. Measuring, SMS segmentation and truncation.
#include <algorithm>

#include "copy/internal.hpp"
#include "copy/text.hpp"

namespace tailor::copy {

namespace {

platform_field F(const char* name, const char* unit, std::size_t max, std::size_t visible, const char* source) {
  return platform_field{name, unit, max, visible, source};
}

std::vector<platform_profile> make_platforms() {
  std::vector<platform_profile> p;
  p.push_back({"banner", "On-site banner", {
      F("headline", "width", 40, 0, "Tailor storefront slot default: one line at 16px in a 360px-wide mobile slot (display columns)"),
      F("subline", "width", 80, 0, "Tailor storefront slot default: two lines in a 360px-wide mobile slot (display columns)")}, "en"});
  p.push_back({"email_preheader", "Email preheader", {
      F("preheader", "grapheme", 150, 100, "Litmus/Email on Acid guidance: 85-100 characters shown by most clients; longer text spills into the body preview")}, "en"});
  p.push_back({"email_subject", "Email subject", {
      F("subject", "bytes", 998, 60, "RFC 5322 §2.1.1 line limit (998 octets); ~60 characters visible in desktop inboxes, ~40 on phones")}, "en"});
  p.push_back({"google_ads_rsa", "Google Ads responsive search ad", {
      F("headline", "cjk_double", 30, 0, "Google Ads Help, 'About responsive search ads': headlines up to 30 characters; double-width (CJK) characters count 2"),
      F("description", "cjk_double", 90, 0, "Google Ads Help: descriptions up to 90 characters; double-width (CJK) characters count 2"),
      F("path", "cjk_double", 15, 0, "Google Ads Help: display URL path fields up to 15 characters each")}, "en"});
  p.push_back({"meta", "Meta (Facebook / Instagram) ad", {
      F("primary_text", "grapheme", 2200, 125, "Meta Ads Guide: primary text is truncated after ~125 characters in feeds; Instagram captions allow 2,200"),
      F("headline", "grapheme", 255, 40, "Meta Ads Guide: headline recommended 40 characters; truncated beyond"),
      F("description", "grapheme", 255, 30, "Meta Ads Guide: link description recommended 30 characters")}, "en"});
  p.push_back({"push_apns", "Push notification (iOS, APNs)", {
      F("body", "bytes", 4096, 178, "Apple, 'Generating a remote notification': payload up to 4 KB; lock screen shows ~4 lines (~178 characters)"),
      F("title", "grapheme", 4096, 50, "Apple Human Interface Guidelines: keep titles short; ~50 characters visible")}, "en"});
  p.push_back({"push_fcm", "Push notification (Android, FCM)", {
      F("body", "bytes", 4096, 240, "Firebase Cloud Messaging: message payload up to 4,096 bytes; expanded notification shows ~240 characters"),
      F("title", "grapheme", 4096, 65, "Android notification template: ~65 characters of the title visible")}, "en"});
  p.push_back({"sms", "SMS", {
      F("text", "sms_segments", 3, 1, "3GPP TS 23.038 / 23.040: GSM-7 160 septets per single SMS, 153 per concatenated part; UCS-2 70/67; one non-GSM character switches the whole message; extension characters take 2 septets. Tailor caps a campaign SMS at 3 parts")}, "en"});
  p.push_back({"wechat_article", "WeChat Official Account article", {
      F("title", "grapheme", 32, 0, "WeChat Official Accounts API, draft/add: title up to 32 characters"),
      F("digest", "grapheme", 128, 0, "WeChat Official Accounts API, draft/add: digest up to 128 characters")}, "zh"});
  p.push_back({"weibo", "Weibo post", {
      F("text", "half_width", 2000, 140, "Weibo: posts up to 2,000 characters (two Latin letters count as one); the first 140 are shown before 'full text' (全文)")}, "zh"});
  p.push_back({"xiaohongshu", "Xiaohongshu (RED) note", {
      F("title", "grapheme", 20, 0, "Xiaohongshu creator guidelines: note titles up to 20 characters"),
      F("body", "grapheme", 1000, 0, "Xiaohongshu creator guidelines: note body up to 1,000 characters")}, "zh"});
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return p;
}

// GSM 03.38 default alphabet (code points) and its extension table.
constexpr uint32_t kGsmBasic[] = {
    '@', 0xA3, '$', 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, '\n', 0xD8, 0xF8, '\r', 0xC5, 0xE5,
    0x394, '_', 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9,
    ' ', '!', '"', '#', 0xA4, '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    0xA1, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 0xC4, 0xD6, 0xD1, 0xDC, 0xA7,
    0xBF, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0xE4, 0xF6, 0xF1, 0xFC, 0xE0};
constexpr uint32_t kGsmExt[] = {'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

int gsm_septets(uint32_t c) {
  for (uint32_t b : kGsmBasic) if (b == c) return 1;
  for (uint32_t e : kGsmExt) if (e == c) return 2;
  return 0;
}

}  // namespace

const std::vector<platform_profile>& platforms() noexcept {
  static const std::vector<platform_profile> p = make_platforms();  // immutable after first use
  return p;
}

result<platform_profile> find_platform(std::string_view id) noexcept {
  for (const auto& p : platforms()) if (p.id == id) return p;
  std::string known;
  for (const auto& p : platforms()) known += (known.empty() ? "" : ", ") + p.id;
  return make_error(errc::not_found, "unknown platform \"" + std::string(id.substr(0, 64)) + "\" (known: " + known + ")",
                    "platform");
}

sms_info sms_segments(std::string_view s) noexcept {
  sms_info info;
  try {
    auto starts = detail::grapheme_starts(s);
    starts.push_back(s.size());
    std::size_t nclusters = starts.size() - 1;
    // Per grapheme cost; a multi-code-unit grapheme or any non-GSM character makes the message UCS-2.
    std::vector<std::size_t> gsm_cost(nclusters), ucs_cost(nclusters);
    bool gsm = true;
    for (std::size_t g = 0; g < nclusters; ++g) {
      std::string_view cl = s.substr(starts[g], starts[g + 1] - starts[g]);
      std::size_t units = count_utf16_units(cl);
      ucs_cost[g] = units;
      // A cluster is GSM when every code point is (CR LF is two GSM characters).
      int sept = 0;
      for (std::size_t i = 0; i < cl.size();) {
        int c = gsm_septets(detail::decode_utf8(cl, i));
        if (c == 0) { sept = 0; break; }
        sept += c;
      }
      if (sept == 0) {
        if (std::find(info.non_gsm.begin(), info.non_gsm.end(), std::string(cl)) == info.non_gsm.end())
          info.non_gsm.emplace_back(cl);
        gsm = false;
      }
      gsm_cost[g] = static_cast<std::size_t>(sept);
    }
    info.encoding = gsm ? "GSM-7" : "UCS-2";
    const auto& cost = gsm ? gsm_cost : ucs_cost;
    const std::size_t single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    std::size_t total = 0;
    for (auto c : cost) total += c;
    info.units = total;
    if (nclusters == 0) {
      info.segments = 0;
      info.per_segment = single;
      info.remaining = single;
      return info;
    }
    if (total <= single) {
      info.segments = 1;
      info.per_segment = single;
      info.remaining = single - total;
      return info;
    }
    // Concatenated: pack whole graphemes (an escape pair or surrogate pair never splits).
    std::size_t segs = 1, used = 0;
    for (auto c : cost) {
      if (used + c > multi) { ++segs; used = 0; }
      used += c;
    }
    info.segments = segs;
    info.per_segment = multi;
    info.remaining = multi - used;
  } catch (...) {
    info = sms_info{};
  }
  return info;
}

std::size_t measure(std::string_view s, std::string_view unit) noexcept {
  if (unit == "grapheme") return count_graphemes(s);
  if (unit == "utf16") return count_utf16_units(s);
  if (unit == "bytes") return s.size();
  if (unit == "width" || unit == "cjk_double") return display_width(s);
  if (unit == "half_width") return (display_width(s) + 1) / 2;
  if (unit == "sms_segments") return sms_segments(s).segments;
  if (unit == "sms_units") return sms_segments(s).units;
  return count_graphemes(s);
}

std::string truncate(std::string_view s, std::string_view unit, std::size_t max, std::string_view ellipsis) noexcept {
  try {
    if (measure(s, unit) <= max) return std::string(s);
    auto starts = detail::grapheme_starts(s);
    starts.push_back(s.size());
    // Largest grapheme prefix whose text + ellipsis fits (measures grow with the prefix).
    std::size_t lo = 0, hi = starts.size() - 1;
    auto fits = [&](std::size_t k) {
      std::string t(s.substr(0, starts[k]));
      t += ellipsis;
      return measure(t, unit) <= max;
    };
    if (!fits(0)) {
      // Not even the ellipsis fits: cut the ellipsis-free text instead.
      std::size_t l = 0, h = starts.size() - 1;
      while (l < h) {
        std::size_t m = (l + h + 1) / 2;
        if (measure(s.substr(0, starts[m]), unit) <= max) l = m; else h = m - 1;
      }
      return std::string(s.substr(0, starts[l]));
    }
    while (lo < hi) {
      std::size_t m = (lo + hi + 1) / 2;
      if (fits(m)) lo = m; else hi = m - 1;
    }
    std::size_t cut = starts[lo];
    // Prefer a word boundary (ASCII space) or, in CJK text, a clause mark
    // (，、；。！) within the last 40% of the kept text.
    std::size_t floor_at = cut - cut * 4 / 10;
    static constexpr std::string_view marks[] = {"，", "、", "；", "。", "！"};
    for (std::size_t k = cut; k > floor_at && k > 0; --k) {
      if (s[k] == ' ' || s[k - 1] == ' ') {
        std::size_t e = k;
        while (e > 0 && s[e - 1] == ' ') --e;
        if (e > 0) { cut = e; break; }
      }
      bool mark = false;
      for (auto m : marks)
        if (k >= m.size() && s.substr(k - m.size(), m.size()) == m && k - m.size() > 0) { cut = k - m.size(); mark = true; break; }
      if (mark) break;
    }
    std::string out(s.substr(0, cut));
    while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';')) out.pop_back();
    out += ellipsis;
    return out;
  } catch (...) {
    return std::string();
  }
}

int32_t longest_fitting(const std::vector<std::string>& c, std::string_view unit, std::size_t max) noexcept {
  int32_t best = -1;
  std::size_t best_len = 0;
  for (std::size_t k = 0; k < c.size(); ++k) {
    std::size_t m = measure(c[k], unit);
    if (m > max) continue;
    if (best < 0 || m > best_len) { best = static_cast<int32_t>(k); best_len = m; }
  }
  return best;
}

}  // namespace tailor::copy
