// Recommender configurations as experiment variations. A slot may name a
// GrowthBook feature ("experiment": "home-recs"); the value the shopper is
// assigned picks the configuration that serves the request:
//   null          the slot's own configuration (the control)
//   "slot name"   another slot's configuration, used as it is
//   {...}         a JSON merge patch (RFC 7386) over the slot's own configuration
// Definitions come from the bundle config's `features` / `savedGroups`; the
// request carries the shopper's GrowthBook context or an assignment already
// made (a FeatureResult). Any problem serves the control, with a warning and no
// exposure, so a broken variation never reaches a shopper and never counts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

namespace tailor::recommend_detail {

using detail::json;

// What serves one request.
struct slot_choice {
  enum class kind { base, slot, patch };
  kind what = kind::base;
  std::string slot;  // kind::slot
  json patch;        // kind::patch
  // The decision's "experiment" object; null when the slot names no experiment.
  json record;
  std::vector<std::string> warnings;
  bool assigned = false;  // a variation value was assigned and still has to be checked
};

// How a variation value maps onto a configuration; nullopt with `why` set when it cannot.
std::optional<slot_choice> choice_of_value(const json& value, std::string& why);

class slot_experiments {
 public:
  // `config` is the whole bundle config; only features, savedGroups and
  // contextualBandits are read. Errors name the field.
  [[nodiscard]] status load(const json& config);
  bool has_definitions() const noexcept { return defs_.has_value(); }

  // Every value the bundle's definitions can assign for `feature` (default
  // value, forced values, variations), with the JSON path of each.
  std::vector<std::pair<json, std::string>> values_of(const std::string& feature) const;

  // Evaluates `feature` for the request. `context` is the request's
  // experiment_context (may be null); `assignments` its assignments (may be null).
  // `valid` says whether a patch or slot name gives a usable configuration.
  template <class Valid>
  slot_choice choose(const std::string& feature, const json* context, const json* assignments,
                     Valid&& valid) const {
    slot_choice c = assign(feature, context, assignments);
    std::string why;
    if (c.assigned && !valid(c, why)) fall_back(c, feature, why);
    return c;
  }

  // Serves the control instead: no exposure, a warning naming the feature and `why`.
  static void fall_back(slot_choice& c, const std::string& feature, const std::string& why);

 private:
  slot_choice assign(const std::string& feature, const json* context, const json* assignments) const;

  std::optional<gb_definitions> defs_;
  json features_ = json::object();
};

}  // namespace tailor::recommend_detail
