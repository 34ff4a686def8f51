// Embind entry points of the experiment module (GrowthBook-compatible).
#include <emscripten/bind.h>

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
  std::string load(const std::string& defs) {
    return guarded([&] {
      auto d = load_gb_definitions(defs);
      if (!d) return fail(d.error());
      defs_ = std::move(d.value());
      return succeed(nullptr);
    });
  }
  std::string eval_all(const std::string& user) {
    return guarded([&] { return respond(eval_all_features(defs_, user)); });
  }
  std::string eval_one(const std::string& user, const std::string& key) {
    return guarded([&] { return respond(eval_feature(defs_, user, key)); });
  }

 private:
  gb_definitions defs_;
};

}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_experiment) {
  emscripten::class_<tailor::wasm::gb_handle>("GbDefinitions")
      .constructor<>()
      .function("load", &tailor::wasm::gb_handle::load)
      .function("evalAll", &tailor::wasm::gb_handle::eval_all)
      .function("evalFeature", &tailor::wasm::gb_handle::eval_one);
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
}
