// Envelopes of the copy entry points that the wasm binding and the native CLI
// share (`tailor render|check --format envelope`), so the runtime goldens can
// compare them byte for byte (tests/runtimes, tests/golden/copy).
#pragma once

#include <string>

#include "common/json.hpp"
#include "envelope.hpp"
#include "tailor/copy.hpp"

namespace tailor::wasm {

inline json parts_json(const copy::quality_report& q) {
  json parts = json::array();
  for (const auto& p : q.parts)
    parts.push_back({{"name", p.name}, {"score", p.score}, {"weight", p.weight}, {"reason", p.reason}});
  return parts;
}

inline json hits_json(const std::vector<copy::compliance_hit>& hits) {
  json out = json::array();
  for (const auto& h : hits)
    out.push_back({{"term", h.term}, {"category", h.category}, {"severity", h.severity}, {"byte_offset", h.byte_offset},
                   {"char_offset", h.char_offset}, {"suggestion", h.suggestion}, {"source", h.source}});
  return out;
}

inline json sms_json(const copy::sms_info& s) {
  return {{"encoding", s.encoding}, {"units", s.units}, {"segments", s.segments}, {"per_segment", s.per_segment},
          {"remaining", s.remaining}, {"non_gsm", s.non_gsm}};
}

inline json render_json(const copy::render_result& r) {
  return {{"text", r.text}, {"unresolved", r.unresolved}, {"defaulted", r.defaulted}, {"steps", r.steps},
          {"memory_bytes", r.memory_bytes}};
}

// compile + render in one call: the compile error, or the render envelope.
inline std::string copy_render_once(const std::string& source, const std::string& data_json,
                                    const std::string& options_json) {
  return guarded([&] {
    auto o = copy::parse_render_options(options_json);
    if (!o) return fail(o.error());
    auto t = copy::compile(source);
    if (!t) return fail(t.error());
    auto r = copy::render(t.value(), data_json, o.value());
    if (!r) return fail(r.error());
    return succeed(render_json(r.value()));
  });
}

inline std::string copy_preview(const std::string& source, const std::string& data_json, const std::string& platform,
                         const std::string& options_json) {
  return guarded([&] {
    auto o = copy::parse_render_options(options_json);
    if (!o) return fail(o.error());
    auto p = copy::preview(source, data_json, platform, o.value());
    if (!p) return fail(p.error());
    return succeed({{"text", p->text}, {"rendered", p->rendered}, {"truncated", p->truncated}, {"length", p->length},
                    {"width", p->width}, {"segments", p->sms.segments}, {"sms", sms_json(p->sms)},
                    {"score", p->quality.score}, {"parts", parts_json(p->quality)}, {"issues", p->quality.issues},
                    {"hits", hits_json(p->hits)}});
  });
}

// check: {text, platform?, field?, unresolved?, defaulted?, siblings?, lexicon?}
inline std::string copy_check(const std::string& request_json) {
  return guarded([&] {
    auto j = tailor::detail::parse_json(request_json);
    if (!j) return fail(j.error());
    if (!j->is_object()) return fail(make_error(errc::invalid_field, "check request must be an object", "request"));
    if (auto s = tailor::detail::check_known_keys(*j, {"text", "platform", "field", "unresolved", "defaulted", "siblings", "lexicon"}, "request"); !s)
      return fail(s.error());
    copy::quality_input in;
    auto text = tailor::detail::read_string(*j, "text", "request", copy::limits::max_output_bytes, true);
    if (!text) return fail(text.error());
    in.text = text.value();
    auto plat = tailor::detail::read_string(*j, "platform", "request", 64, false);
    if (!plat) return fail(plat.error());
    in.platform = plat.value();
    auto field = tailor::detail::read_string(*j, "field", "request", 64, false);
    if (!field) return fail(field.error());
    in.field = field.value();
    for (auto [key, out] : {std::pair{"unresolved", &in.unresolved}, std::pair{"defaulted", &in.defaulted},
                            std::pair{"siblings", &in.siblings}}) {
      if (!j->contains(key)) continue;
      const auto& a = (*j)[key];
      std::string w = tailor::detail::path_join("request", key);
      if (!a.is_array() || a.size() > 1000) return fail(make_error(errc::invalid_field, "expected an array of at most 1000 strings", w));
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (!a[k].is_string()) return fail(make_error(errc::invalid_field, "expected a string", tailor::detail::path_index(w, k)));
        out->push_back(a[k].get<std::string>());
      }
    }
    if (j->contains("lexicon")) {
      auto lex = copy::parse_lexicon(dump((*j)["lexicon"]));
      if (!lex) return fail(lex.error());
      in.lexicon = lex.value();
    }
    if (!in.platform.empty()) {
      auto p = copy::find_platform(in.platform);
      if (!p) return fail(p.error());
    }
    auto q = copy::score_quality(in);
    auto hits = copy::check_compliance(in.text, in.lexicon);
    json out{{"score", q.score}, {"parts", parts_json(q)}, {"issues", q.issues}, {"hits", hits_json(hits)},
             {"sms", sms_json(copy::sms_segments(in.text))}, {"graphemes", copy::count_graphemes(in.text)},
             {"utf16", copy::count_utf16_units(in.text)}, {"bytes", in.text.size()}, {"width", copy::display_width(in.text)}};
    return succeed(out);
  });
}

}  // namespace tailor::wasm
