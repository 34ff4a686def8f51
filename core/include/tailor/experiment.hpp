// Experiments and feature flags, evaluated exactly as GrowthBook's JS SDK
// (@growthbook/growthbook 1.8.0) does: features with force / rollout /
// experiment rules, conditions and saved groups, prerequisites, namespaces,
// filters, coverage, weights, ranges, hashAttribute + fallbackAttribute,
// hash versions 1 and 2, seeds, bucketVersion / minBucketVersion, sticky
// bucketing, forced variations, query-string overrides and contextual bandits.
//
// Inputs are GrowthBook's own JSON (camelCase), results are the JSON objects
// the SDK returns (FeatureResult, Result), so a test can compare them directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor {

// How ids are turned into hash input. GrowthBook hashes UTF-16 code units
// (`charCodeAt`); utf8 hashes the UTF-8 bytes instead (documented opt-in for
// non-JS ecosystems; it buckets non-ASCII ids differently from GrowthBook).
enum class hash_encoding : uint8_t { utf16 = 0, utf8 = 1 };

// FNV-1a 32-bit over the chosen code units.
uint32_t fnv1a32(std::string_view text, hash_encoding enc = hash_encoding::utf16) noexcept;

// GrowthBook's hash(seed, value, version): v1 = fnv(value+seed)%1000/1000,
// v2 = fnv(str(fnv(seed+value)))%10000/10000; other versions: nullopt.
std::optional<double> gb_hash(std::string_view seed, std::string_view value, int32_t version,
                              hash_encoding enc = hash_encoding::utf16) noexcept;

// Evaluation context: GrowthBook's context JSON with `attributes`, `features`,
// `savedGroups`, `forcedVariations`, `forcedFeatureValues`, `url`, `qaMode`,
// `enabled`, `groups`, `contextualBandits`, and, to turn sticky bucketing on,
// `stickyBucketAssignmentDocs` (an object keyed "attr||value", possibly empty).
// Optional Tailor fields: `hashEncoding`: "utf16" (default) or "utf8";
// `stickyBucketOrder`: the docs' assignments ["attr||value","exp__0"] least
// recently used first (what sticky_cookie_decode returns as "order").
//
// With sticky bucketing on, every result also carries the updated docs and
// `stickyBucketOrder`: each of their assignments once, least recently used
// first, where an assignment is used when the evaluation reads it to decide a
// result (the stored variation, or an old bucket version that blocks) or
// writes it. Callers pass both to sticky_cookie_encode unchanged, so the
// cookie evicts the same assignments wherever it is written.

// FeatureResult JSON of one feature, plus (when sticky bucketing is on) the
// updated assignment docs and their order:
// {"result":{...},"stickyBucketAssignmentDocs":{...},"stickyBucketOrder":[...]}.
[[nodiscard]] result<std::string> eval_feature(std::string_view context_json,
                                               std::string_view feature_key) noexcept;

// Every feature of the context at once: {"features":{key: FeatureResult},
// "exposures":[...], "stickyBucketAssignmentDocs":{...}, "stickyBucketOrder":[...]}
// (docs and order only when sticky bucketing is on). `exposures` lists one event per experiment the shopper is
// in, deduplicated per shopper and experiment with the SDK's key
// (hashAttribute+hashValue+experimentKey+variationId); keys already in the
// context's `trackedExperiments` array are left out.
[[nodiscard]] result<std::string> eval_all_features(std::string_view context_json) noexcept;

// The event id of an exposure: "x-" + the first 32 hex digits of SHA-256 of
// its dedupe key (the key's bytes, UTF-8). tailor-sync (POST /v1/assign) and
// the browser SDK record an exposure under this id, so their copies dedupe.
[[nodiscard]] result<std::string> exposure_event_id(std::string_view dedupe_key) noexcept;

// Definitions (features, savedGroups, contextualBandits) parsed and compiled
// once, then evaluated per shopper with a small user context (attributes,
// url, forcedVariations, qaMode, stickyBucketAssignmentDocs, ...).
class gb_definitions {
 public:
  gb_definitions();
  ~gb_definitions();
  gb_definitions(gb_definitions&&) noexcept;
  gb_definitions& operator=(gb_definitions&&) noexcept;
  struct impl;
  explicit gb_definitions(std::unique_ptr<impl> p) noexcept;
  const impl& get() const noexcept { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

[[nodiscard]] result<gb_definitions> load_gb_definitions(std::string_view definitions_json) noexcept;
[[nodiscard]] result<std::string> eval_all_features(const gb_definitions& defs,
                                                    std::string_view user_context_json) noexcept;
[[nodiscard]] result<std::string> eval_feature(const gb_definitions& defs,
                                               std::string_view user_context_json,
                                               std::string_view feature_key) noexcept;

// The fast path for a page's worth of features: every feature of the
// definitions evaluated for one shopper's attributes into compact outcomes
// (what decided each feature), which a caller turns into FeatureResults only
// for what it reads. Same decisions as eval_all_features(defs, {"attributes":
// ...}); contexts with more than attributes (sticky docs, url, forced
// variations, qaMode, ...) and definitions with contextual bandits take the
// JSON path.
enum class gb_source : int32_t {
  unknown_feature = 0, default_value = 1, force = 2, experiment = 3, prerequisite = 4,
  cyclic_prerequisite = 5,
};
enum gb_outcome_flag : int32_t {
  gb_on = 1,               // the value is truthy (FeatureResult.on)
  gb_in_experiment = 2,    // experimentResult.inExperiment
  gb_hash_used = 4,        // experimentResult.hashUsed
  gb_first_exposure = 8,   // first of its dedupe key: one exposure event
};
// One feature's outcome; 32 bytes, read in place from wasm memory.
struct gb_outcome {
  gb_source source = gb_source::unknown_feature;
  int32_t value = -1;      // index into the definitions' value table; -1: null
  int32_t rule = -1;       // index of the deciding rule in the plan; -1: none
  int32_t variation = -1;  // variationId (source experiment)
  int32_t flags = 0;       // gb_outcome_flag bits
  int32_t reserved = 0;
  double bucket = 0;       // experimentResult.bucket (source experiment)
};
static_assert(sizeof(gb_outcome) == 32);

// Whether the definitions can be evaluated compactly (no contextual bandits).
[[nodiscard]] bool gb_compact(const gb_definitions& defs) noexcept;

// What a caller needs to turn outcomes into FeatureResults, as JSON, once per
// definitions: {"compact":bool,"features":[key..],"values":[..],"rules":[{"id":
// ruleId,"hashAttribute":..,"experiment":{..},"variations":[{"key":..,"name"?:..}]}]}.
[[nodiscard]] result<std::string> gb_plan_json(const gb_definitions& defs) noexcept;

// Evaluates every feature (in the order of gb_plan_json's "features") for the
// attributes (JSON object text); `out` is resized to the number of features.
// Errors: invalid_json / invalid_field for bad attributes, invalid_state when
// the definitions are not compact.
[[nodiscard]] status eval_all_compact(const gb_definitions& defs, std::string_view attributes_json,
                                      hash_encoding enc, std::vector<gb_outcome>& out) noexcept;

// eval_all_compact turned into eval_all_features' JSON ({"features","exposures"}).
[[nodiscard]] result<std::string> eval_all_compact_json(const gb_definitions& defs,
                                                        std::string_view attributes_json,
                                                        hash_encoding enc = hash_encoding::utf16) noexcept;

// Auto experiments (context `experiments`, with `url`): runs them in order as
// the SDK does on load and stops after the first redirect experiment the user
// is in. {"tracked":[{"experimentKey":..,"result":{..}}],"redirectUrl":"..."}.
[[nodiscard]] result<std::string> eval_auto_experiments(std::string_view context_json) noexcept;

// growthbook.run(experiment): the Result JSON (+ sticky docs as above).
[[nodiscard]] result<std::string> run_experiment(std::string_view context_json,
                                                 std::string_view experiment_json) noexcept;

// Decrypts GrowthBook's encrypted payloads ("<iv>.<ciphertext>", base64,
// AES-CBC, PKCS#7) with a base64 key of 128, 192 or 256 bits. Any failure is
// errc::invalid_config "Failed to decrypt", as the SDK reports it.
[[nodiscard]] result<std::string> gb_decrypt(std::string_view encrypted,
                                             std::string_view key_base64) noexcept;

// Sticky bucketing in one cookie: "s1.<entries>~<checksum>", at most
// sticky_cookie_max_bytes, least recently used assignments evicted first.
inline constexpr std::size_t sticky_cookie_max_bytes = 1024;

// {"stickyBucketAssignmentDocs":{...},"order":[["attr||value","exp__0"],...]}
// (order: least recently used first). A tampered, truncated or unknown-version
// cookie is errc::invalid_state (limit_exceeded when too long); callers then
// start with no sticky assignments, which re-buckets by hash (the safe default).
[[nodiscard]] result<std::string> sticky_cookie_decode(std::string_view cookie) noexcept;

// Encodes docs (as returned by eval_feature / eval_all_features). `recent_json`
// lists ["attr||value","exp__0"] pairs least recently used first (the
// evaluation's stickyBucketOrder); unlisted ones count as oldest.
[[nodiscard]] result<std::string> sticky_cookie_encode(std::string_view docs_json,
                                                       std::string_view recent_json,
                                                       std::size_t max_bytes = sticky_cookie_max_bytes) noexcept;

// ---------------------------------------------------------------------------
// Analysis and bandits over per-arm aggregates (arm 0 is the control).

struct arm_stats {
  std::string key;
  int64_t users = 0;        // exposed visitors
  int64_t conversions = 0;  // visitors who converted
  double revenue = 0;       // sum of revenue per visitor (major units)
  double revenue_sq = 0;    // sum of squared revenue per visitor
};

inline constexpr std::size_t max_arms = 64;
inline constexpr int32_t max_bandit_draws = 1'000'000;

struct bandit_options {
  uint64_t seed = 0;                 // e.g. fnv1a32 of the experiment key and day
  int32_t draws = 10000;             // Monte Carlo draws from the Beta posteriors
  double exploration_floor = 0.01;   // every arm keeps at least this weight
};

// Thompson sampling: weight_i = floor + (1 - k*floor) * P(arm i is best),
// estimated from `draws` Beta(1+c, 1+n-c) samples. Deterministic given seed.
[[nodiscard]] result<std::vector<double>> bandit_weights(const std::vector<arm_stats>& arms,
                                                         const bandit_options& opt) noexcept;

struct analysis_options {
  std::vector<double> expected_weights;  // traffic split for the SRM check (default: equal)
  double srm_threshold = 0.001;          // p-value below which SRM is flagged
  bool sequential = false;               // always-valid intervals (normal-mixture confidence sequence)
  double sequential_tuning = 5000;       // n* the sequence is tightest at
};

struct arm_result {
  std::string key;
  double conversion_rate = 0;
  double revenue_per_visitor = 0;
  double uplift = 0, ci_low = 0, ci_high = 0;              // relative, conversion rate, 95%
  double rpv_uplift = 0, rpv_ci_low = 0, rpv_ci_high = 0;  // relative, revenue per visitor, 95%
  double chance_to_beat_control = 0;                       // Bayesian (Beta posteriors)
};

struct analysis {
  std::vector<arm_result> arms;
  double srm_chi2 = 0;
  double srm_p_value = 1;
  bool srm_detected = false;
};

[[nodiscard]] result<analysis> analyze(const std::vector<arm_stats>& arms,
                                       const analysis_options& opt) noexcept;

// JSON forms: {"arms":[{"key","users","conversions","revenue","revenue_sq"}],
// "expected_weights":[..],"sequential":bool,"sequential_tuning":n,"srm_threshold":p}
// -> {"arms":[{key,conversion_rate,revenue_per_visitor,uplift,ci,rpv_uplift,rpv_ci,
// chance_to_beat_control}],"srm":{chi2,p_value,detected},"sequential":bool}.
[[nodiscard]] result<std::string> analyze_json(std::string_view text) noexcept;
// {"arms":[...],"seed":"text"|n,"draws":n,"exploration_floor":f} -> {"weights":[..],..}.
[[nodiscard]] result<std::string> bandit_json(std::string_view text) noexcept;

}  // namespace tailor
