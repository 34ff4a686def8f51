// Embind entry points of the experiment module (GrowthBook-compatible).
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <algorithm>
#include <vector>

#include "envelope.hpp"
#include "tailor/experiment.hpp"

namespace tailor::wasm {
namespace {

std::string respond(result<std::string> r) {
  if (!r) return fail(r.error());
  return succeed_raw(r.value());
}

std::string eval_feature_json(const std::string& ctx, const std::string& key) {
  return guarded([&] { return respond(eval_feature(ctx, key)); });
}
std::string eval_all_json(const std::string& ctx) {
  return guarded([&] { return respond(eval_all_features(ctx)); });
}
std::string run_experiment_json(const std::string& ctx, const std::string& exp) {
  return guarded([&] { return respond(run_experiment(ctx, exp)); });
}
std::string auto_experiments_json(const std::string& ctx) {
  return guarded([&] { return respond(eval_auto_experiments(ctx)); });
}
// {"ok":true,"value":0.1234} or value null for an unknown version.
std::string hash_json(const std::string& seed, const std::string& value, int version,
                      const std::string& encoding) {
  return guarded([&] {
    if (encoding != "utf16" && encoding != "utf8") {
      return fail(make_error(errc::invalid_field, "encoding must be \"utf16\" or \"utf8\"", "encoding"));
    }
    auto h = gb_hash(seed, value, version, encoding == "utf8" ? hash_encoding::utf8 : hash_encoding::utf16);
    return h ? succeed(*h) : succeed(nullptr);
  });
}
std::string decrypt_json(const std::string& payload, const std::string& key) {
  return guarded([&] {
    auto r = gb_decrypt(payload, key);
    if (!r) return fail(r.error());
    return succeed(r.value());
  });
}

std::string cookie_decode_json(const std::string& cookie) {
  return guarded([&] { return respond(sticky_cookie_decode(cookie)); });
}
std::string cookie_encode_json(const std::string& docs, const std::string& recent) {
  return guarded([&] {
    auto r = sticky_cookie_encode(docs, recent);
    if (!r) return fail(r.error());
    return succeed(r.value());
  });
}

// Takes the key's UTF-8 bytes (JS passes TextEncoder's, as crypto.subtle hashed them).
std::string exposure_event_id_json(const std::string& dedupe_key) {
  return guarded([&] {
    auto r = exposure_event_id(dedupe_key);
    if (!r) return fail(r.error());
    return succeed(r.value());
  });
}

std::string analyze_wasm(const std::string& text) {
  return guarded([&] { return respond(analyze_json(text)); });
}
std::string bandit_wasm(const std::string& text) {
  return guarded([&] { return respond(bandit_json(text)); });
}

}  // namespace

// Definitions loaded once and evaluated for many shoppers (JS: GrowthBookDefinitions).
class gb_handle {
 public:
  gb_handle() { outcomes_.reserve(1); }  // data() is never null: 0 stays the error return
  std::string load(const std::string& defs) {
    return guarded([&] {
      auto d = load_gb_definitions(defs);
      if (!d) return fail(d.error());
      defs_ = std::move(d.value());
      return succeed(nullptr);
    });
  }
  // What JS needs to turn outcomes into FeatureResults (gb_plan_json).
  std::string plan() const {
    return guarded([&] { return respond(gb_plan_json(defs_)); });
  }
  // The compact path: JS writes the attributes' JSON into input_ (TextEncoder
  // .encodeInto), the export tailor_gb_eval_input evaluates every feature into
  // outcomes_ and JS reads them in place (32 bytes each): no Embind string in
  // either direction, no JSON result.
  uint32_t input_buffer(uint32_t n) {
    if (input_.size() < n) input_.resize(std::max<std::size_t>(n, input_.size() * 2));
    return ptr(input_.data());
  }
  uint32_t address() const { return ptr(this); }
  // Address of the outcomes, or 0 when the attributes are rejected (JS then
  // takes the JSON path, which reports why).
  uint32_t eval_input(uint32_t len, uint32_t enc) noexcept {
    if (len > input_.size()) return 0;
    const auto e = enc == 1 ? hash_encoding::utf8 : hash_encoding::utf16;
    if (!eval_all_compact(defs_, std::string_view(input_.data(), len), e, outcomes_)) return 0;
    return ptr(outcomes_.data());
  }
  std::string eval_all(const std::string& user) {
    return guarded([&] { return respond(eval_all_features(defs_, user)); });
  }
  std::string eval_one(const std::string& user, const std::string& key) {
    return guarded([&] { return respond(eval_feature(defs_, user, key)); });
  }

 private:
  template <class T>
  static uint32_t ptr(const T* p) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(p)); }

  gb_definitions defs_;
  std::string input_;
  std::vector<gb_outcome> outcomes_;
};

// A view of wasm memory: JS takes `.buffer` from it to write attributes and
// read outcomes (and asks again after memory growth detaches it).
emscripten::val gb_heap() {
  static const uint8_t anchor = 0;
  return emscripten::val(emscripten::typed_memory_view(1, &anchor));
}

}  // namespace tailor::wasm

// Direct export of the compact path: a plain wasm call, without Embind's
// dispatch (experiment.mjs gets the handle's address once).
extern "C" EMSCRIPTEN_KEEPALIVE uint32_t tailor_gb_eval_input(uint32_t self, uint32_t len, uint32_t enc) {
  return reinterpret_cast<tailor::wasm::gb_handle*>(static_cast<uintptr_t>(self))->eval_input(len, enc);
}

EMSCRIPTEN_BINDINGS(tailor_experiment) {
  emscripten::class_<tailor::wasm::gb_handle>("GbDefinitions")
      .constructor<>()
      .function("load", &tailor::wasm::gb_handle::load)
      .function("evalAll", &tailor::wasm::gb_handle::eval_all)
      .function("evalFeature", &tailor::wasm::gb_handle::eval_one)
      .function("plan", &tailor::wasm::gb_handle::plan)
      .function("inputBuffer", &tailor::wasm::gb_handle::input_buffer)
      .function("address", &tailor::wasm::gb_handle::address);
  emscripten::function("gbHeap", &tailor::wasm::gb_heap);
  emscripten::function("gbEvalFeature", &tailor::wasm::eval_feature_json);
  emscripten::function("gbEvalAll", &tailor::wasm::eval_all_json);
  emscripten::function("gbRunExperiment", &tailor::wasm::run_experiment_json);
  emscripten::function("gbAutoExperiments", &tailor::wasm::auto_experiments_json);
  emscripten::function("gbHash", &tailor::wasm::hash_json);
  emscripten::function("gbDecrypt", &tailor::wasm::decrypt_json);
  emscripten::function("analyzeExperiment", &tailor::wasm::analyze_wasm);
  emscripten::function("banditWeights", &tailor::wasm::bandit_wasm);
  emscripten::function("stickyCookieDecode", &tailor::wasm::cookie_decode_json);
  emscripten::function("stickyCookieEncode", &tailor::wasm::cookie_encode_json);
  emscripten::function("exposureEventId", &tailor::wasm::exposure_event_id_json);
}
