// Embind entry points of the recommender: a handle that owns one copy of the
// bundle bytes in wasm memory (8-byte aligned) and serves decisions from it
// in place. Every call returns a JSON envelope; nothing throws across Embind.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstring>
#include <map>
#include <memory>

#include "envelope.hpp"
#include "tailor/recommend.hpp"

namespace tailor::wasm {
namespace {

class recommender_handle {
 public:
  std::string open(const std::string& bytes) {
    return guarded([&] {
      jobs_.clear();
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

  // Zero-copy-ish input: JS writes UTF-8 (or bundle bytes) straight into wasm
  // memory at the returned address (0 when the size is over the limit), then
  // calls recommendBuffer / openBuffer with the byte count it wrote.
  uintptr_t request_buffer(uint32_t size) {
    if (size > limits::max_json_bytes) return 0;
    if (in_.size() < size) in_.resize(size);
    return reinterpret_cast<uintptr_t>(in_.data());
  }

  std::string recommend_buffer(uint32_t size) const {
    return guarded([&] {
      if (!rec_) return fail(make_error(errc::invalid_state, "no bundle is open"));
      if (size > in_.size()) return fail(make_error(errc::invalid_field, "request size exceeds its buffer"));
      auto d = rec_->recommend(std::string_view(in_.data(), size));
      if (!d) return fail(d.error());
      return succeed_raw(d.value());
    });
  }

  uintptr_t bundle_buffer(uint32_t size) {
    jobs_.clear();
    rec_.reset();
    if (size > limits::max_bundle_bytes) return 0;
    buf_.assign(size / 8 + 1, 0);
    return reinterpret_cast<uintptr_t>(buf_.data());
  }

  std::string open_buffer(uint32_t size) {
    return guarded([&] {
      rec_.reset();
      if (buf_.empty() || size > (buf_.size() - 1) * 8 + 7) return fail(make_error(errc::invalid_state, "no bundle buffer of that size"));
      auto r = recommender::open(std::string_view(reinterpret_cast<const char*>(buf_.data()), size));
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

  // Bring your own ranker. checkRankerModel(spec, signature) -> envelope;
  // prepareRanking(request, spec) -> {job, rows, cols, ids}; rankingFeatures(job)
  // -> Float32Array (a copy); finishRanking(job, Float32Array) -> decision;
  // dropRanking(job) forgets a job whose model run failed.
  std::string check_ranker_model(const std::string& spec_json, const std::string& signature_json) const {
    return guarded([&] {
      auto spec = parse_ranker_spec(spec_json);
      if (!spec) return fail(spec.error());
      if (auto s = tailor::check_ranker_model(spec.value(), signature_json); !s) return fail(s.error());
      return succeed(json{{"features", spec->features.size()}, {"input", spec->input}, {"output", spec->output},
                          {"candidates", spec->candidates}});
    });
  }

  std::string prepare_ranking(const std::string& request, const std::string& spec_json) {
    return guarded([&] {
      if (!rec_) return fail(make_error(errc::invalid_state, "no bundle is open"));
      if (jobs_.size() >= max_pending_jobs) {
        return fail(make_error(errc::limit_exceeded, "more than " + std::to_string(max_pending_jobs) +
                                                         " ranking jobs wait for scores; finish or drop them"));
      }
      auto spec = parse_ranker_spec(spec_json);
      if (!spec) return fail(spec.error());
      auto job = rec_->prepare_ranking(request, spec.value());
      if (!job) return fail(job.error());
      const uint32_t id = next_job_++;
      json value{{"job", id}, {"rows", job->rows()}, {"cols", job->cols()}, {"ids", job->row_ids()}};
      jobs_.emplace(id, std::move(job.value()));
      return succeed(std::move(value));
    });
  }

  emscripten::val ranking_features(uint32_t id) const {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return emscripten::val::null();
    const auto& f = it->second.features();
    return emscripten::val::global("Float32Array").new_(emscripten::typed_memory_view(f.size(), f.data()));
  }

  std::string finish_ranking(uint32_t id, const emscripten::val& scores) {
    return guarded([&] {
      if (!rec_) return fail(make_error(errc::invalid_state, "no bundle is open"));
      auto it = jobs_.find(id);
      if (it == jobs_.end()) return fail(make_error(errc::not_found, "no ranking job " + std::to_string(id), "job"));
      ranking_job job = std::move(it->second);
      jobs_.erase(it);
      const auto v = emscripten::convertJSArrayToNumberVector<float>(scores);
      auto d = rec_->finish_ranking(job, v.data(), v.size());
      if (!d) return fail(d.error());
      return succeed_raw(d.value());
    });
  }

  void drop_ranking(uint32_t id) { jobs_.erase(id); }

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

  static constexpr std::size_t max_pending_jobs = 256;
  std::vector<uint64_t> buf_;
  std::string in_;
  std::unique_ptr<recommender> rec_;
  std::map<uint32_t, ranking_job> jobs_;
  uint32_t next_job_ = 1;
};

}  // namespace
}  // namespace tailor::wasm

EMSCRIPTEN_BINDINGS(tailor_recommend) {
  emscripten::class_<tailor::wasm::recommender_handle>("RecommenderHandle")
      .constructor<>()
      .function("open", &tailor::wasm::recommender_handle::open)
      .function("recommend", &tailor::wasm::recommender_handle::recommend)
      .function("requestBuffer", &tailor::wasm::recommender_handle::request_buffer)
      .function("recommendBuffer", &tailor::wasm::recommender_handle::recommend_buffer)
      .function("bundleBuffer", &tailor::wasm::recommender_handle::bundle_buffer)
      .function("openBuffer", &tailor::wasm::recommender_handle::open_buffer)
      .function("info", &tailor::wasm::recommender_handle::info)
      .function("checkRankerModel", &tailor::wasm::recommender_handle::check_ranker_model)
      .function("prepareRanking", &tailor::wasm::recommender_handle::prepare_ranking)
      .function("rankingFeatures", &tailor::wasm::recommender_handle::ranking_features)
      .function("finishRanking", &tailor::wasm::recommender_handle::finish_ranking)
      .function("dropRanking", &tailor::wasm::recommender_handle::drop_ranking);
}
