#include <iostream>

#include "commands.hpp"
#include "tailor/experiment.hpp"

namespace tailor::cli {

// tailor assign CONTEXT.json (--feature KEY | --experiment EXP.json | --all)
int cmd_assign(const args& a) {
  auto files = positional(a);
  const std::string feature = flag(a, "feature"), experiment = flag(a, "experiment");
  if (files.size() != 1 || (feature.empty() && experiment.empty() && !has_flag(a, "all"))) {
    std::cerr << "usage: tailor assign CONTEXT.json (--feature KEY | --experiment EXP.json | --all)\n";
    return 2;
  }
  std::string ctx;
  if (!read_file(files[0], ctx)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  result<std::string> r = std::string();
  if (!feature.empty()) {
    r = eval_feature(ctx, feature);
  } else if (!experiment.empty()) {
    std::string exp;
    if (!read_file(experiment, exp)) {
      std::cerr << "tailor: cannot read " << experiment << "\n";
      return 1;
    }
    r = run_experiment(ctx, exp);
  } else {
    r = eval_all_features(ctx);
  }
  if (!r) {
    std::cerr << "tailor: " << errc_name(r.error().code) << ": " << r.error().message
              << (r.error().where.empty() ? "" : " (at " + r.error().where + ")") << "\n";
    return 1;
  }
  std::cout << r.value() << "\n";
  return 0;
}

// tailor analyze STATS.json [--bandit]
int cmd_analyze(const args& a) {
  auto files = positional(a);
  if (files.size() != 1) {
    std::cerr << "usage: tailor analyze STATS.json [--bandit]\n";
    return 2;
  }
  std::string text;
  if (!read_file(files[0], text)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  auto r = has_flag(a, "bandit") ? bandit_json(text) : analyze_json(text);
  if (!r) {
    std::cerr << "tailor: " << errc_name(r.error().code) << ": " << r.error().message
              << (r.error().where.empty() ? "" : " (at " + r.error().where + ")") << "\n";
    return 1;
  }
  std::cout << r.value() << "\n";
  return 0;
}

}  // namespace tailor::cli
