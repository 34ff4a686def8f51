// Embind class over the profile module: one shopper's state plus the catalog
// and config it is folded with. Every method returns a JSON envelope; no
// exception crosses the boundary. JS wraps it in wasm/profile.mjs (`Tailor`).
#include <emscripten/bind.h>

#include <memory>

#include "common/json.hpp"
#include "envelope.hpp"
#include "event/event_json.hpp"
#include "tailor/catalog.hpp"
#include "tailor/profile.hpp"

namespace tailor::wasm {
namespace {

// Events stamped further than this past the caller's clock are rejected by track().
constexpr int64_t max_future_skew_ms = 24LL * 60 * 60 * 1000;

error not_loaded() { return make_error(errc::invalid_state, "load() has not succeeded yet"); }

class profile_engine {
 public:
  // format: "jsonl" or "csv". Replaces catalog and config; keeps the state.
  std::string load(const std::string& catalog_text, const std::string& format,
                   const std::string& config_text) {
    return guarded([&] {
      result<catalog> cat = format == "csv"     ? parse_catalog_csv(catalog_text)
                            : format == "jsonl" ? parse_catalog_jsonl(catalog_text)
                                                : result<catalog>(make_error(
                                                      errc::invalid_field,
                                                      "catalogFormat must be \"jsonl\" or \"csv\"",
                                                      "catalogFormat"));
      if (!cat) return fail(cat.error());
      auto cfg = parse_profile_config(config_text);
      if (!cfg) return fail(cfg.error());
      const std::size_t n = cat->size();
      auto p = profiler::create(std::make_shared<const catalog>(std::move(cat.value())),
                                std::move(cfg.value()));
      if (!p) return fail(p.error());
      profiler_ = std::make_unique<profiler>(std::move(p.value()));
      return succeed(json{{"items", n}});
    });
  }

  // events_json: one event object or an array. now_ms < 0: no future check.
  std::string track(const std::string& events_json, double now_ms) {
    return guarded([&] {
      auto b = decode_events(events_json);
      if (!b) return fail(b.error());
      json rejected = json::array();
      auto reject = [&rejected](const error& e) {
        rejected.push_back({{"code", std::string(errc_name(e.code))},
                            {"errno", static_cast<int32_t>(e.code)},
                            {"message", e.message},
                            {"where", e.where}});
      };
      for (const auto& e : b->rejected) reject(e);
      int64_t accepted = 0, added = 0;
      std::size_t index = 0;
      for (const auto& ev : b->events) {
        ++index;
        if (now_ms >= 0 && static_cast<double>(ev.ts_ms) > now_ms + static_cast<double>(max_future_skew_ms)) {
          reject(make_error(errc::invalid_field, "ts is more than 24 hours after now",
                            "event \"" + ev.id + "\".ts"));
          continue;
        }
        ++accepted;
        if (state_.add(ev)) ++added;
      }
      return succeed(json{{"accepted", accepted}, {"added", added}, {"rejected", std::move(rejected)}});
    });
  }

  std::string profile(double now_ms) {
    return guarded([&] {
      if (!profiler_) return fail(not_loaded());
      if (!(now_ms >= 0 && now_ms <= 9.0e15)) {
        return fail(make_error(errc::invalid_field, "now must be a non-negative integer of ms", "now"));
      }
      auto out = profiler_->fold(state_, static_cast<int64_t>(now_ms));
      if (!out) return fail(out.error());
      return succeed_raw(out.value());
    });
  }

  std::string delete_tag(const std::string& kind, const std::string& key) {
    return guarded([&] {
      auto s = state_.suppress(kind, key);
      if (!s) return fail(s.error());
      return succeed(json{{"suppressed", state_.suppressed().size()}});
    });
  }

  std::string set_personalized(bool enabled, double ts_ms) {
    return guarded([&] {
      if (!(ts_ms >= 0 && ts_ms <= 9.0e15)) {
        return fail(make_error(errc::invalid_field, "now must be a non-negative integer of ms", "now"));
      }
      state_.set_personalized(enabled, static_cast<int64_t>(ts_ms));
      return succeed(json{{"enabled", state_.personalization().enabled}});
    });
  }

  std::string export_state_json() {
    return guarded([&] { return succeed_raw(export_state(state_)); });
  }

  // Merges an exported state into this one; all or nothing.
  std::string import_state_json(const std::string& text) {
    return guarded([&] {
      auto other = import_state(text);
      if (!other) return fail(other.error());
      profile_state next = state_;
      auto s = next.merge(other.value());
      if (!s) return fail(s.error());
      state_ = std::move(next);
      return succeed(json{{"events", state_.size()}});
    });
  }

  std::string stats() {
    return guarded([&] {
      return succeed(json{{"events", state_.size()},
                          {"suppressed", state_.suppressed().size()},
                          {"items", profiler_ ? profiler_->items().size() : 0}});
    });
  }

 private:
  std::unique_ptr<profiler> profiler_;
  profile_state state_;
};

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_profile) {
  emscripten::class_<tailor::wasm::profile_engine>("ProfileEngine")
      .constructor<>()
      .function("load", &tailor::wasm::profile_engine::load)
      .function("track", &tailor::wasm::profile_engine::track)
      .function("profile", &tailor::wasm::profile_engine::profile)
      .function("deleteTag", &tailor::wasm::profile_engine::delete_tag)
      .function("setPersonalized", &tailor::wasm::profile_engine::set_personalized)
      .function("exportState", &tailor::wasm::profile_engine::export_state_json)
      .function("importState", &tailor::wasm::profile_engine::import_state_json)
      .function("stats", &tailor::wasm::profile_engine::stats);
}
