// Embind entry points of the recommender: a handle that owns one copy of the
// bundle bytes in wasm memory (8-byte aligned) and serves decisions from it
// in place. Every call returns a JSON envelope; nothing throws across Embind.
#include <emscripten/bind.h>

#include <cstring>
#include <memory>

#include "envelope.hpp"
#include "tailor/recommend.hpp"

namespace tailor::wasm {
namespace {

class recommender_handle {
 public:
  std::string open(const std::string& bytes) {
    return guarded([&] {
      rec_.reset();
      buf_.assign(bytes.size() / 8 + 1, 0);
      std::memcpy(buf_.data(), bytes.data(), bytes.size());
      auto r = recommender::open(std::string_view(reinterpret_cast<const char*>(buf_.data()), bytes.size()));
      if (!r) {
        buf_.clear();
        return fail(r.error());
      }
      rec_ = std::make_unique<recommender>(std::move(r.value()));
      return succeed(info_json());
    });
  }

  std::string recommend(const std::string& request) const {
    return guarded([&] {
      if (!rec_) return fail(make_error(errc::invalid_state, "no bundle is open"));
      auto d = rec_->recommend(request);
      if (!d) return fail(d.error());
      return succeed_raw(d.value());
    });
  }

  std::string info() const {
    return guarded([&] {
      if (!rec_) return fail(make_error(errc::invalid_state, "no bundle is open"));
      return succeed(info_json());
    });
  }

 private:
  json info_json() const {
    const auto& b = rec_->bundle();
    char hash[17];
    static const char* hex = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) hash[i] = hex[(b.content_hash() >> (60 - 4 * i)) & 15];
    hash[16] = '\0';
    return json{{"format_version", b.format_version()}, {"items", b.item_count()},
                {"bytes", static_cast<double>(b.size_bytes())}, {"content_hash", std::string(hash)},
                {"slots", rec_->slot_names()}, {"embedding_dim", b.embedding_dim()}};
  }

  std::vector<uint64_t> buf_;
  std::unique_ptr<recommender> rec_;
};

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_recommend) {
  emscripten::class_<tailor::wasm::recommender_handle>("RecommenderHandle")
      .constructor<>()
      .function("open", &tailor::wasm::recommender_handle::open)
      .function("recommend", &tailor::wasm::recommender_handle::recommend)
      .function("info", &tailor::wasm::recommender_handle::info);
}
