// Embind entry points of copy: compiled templates and bound data as handles
// (JS calls close()), and stateless preview / check / variants / platforms.
// Every call returns a JSON envelope; nothing throws across the boundary.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include "copy/internal.hpp"
#include "copy_envelope.hpp"

namespace tailor::wasm {
namespace {

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
      // A path step is its key, or null for `each` (every element of an array).
      json paths = json::array();
      for (const auto& path : t_.data_paths()) {
        json steps = json::array();
        for (const auto& step : path) steps.push_back(step.each ? json(nullptr) : json(step.key));
        paths.push_back(std::move(steps));
      }
      return succeed({{"variables", t_.variables()}, {"data_paths", std::move(paths)}});
    });
  }

  // Raw-memory path of render(compiled, object): JS writes the (projected)
  // data JSON into input_, the export tailor_copy_render_input renders it and
  // lays the result out in words_ (read by copy.mjs): no Embind string in
  // either direction, no result envelope, no Embind dispatch.
  uint32_t input_buffer(uint32_t n) {
    if (input_.size() < n) input_.resize(std::max<std::size_t>(n, input_.size() * 2));
    return ptr(input_.data());
  }
  // Options for tailor_copy_render_input, kept until changed; "" means defaults.
  std::string set_options(const std::string& options_json) {
    return guarded([&] {
      error err;
      if (const error* e = opts_.get(options_json, err)) return fail(*e);
      return succeed(json::object());
    });
  }
  // The template's address, for the direct export tailor_copy_render_input.
  uint32_t address() const { return ptr(this); }
  // 0 only if even the error could not be laid out (out of memory).
  uint32_t render_input(uint32_t len) noexcept {
    try {
      return render_input_words(len);
    } catch (...) {
      return 0;
    }
  }

 private:
  uint32_t render_input_words(uint32_t len) {
    std::string env = guarded([&]() -> std::string {
      if (!t_.ast()) return fail(make_error(errc::invalid_state, "template is not compiled"));
      // Data over the limit is measured by JS but not written: report it first.
      if (auto s = copy::detail::check_data_size(len); !s) return fail(s.error());
      if (len > input_.size()) return fail(make_error(errc::invalid_field, "input length beyond the buffer", "data"));
      if (opts_.text == "\x01") return fail(make_error(errc::invalid_state, "options are not set"));
      // The tree's and the result's buffers are reused from call to call.
      if (auto s = copy::detail::load_data(std::string_view(input_.data(), len), tree_); !s) return fail(s.error());
      if (auto s = copy::detail::render_into(t_, &tree_, opts_.opt, last_); !s) return fail(s.error());
      return {};
    });
    if (!env.empty()) {
      err_ = std::move(env);
      words_ = {1, ptr(err_.data()), static_cast<uint32_t>(err_.size())};
      return ptr(words_.data());
    }
    words_ = {0, ptr(last_.text.data()), static_cast<uint32_t>(last_.text.size()),
              static_cast<uint32_t>(last_.steps), static_cast<uint32_t>(last_.steps >> 32),
              static_cast<uint32_t>(last_.memory_bytes), static_cast<uint32_t>(last_.memory_bytes >> 32),
              static_cast<uint32_t>(last_.unresolved.size()), static_cast<uint32_t>(last_.defaulted.size())};
    for (const auto* list : {&last_.unresolved, &last_.defaulted})
      for (const auto& s : *list) {
        words_.push_back(ptr(s.data()));
        words_.push_back(static_cast<uint32_t>(s.size()));
      }
    return ptr(words_.data());
  }

 public:
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
  template <class T>
  static uint32_t ptr(const T* p) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p)); }

  copy::compiled_template t_;
  options_cache opts_;
  std::string input_;
  copy::detail::data_tree tree_;
  copy::render_result last_;
  std::string err_;
  std::vector<uint32_t> words_;
};

// A view of wasm memory: JS takes `.buffer` from it to read and write the
// render(object) buffers (and asks again after memory growth detaches it).
emscripten::val copy_heap() {
  static const uint8_t anchor = 0;
  return emscripten::val(emscripten::typed_memory_view(1, &anchor));
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

// Direct export of the render(object) hot path: a plain wasm call, without
// Embind's dispatch (copy.mjs gets the template's address once).
extern "C" EMSCRIPTEN_KEEPALIVE uint32_t tailor_copy_render_input(uint32_t self, uint32_t len) {
  return reinterpret_cast<tailor::wasm::copy_template*>(static_cast<uintptr_t>(self))->render_input(len);
}

EMSCRIPTEN_BINDINGS(tailor_copy) {
  using namespace emscripten;
  class_<tailor::wasm::copy_data>("CopyData").constructor<>().function("load", &tailor::wasm::copy_data::load);
  class_<tailor::wasm::copy_template>("CopyTemplate")
      .constructor<>()
      .function("compile", &tailor::wasm::copy_template::compile)
      .function("render", &tailor::wasm::copy_template::render)
      .function("renderData", &tailor::wasm::copy_template::render_data)
      .function("renderText", &tailor::wasm::copy_template::render_text)
      .function("inputBuffer", &tailor::wasm::copy_template::input_buffer)
      .function("setOptions", &tailor::wasm::copy_template::set_options)
      .function("address", &tailor::wasm::copy_template::address);
  function("copyHeap", &tailor::wasm::copy_heap);
  function("copyPreview", &tailor::wasm::copy_preview);
  function("copyRenderOnce", &tailor::wasm::copy_render_once);
  function("copyCheck", &tailor::wasm::copy_check);
  function("copyVariants", &tailor::wasm::copy_variants);
  function("copyPlatforms", &tailor::wasm::copy_platforms);
  function("copySms", &tailor::wasm::copy_sms);
  function("copyTruncate", &tailor::wasm::copy_truncate);
  function("copyLongestFitting", &tailor::wasm::copy_longest_fitting);
}
