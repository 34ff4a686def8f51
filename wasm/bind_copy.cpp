// Embind entry points of copy: compiled templates and bound data as handles
// (JS calls close()), and stateless preview / check / variants / platforms.
// Every call returns a JSON envelope; nothing throws across the boundary.
#include <emscripten/bind.h>

#include "common/json.hpp"
#include "envelope.hpp"
#include "tailor/copy.hpp"

namespace tailor::wasm {
namespace {

json parts_json(const copy::quality_report& q) {
  json parts = json::array();
  for (const auto& p : q.parts)
    parts.push_back({{"name", p.name}, {"score", p.score}, {"weight", p.weight}, {"reason", p.reason}});
  return parts;
}

json hits_json(const std::vector<copy::compliance_hit>& hits) {
  json out = json::array();
  for (const auto& h : hits)
    out.push_back({{"term", h.term}, {"category", h.category}, {"severity", h.severity}, {"byte_offset", h.byte_offset},
                   {"char_offset", h.char_offset}, {"suggestion", h.suggestion}, {"source", h.source}});
  return out;
}

json sms_json(const copy::sms_info& s) {
  return {{"encoding", s.encoding}, {"units", s.units}, {"segments", s.segments}, {"per_segment", s.per_segment},
          {"remaining", s.remaining}, {"non_gsm", s.non_gsm}};
}

json render_json(const copy::render_result& r) {
  return {{"text", r.text}, {"unresolved", r.unresolved}, {"defaulted", r.defaulted}, {"steps", r.steps},
          {"memory_bytes", r.memory_bytes}};
}

// Options are parsed once per distinct options text (the last one is cached).
struct options_cache {
  std::string text = "\x01";
  copy::render_options opt;
  const error* get(const std::string& t, error& err) {
    if (t == text) return nullptr;
    auto o = copy::parse_render_options(t);
    if (!o) { err = o.error(); text = "\x01"; return &err; }
    opt = o.value();
    text = t;
    return nullptr;
  }
};

class copy_data {
 public:
  std::string load(const std::string& json_text) {
    return guarded([&] {
      auto d = copy::parse_data(json_text);
      if (!d) return fail(d.error());
      data_ = d.value();
      return succeed(json::object());
    });
  }
  const copy::render_data& data() const { return data_; }

 private:
  copy::render_data data_;
};

class copy_template {
 public:
  std::string compile(const std::string& source) {
    return guarded([&] {
      auto t = copy::compile(source);
      if (!t) return fail(t.error());
      t_ = t.value();
      return succeed({{"variables", t_.variables()}});
    });
  }
  std::string render(const std::string& data_json, const std::string& options_json) {
    return guarded([&] {
      auto d = copy::parse_data(data_json);
      if (!d) return fail(d.error());
      return run(d.value(), options_json);
    });
  }
  std::string render_data(const copy_data& d, const std::string& options_json) {
    return guarded([&] { return run(d.data(), options_json); });
  }
  // Hot path: "\x01" + text on success, else the error envelope (JSON).
  std::string render_text(const copy_data& d, const std::string& options_json) {
    return guarded([&] {
      if (!t_.ast()) return fail(make_error(errc::invalid_state, "template is not compiled"));
      error err;
      if (const error* e = opts_.get(options_json, err)) return fail(*e);
      auto r = copy::render(t_, d.data(), opts_.opt);
      if (!r) return fail(r.error());
      std::string out;
      out.reserve(r->text.size() + 1);
      out += '\x01';
      out += r->text;
      return out;
    });
  }

 private:
  std::string run(const copy::render_data& d, const std::string& options_json) {
    if (!t_.ast()) return fail(make_error(errc::invalid_state, "template is not compiled"));
    error err;
    if (const error* e = opts_.get(options_json, err)) return fail(*e);
    auto r = copy::render(t_, d, opts_.opt);
    if (!r) return fail(r.error());
    // Hot path: the envelope is assembled by hand, only the text needs escaping.
    if (r->unresolved.empty() && r->defaulted.empty()) {
      return "{\"ok\":true,\"value\":{\"defaulted\":[],\"memory_bytes\":" + std::to_string(r->memory_bytes) +
             ",\"steps\":" + std::to_string(r->steps) + ",\"text\":" + dump(json(r->text)) + ",\"unresolved\":[]}}";
    }
    return succeed(render_json(r.value()));
  }
  copy::compiled_template t_;
  options_cache opts_;
};

std::string copy_preview(const std::string& source, const std::string& data_json, const std::string& platform,
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
std::string copy_check(const std::string& request_json) {
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

std::string copy_variants(const std::string& source, const std::string& data_json, const std::string& platform, int32_t n,
                          const std::string& options_json) {
  return guarded([&] {
    auto o = copy::parse_render_options(options_json);
    if (!o) return fail(o.error());
    if (n < 1) return fail(make_error(errc::invalid_field, "n must be at least 1", "n"));
    auto v = copy::generate_variants(source, data_json, platform, static_cast<std::size_t>(n), o.value());
    if (!v) return fail(v.error());
    json out = json::array();
    for (const auto& x : v.value())
      out.push_back({{"text", x.text}, {"score", x.quality.score}, {"parts", parts_json(x.quality)},
                     {"issues", x.quality.issues}, {"choices", x.choices}});
    return succeed(out);
  });
}

std::string copy_platforms() {
  return guarded([&] {
    json out = json::array();
    for (const auto& p : copy::platforms()) {
      json fields = json::array();
      for (const auto& f : p.fields)
        fields.push_back({{"name", f.name}, {"unit", f.unit}, {"max", f.max}, {"visible", f.visible}, {"source", f.source}});
      out.push_back({{"id", p.id}, {"name", p.name}, {"fields", fields}});
    }
    return succeed(out);
  });
}

std::string copy_sms(const std::string& text) {
  return guarded([&] { return succeed(sms_json(copy::sms_segments(text))); });
}

std::string copy_truncate(const std::string& text, const std::string& unit, int32_t max, const std::string& ellipsis) {
  return guarded([&] {
    static constexpr std::string_view units[] = {"grapheme", "utf16", "bytes", "width", "cjk_double", "half_width", "sms_segments", "sms_units"};
    bool known = false;
    for (auto u : units) known = known || u == unit;
    if (!known) return fail(make_error(errc::invalid_field, "unknown unit \"" + unit.substr(0, 32) + "\"", "unit"));
    if (max < 0) return fail(make_error(errc::invalid_field, "max must not be negative", "max"));
    std::string t = copy::truncate(text, unit, static_cast<std::size_t>(max), ellipsis);
    return succeed({{"text", t}, {"length", copy::measure(t, unit)}, {"truncated", t != text}});
  });
}

std::string copy_longest_fitting(const std::string& candidates_json, const std::string& unit, int32_t max) {
  return guarded([&] {
    auto j = tailor::detail::parse_json(candidates_json);
    if (!j) return fail(j.error());
    if (!j->is_array() || j->size() > 10000)
      return fail(make_error(errc::invalid_field, "candidates must be an array of at most 10000 strings", "candidates"));
    std::vector<std::string> c;
    for (std::size_t k = 0; k < j->size(); ++k) {
      if (!(*j)[k].is_string()) return fail(make_error(errc::invalid_field, "expected a string", tailor::detail::path_index("candidates", k)));
      c.push_back((*j)[k].get<std::string>());
    }
    if (max < 0) return fail(make_error(errc::invalid_field, "max must not be negative", "max"));
    int32_t i = copy::longest_fitting(c, unit, static_cast<std::size_t>(max));
    return succeed({{"index", i}, {"length", i < 0 ? 0 : copy::measure(c[static_cast<std::size_t>(i)], unit)}});
  });
}

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_copy) {
  using namespace emscripten;
  class_<tailor::wasm::copy_data>("CopyData").constructor<>().function("load", &tailor::wasm::copy_data::load);
  class_<tailor::wasm::copy_template>("CopyTemplate")
      .constructor<>()
      .function("compile", &tailor::wasm::copy_template::compile)
      .function("render", &tailor::wasm::copy_template::render)
      .function("renderData", &tailor::wasm::copy_template::render_data)
      .function("renderText", &tailor::wasm::copy_template::render_text);
  function("copyPreview", &tailor::wasm::copy_preview);
  function("copyCheck", &tailor::wasm::copy_check);
  function("copyVariants", &tailor::wasm::copy_variants);
  function("copyPlatforms", &tailor::wasm::copy_platforms);
  function("copySms", &tailor::wasm::copy_sms);
  function("copyTruncate", &tailor::wasm::copy_truncate);
  function("copyLongestFitting", &tailor::wasm::copy_longest_fitting);
}
