// Variant generation from alternatives ([[a|b]] and [[?optional]]) and the
// preview that marketers see: render, adapt to the platform, score, check.
#include <algorithm>

#include "copy/internal.hpp"

namespace tailor::copy {

namespace {

struct variant_source {
  std::vector<std::string> literals;               // literals[k] precedes group k; one extra at the end
  std::vector<std::vector<std::string>> groups;    // alternatives of each group ("" = left out)
};

result<variant_source> parse_variant_template(std::string_view s) {
  variant_source v;
  std::string lit;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "[[") != 0) { lit += s[i++]; continue; }
    std::size_t close = s.find("]]", i + 2);
    if (close == std::string_view::npos) {
      std::size_t line = 1, col = 1;
      for (std::size_t k = 0; k < i; ++k) {
        if (s[k] == '\n') { ++line; col = 1; }
        else if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) ++col;
      }
      return make_error(errc::invalid_field, "alternative \"[[\" not closed, expected \"]]\"",
                        std::to_string(line) + ":" + std::to_string(col));
    }
    std::string_view body = s.substr(i + 2, close - i - 2);
    std::vector<std::string> alts;
    if (!body.empty() && body[0] == '?') {
      alts = {std::string(body.substr(1)), ""};
    } else {
      std::size_t b = 0;
      while (true) {
        std::size_t bar = body.find('|', b);
        alts.emplace_back(body.substr(b, bar == std::string_view::npos ? std::string_view::npos : bar - b));
        if (bar == std::string_view::npos) break;
        b = bar + 1;
      }
    }
    v.literals.push_back(std::move(lit));
    lit.clear();
    v.groups.push_back(std::move(alts));
    i = close + 2;
  }
  v.literals.push_back(std::move(lit));
  return v;
}

// splitmix64: explicit, seeded, identical on every target.
uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) { h ^= c; h *= 1099511628211ull; }
  return h;
}

std::pair<std::string, std::string> split_platform(std::string_view p) {
  std::size_t dot = p.find('.');
  if (dot == std::string_view::npos) return {std::string(p), ""};
  return {std::string(p.substr(0, dot)), std::string(p.substr(dot + 1))};
}

}  // namespace

result<std::vector<variant>> generate_variants(std::string_view tpl, std::string_view data_json, std::string_view platform,
                                               std::size_t n, const render_options& opt) noexcept {
  try {
    if (n == 0 || n > limits::max_variants)
      return make_error(errc::invalid_field, "n must be 1 to " + std::to_string(limits::max_variants), "n");
    if (tpl.size() > limits::max_template_bytes)
      return make_error(errc::limit_exceeded, "template is larger than " + std::to_string(limits::max_template_bytes) + " bytes", "1:1");
    const auto split = split_platform(platform);
    const std::string pid = split.first, field = split.second;  // named: lambdas below capture them
    if (!pid.empty()) {
      auto p = find_platform(pid);
      if (!p) return p.error();
    }
    auto src = parse_variant_template(tpl);
    if (!src) return src.error();
    auto data = parse_data(data_json);
    if (!data) return data.error();
    // Combinations in mixed radix; beyond the cap, a seeded sample without repeats.
    uint64_t total = 1;
    bool capped = false;
    for (const auto& g : src->groups) {
      if (total > limits::max_alternatives / std::max<std::size_t>(1, g.size())) { capped = true; total = limits::max_alternatives; break; }
      total *= g.size();
    }
    std::vector<uint64_t> picks;
    if (!capped) {
      for (uint64_t k = 0; k < total; ++k) picks.push_back(k);
    }
    uint64_t seed = fnv1a(tpl);
    struct cand { std::string text; std::vector<uint32_t> choices; render_result rr; };
    std::vector<cand> cands;
    auto try_choice = [&](const std::vector<uint32_t>& ch) -> status {
      std::string source;
      for (std::size_t g = 0; g < src->groups.size(); ++g) { source += src->literals[g]; source += src->groups[g][ch[g]]; }
      source += src->literals.back();
      auto t = compile(source);
      if (!t) return t.error();
      auto r = render(t.value(), data.value(), opt);
      if (!r) return r.error();
      for (const auto& c : cands) if (c.text == r->text) return ok_value;
      cands.push_back({r->text, ch, std::move(r.value())});
      return ok_value;
    };
    std::vector<uint32_t> ch(src->groups.size());
    if (!capped) {
      for (uint64_t k : picks) {
        uint64_t x = k;
        for (std::size_t g = src->groups.size(); g-- > 0;) {
          ch[g] = static_cast<uint32_t>(x % src->groups[g].size());
          x /= src->groups[g].size();
        }
        if (auto s = try_choice(ch); !s) return s.error();
      }
    } else {
      for (std::size_t k = 0; k < limits::max_alternatives; ++k) {
        for (std::size_t g = 0; g < src->groups.size(); ++g)
          ch[g] = static_cast<uint32_t>(splitmix(seed) % src->groups[g].size());
        if (auto s = try_choice(ch); !s) return s.error();
      }
    }
    // Score each alone, rank (score, then text), then keep greedily: each kept
    // variant is re-scored against those already kept, and near-duplicates are dropped.
    std::vector<std::size_t> order(cands.size());
    std::vector<quality_report> alone(cands.size());
    auto input_for = [&](std::size_t k) {
      quality_input qi;
      qi.text = cands[k].text;
      qi.platform = pid;
      qi.field = field;
      qi.unresolved = cands[k].rr.unresolved;
      qi.defaulted = cands[k].rr.defaulted;
      return qi;
    };
    for (std::size_t k = 0; k < cands.size(); ++k) {
      order[k] = k;
      alone[k] = score_quality(input_for(k));
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return alone[a].score != alone[b].score ? alone[a].score > alone[b].score : cands[a].text < cands[b].text;
    });
    std::vector<variant> kept;
    for (std::size_t k : order) {
      if (kept.size() == n) break;
      quality_input qi = input_for(k);
      for (const auto& v : kept) qi.siblings.push_back(v.text);
      quality_report q = score_quality(qi);
      bool duplicate = false;
      for (const auto& p : q.parts) if (p.name == "duplication" && p.score == 0.0) duplicate = true;
      if (duplicate) continue;
      kept.push_back(variant{cands[k].text, std::move(q), cands[k].choices});
    }
    std::stable_sort(kept.begin(), kept.end(), [](const variant& a, const variant& b) {
      return a.quality.score != b.quality.score ? a.quality.score > b.quality.score : a.text < b.text;
    });
    return kept;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while generating variants");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<preview_result> preview(std::string_view source, std::string_view data_json, std::string_view platform,
                               const render_options& opt, const std::vector<compliance_term>& lexicon) noexcept {
  try {
    const auto split = split_platform(platform);
    const std::string& pid = split.first;
    const std::string& field = split.second;
    auto p = find_platform(pid);
    if (!p) return p.error();
    const platform_field* f = &p->fields.front();
    if (!field.empty()) {
      f = nullptr;
      for (const auto& x : p->fields) if (x.name == field) f = &x;
      if (!f) return make_error(errc::not_found, "platform " + pid + " has no field \"" + field.substr(0, 64) + "\"", "platform");
    }
    auto t = compile(source);
    if (!t) return t.error();
    auto r = render(t.value(), data_json, opt);
    if (!r) return r.error();
    preview_result out;
    out.rendered = r->text;
    out.text = r->text;
    if (measure(out.text, f->unit) > f->max) {
      out.text = truncate(out.text, f->unit, f->max);
      out.truncated = true;
    }
    out.length = measure(out.text, f->unit);
    out.width = display_width(out.text);
    out.sms = sms_segments(out.text);
    quality_input qi;
    qi.text = out.rendered;
    qi.platform = pid;
    qi.field = f->name;
    qi.unresolved = r->unresolved;
    qi.defaulted = r->defaulted;
    qi.lexicon = lexicon;
    out.quality = score_quality(qi);
    out.hits = check_compliance(out.rendered, lexicon);
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor::copy
