// JSON wire format of analyze() and bandit_weights() (snake_case), shared by
// the wasm binding and `tailor analyze`.
#include "common/json.hpp"
#include "tailor/experiment.hpp"

namespace tailor {
namespace {

using detail::json;

result<std::vector<arm_stats>> decode_arms(const json& doc) {
  auto it = doc.find("arms");
  if (it == doc.end() || !it->is_array()) return make_error(errc::missing_field, "arms must be an array", "arms");
  if (it->size() > max_arms) return make_error(errc::limit_exceeded, "more than " + std::to_string(max_arms) + " arms", "arms");
  std::vector<arm_stats> arms;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string where = detail::path_index("arms", i);
    if (!a.is_object()) return make_error(errc::invalid_field, "expected an object", where);
    arm_stats s;
    auto key = detail::read_string(a, "key", where, limits::max_id_bytes, false);
    if (!key) return key.error();
    s.key = key.value();
    auto users = detail::read_int(a, "users", where, 0, int64_t{1} << 50, true);
    if (!users) return users.error();
    auto conv = detail::read_int(a, "conversions", where, 0, int64_t{1} << 50, false);
    if (!conv) return conv.error();
    auto rev = detail::read_number(a, "revenue", where, -1e15, 1e15, false);
    if (!rev) return rev.error();
    auto rev2 = detail::read_number(a, "revenue_sq", where, 0, 1e30, false);
    if (!rev2) return rev2.error();
    s.users = users.value();
    s.conversions = conv.value();
    s.revenue = rev.value();
    s.revenue_sq = rev2.value();
    arms.push_back(std::move(s));
  }
  return arms;
}

}  // namespace

result<std::string> analyze_json(std::string_view text) noexcept {
  try {
    auto doc = detail::parse_json(text);
    if (!doc) return doc.error();
    if (!doc->is_object()) return make_error(errc::invalid_config, "expected an object");
    auto arms = decode_arms(*doc);
    if (!arms) return arms.error();
    analysis_options opt;
    if (auto w = doc->find("expected_weights"); w != doc->end()) {
      if (!w->is_array()) return make_error(errc::invalid_field, "expected an array", "expected_weights");
      for (const json& x : *w) {
        if (!x.is_number() || x.get<double>() < 0) return make_error(errc::invalid_field, "weights must be numbers >= 0", "expected_weights");
        opt.expected_weights.push_back(x.get<double>());
      }
    }
    if (auto s = doc->find("sequential"); s != doc->end()) {
      if (!s->is_boolean()) return make_error(errc::invalid_field, "expected a boolean", "sequential");
      opt.sequential = s->get<bool>();
    }
    auto tuning = detail::read_number(*doc, "sequential_tuning", "", 1, 1e12, false, 5000);
    if (!tuning) return tuning.error();
    opt.sequential_tuning = tuning.value();
    auto thr = detail::read_number(*doc, "srm_threshold", "", 0, 1, false, 0.001);
    if (!thr) return thr.error();
    opt.srm_threshold = thr.value();
    auto r = analyze(arms.value(), opt);
    if (!r) return r.error();
    json out = json::object();
    json list = json::array();
    for (const arm_result& a : r->arms) {
      list.push_back({{"key", a.key}, {"conversion_rate", a.conversion_rate},
                      {"revenue_per_visitor", a.revenue_per_visitor}, {"uplift", a.uplift},
                      {"ci", {a.ci_low, a.ci_high}}, {"rpv_uplift", a.rpv_uplift},
                      {"rpv_ci", {a.rpv_ci_low, a.rpv_ci_high}},
                      {"chance_to_beat_control", a.chance_to_beat_control}});
    }
    out["arms"] = list;
    out["srm"] = {{"chi2", r->srm_chi2}, {"p_value", r->srm_p_value}, {"detected", r->srm_detected}};
    out["sequential"] = opt.sequential;
    return detail::dump_json(out);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

result<std::string> bandit_json(std::string_view text) noexcept {
  try {
    auto doc = detail::parse_json(text);
    if (!doc) return doc.error();
    if (!doc->is_object()) return make_error(errc::invalid_config, "expected an object");
    auto arms = decode_arms(*doc);
    if (!arms) return arms.error();
    bandit_options opt;
    if (auto s = doc->find("seed"); s != doc->end()) {
      if (s->is_string()) opt.seed = fnv1a32(s->get_ref<const std::string&>());
      else if (s->is_number_unsigned()) opt.seed = s->get<uint64_t>();
      else return make_error(errc::invalid_field, "seed must be a string or a non-negative integer", "seed");
    }
    auto draws = detail::read_int(*doc, "draws", "", 1, max_bandit_draws, false, 10000);
    if (!draws) return draws.error();
    opt.draws = static_cast<int32_t>(draws.value());
    auto floor = detail::read_number(*doc, "exploration_floor", "", 0, 1, false, 0.01);
    if (!floor) return floor.error();
    opt.exploration_floor = floor.value();
    auto w = bandit_weights(arms.value(), opt);
    if (!w) return w.error();
    return detail::dump_json(json{{"weights", w.value()}, {"draws", opt.draws}, {"seed", opt.seed}});
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
