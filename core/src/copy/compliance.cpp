// Compliance lexicons: terms banned or risky under the PRC Advertising Law
// (art. 9 absolute terms, art. 17 medical claims for non-medical goods, art. 28
// false claims) with the context exceptions of SAMR's 2023 enforcement
// guideline on absolute terms, plus English equivalents and brand lists.
#include <algorithm>
#include <cctype>

#include "copy/internal.hpp"

namespace tailor::copy {

namespace {

compliance_term T(const char* term, const char* cat, const char* sev, const char* sug,
                  std::vector<std::string> exceptions, const char* source) {
  return compliance_term{term, cat, sev, sug, std::move(exceptions), source};
}

constexpr const char* kArt9 = "PRC Advertising Law (2021) art. 9(3): no 国家级, 最高级, 最佳 or similar terms";
constexpr const char* kGuide = "SAMR 广告绝对化用语执法指南 (2023): absolute terms; not a violation when they only state the "
                               "seller's own aspiration, compare the seller's own goods, or describe a verifiable fact "
                               "unrelated to quality";
constexpr const char* kArt17 = "PRC Advertising Law art. 17: only medicines and medical devices may claim to prevent or treat disease";
constexpr const char* kArt28 = "PRC Advertising Law art. 28: false or misleading claims (guaranteed effect, no side effects)";
constexpr const char* kFtc = "US FTC Act §5 / Health Products Compliance Guidance (2022): claims need competent and reliable evidence";

std::vector<compliance_term> make_lexicon() {
  return {
      // absolute terms named by art. 9
      T("国家级", "absolute", "high", "删除，或改为可核验的具体资质（如“获XX认证”）", {"国家级非物质文化遗产", "国家级自然保护区"}, kArt9),
      T("最高级", "absolute", "high", "删除“最高级”，改为具体参数或评价", {}, kArt9),
      T("最佳", "absolute", "high", "改为“优选”“推荐”等非绝对表述", {}, kArt9),
      T("世界级", "absolute", "high", "删除或改为可核验的事实", {}, kArt9),
      T("全网最低", "absolute", "high", "改为具体优惠，如“立减30元”", {}, kArt9),
      T("史上最低", "absolute", "high", "改为具体优惠，如“限时8折”", {}, kArt9),
      T("最低价", "absolute", "high", "改为具体价格或折扣", {}, kArt9),
      T("第一品牌", "absolute", "high", "删除排名类表述，或注明可核验的榜单与年份", {}, kArt9),
      T("销量第一", "absolute", "high", "注明数据来源与统计周期，或改为“热销”", {}, kArt9),
      T("顶级", "absolute", "medium", "改为“高端”“精选”等", {"顶级域名"}, kGuide),
      T("极致", "absolute", "medium", "改为具体的品质描述", {"追求极致"}, kGuide),
      T("唯一", "absolute", "medium", "删除或说明可核验的范围", {"唯一标识", "唯一编号"}, kGuide),
      T("独家", "absolute", "medium", "注明授权依据，或改为“特供”", {}, kGuide),
      T("首选", "absolute", "medium", "改为“推荐”", {}, kGuide),
      T("100%", "absolute", "medium", "改为可核验的数据，如成分含量", {"100%棉", "100%纯棉", "100%羊毛"}, kGuide),
      T("第一", "absolute", "medium", "删除排名，或注明可核验的榜单", {"第一次", "第一步", "第一天", "第一时间", "第一件", "第一单", "第一批", "第一期", "第一章", "第一季"}, kGuide),
      T("最", "absolute", "medium", "改为不含“最”的具体描述（如“新款”“热销”）",
        {"最新款", "本店最新", "最后", "最近", "最少", "最多可", "最晚", "最早", "最快可", "最长可", "最高可减", "最高立减", "最高减", "最低至"}, kGuide),
      // medical and health claims for ordinary goods
      T("治疗", "medical", "high", "普通商品不得宣称治疗作用，删除", {}, kArt17),
      T("治愈", "medical", "high", "删除疗效宣称", {}, kArt17),
      T("根治", "medical", "high", "删除疗效宣称", {}, kArt17),
      T("药到病除", "medical", "high", "删除疗效宣称", {}, kArt17),
      T("抗癌", "medical", "high", "删除疾病相关宣称", {}, kArt17),
      T("防癌", "medical", "high", "删除疾病相关宣称", {}, kArt17),
      T("降血压", "medical", "high", "删除疾病相关宣称", {}, kArt17),
      T("降血糖", "medical", "high", "删除疾病相关宣称", {}, kArt17),
      T("消炎", "medical", "high", "删除疗效宣称", {}, kArt17),
      T("包治", "medical", "high", "删除疗效宣称", {}, kArt17),
      T("无副作用", "medical", "high", "删除，或给出可核验的依据", {}, kArt28),
      T("排毒", "medical", "medium", "删除功能宣称", {}, kArt17),
      T("减肥", "medical", "medium", "普通食品不得宣称减肥功效", {}, kArt17),
      T("保证有效", "medical", "high", "删除功效保证", {}, kArt28),
      T("cure", "medical", "high", "Remove disease claims for non-medical products", {}, kFtc),
      T("cures", "medical", "high", "Remove disease claims for non-medical products", {}, kFtc),
      T("heals", "medical", "medium", "Remove treatment claims", {}, kFtc),
      T("clinically proven", "medical", "medium", "Cite the study or remove", {}, kFtc),
      T("no side effects", "medical", "high", "Remove or substantiate", {}, kFtc),
      T("miracle", "medical", "medium", "Describe the actual benefit instead", {}, kFtc),
      T("detox", "medical", "low", "Avoid unsubstantiated health claims", {}, kFtc),
      // English absolute / superlative terms
      T("best in the world", "superlative", "medium", "Name the award or ranking, or remove", {}, kFtc),
      T("lowest price", "superlative", "medium", "State the actual discount", {"lowest price in 30 days"}, kFtc),
      T("#1", "superlative", "medium", "Cite the ranking source and date, or remove", {}, kFtc),
      T("number one", "superlative", "medium", "Cite the ranking source and date, or remove", {}, kFtc),
      T("guaranteed", "superlative", "low", "State the actual guarantee terms", {"money-back guaranteed", "delivery guaranteed"}, kFtc),
  };
}

bool is_ascii_word(std::string_view t) {
  for (char c : t) if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// All occurrences: case-insensitive with word boundaries for ASCII terms, exact otherwise.
std::vector<std::size_t> find_all(std::string_view text, std::string_view term) {
  std::vector<std::size_t> out;
  if (term.empty() || term.size() > text.size()) return out;
  bool ascii = is_ascii_word(term);
  for (std::size_t i = 0; i + term.size() <= text.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < term.size() && match; ++k)
      match = ascii ? lower(text[i + k]) == lower(term[k]) : text[i + k] == term[k];
    if (!match) continue;
    if (ascii && word_char(term.front()) && i > 0 && word_char(text[i - 1])) continue;
    if (ascii && word_char(term.back()) && i + term.size() < text.size() && word_char(text[i + term.size()])) continue;
    out.push_back(i);
  }
  return out;
}

// True if an exception phrase occurrence covers [at, at+len).
bool excepted(std::string_view text, std::size_t at, std::size_t len, const compliance_term& t) {
  for (const auto& ex : t.exceptions) {
    for (std::size_t p : find_all(text, ex))
      if (p <= at && at + len <= p + ex.size()) return true;
  }
  return false;
}

}  // namespace

const std::vector<compliance_term>& builtin_lexicon() noexcept {
  static const std::vector<compliance_term> lex = make_lexicon();  // immutable after first use
  return lex;
}

result<std::vector<compliance_term>> parse_lexicon(std::string_view text) noexcept {
  try {
    auto j = tailor::detail::parse_json(text);
    if (!j) return j.error();
    if (!j->is_array()) return make_error(errc::invalid_field, "lexicon must be a JSON array", "$");
    if (j->size() > 10000) return make_error(errc::limit_exceeded, "lexicon has more than 10000 terms", "$");
    std::vector<compliance_term> out;
    for (std::size_t i = 0; i < j->size(); ++i) {
      const auto& e = (*j)[i];
      std::string where = tailor::detail::path_index("$", i);
      if (!e.is_object()) return make_error(errc::invalid_field, "lexicon entry must be an object", where);
      if (auto s = tailor::detail::check_known_keys(e, {"term", "category", "severity", "suggestion", "exceptions", "source"}, where); !s)
        return s.error();
      compliance_term t;
      auto term = tailor::detail::read_string(e, "term", where, 256, true);
      if (!term) return term.error();
      if (term->empty()) return make_error(errc::invalid_field, "term must not be empty", tailor::detail::path_join(where, "term"));
      t.term = term.value();
      auto cat = tailor::detail::read_string(e, "category", where, 64, false);
      if (!cat) return cat.error();
      t.category = cat->empty() ? "brand" : cat.value();
      auto sev = tailor::detail::read_string(e, "severity", where, 16, false);
      if (!sev) return sev.error();
      t.severity = sev->empty() ? "medium" : sev.value();
      if (t.severity != "high" && t.severity != "medium" && t.severity != "low")
        return make_error(errc::invalid_field, "severity must be high, medium or low", tailor::detail::path_join(where, "severity"));
      auto sug = tailor::detail::read_string(e, "suggestion", where, 1024, false);
      if (!sug) return sug.error();
      t.suggestion = sug.value();
      auto src = tailor::detail::read_string(e, "source", where, 1024, false);
      if (!src) return src.error();
      t.source = src->empty() ? "brand list" : src.value();
      if (e.contains("exceptions")) {
        const auto& ex = e["exceptions"];
        std::string ew = tailor::detail::path_join(where, "exceptions");
        if (!ex.is_array()) return make_error(errc::invalid_field, "exceptions must be an array of strings", ew);
        for (std::size_t k = 0; k < ex.size(); ++k) {
          if (!ex[k].is_string()) return make_error(errc::invalid_field, "exception must be a string", tailor::detail::path_index(ew, k));
          t.exceptions.push_back(ex[k].get<std::string>());
        }
      }
      out.push_back(std::move(t));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::vector<compliance_hit> check_compliance(std::string_view text, const std::vector<compliance_term>& extra) noexcept {
  std::vector<compliance_hit> hits;
  try {
    std::vector<const compliance_term*> terms;
    for (const auto& t : builtin_lexicon()) terms.push_back(&t);
    for (const auto& t : extra) terms.push_back(&t);
    // Longer terms first, so "最低价" is reported rather than "最" inside it.
    std::stable_sort(terms.begin(), terms.end(), [](auto a, auto b) { return a->term.size() > b->term.size(); });
    std::vector<std::pair<std::size_t, std::size_t>> taken;
    for (const compliance_term* t : terms) {
      for (std::size_t at : find_all(text, t->term)) {
        std::size_t end = at + t->term.size();
        bool overlap = false;
        for (auto& r : taken) if (at < r.second && r.first < end) overlap = true;
        if (overlap || excepted(text, at, t->term.size(), *t)) continue;
        taken.emplace_back(at, end);
        compliance_hit h;
        h.term = t->term;
        h.category = t->category;
        h.severity = t->severity;
        h.byte_offset = at;
        std::size_t cps = 0;
        for (std::size_t k = 0; k < at; ++k) if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++cps;
        h.char_offset = cps;
        h.suggestion = t->suggestion;
        h.source = t->source;
        hits.push_back(std::move(h));
      }
    }
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
      return a.byte_offset != b.byte_offset ? a.byte_offset < b.byte_offset : a.term < b.term;
    });
  } catch (...) {
    hits.clear();
  }
  return hits;
}

}  // namespace tailor::copy
