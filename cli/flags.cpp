#include "flags.hpp"

#include <algorithm>
#include <iostream>
#include <set>

namespace tailor::cli {

const std::vector<flag_spec>& training_flags() {
  static const std::vector<flag_spec> f{
      {"lambda"},         {"top-n"},          {"ease-items"},   {"ease-top-n"},     {"half-life"},
      {"trend-half-life"}, {"ease-half-life"}, {"no-ease", false}, {"dim"},          {"emb-iterations"},
      {"emb-half-life"},  {"session-window"}, {"norm"},         {"scope"},          {"binary", false}};
  return f;
}

command_flags flags_of(std::initializer_list<std::vector<flag_spec>> groups, std::size_t max_positional) {
  command_flags c;
  for (const auto& g : groups) c.flags.insert(c.flags.end(), g.begin(), g.end());
  c.max_positional = max_positional;
  return c;
}

std::optional<args> check_flags(const args& a, std::string_view command, const command_flags& accepted) {
  auto fail = [&](const std::string& what) -> std::optional<args> {
    std::cerr << "tailor " << command << ": " << what << "\n";
    return std::nullopt;
  };
  args positionals, flags;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s.rfind("--", 0) != 0 || s == "--") {
      positionals.push_back(s);
      continue;
    }
    const std::size_t eq = s.find('=');
    const std::string name = s.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const auto spec = std::find_if(accepted.flags.begin(), accepted.flags.end(),
                                   [&](const flag_spec& f) { return f.name == name; });
    if (name.empty() || spec == accepted.flags.end()) return fail("unknown flag --" + name);
    if (!seen.insert(name).second) return fail("--" + name + " is given twice");
    if (!spec->takes_value) {
      if (eq != std::string::npos) return fail("--" + name + " takes no value, got \"" + s.substr(eq + 1) + "\"");
      flags.push_back(s);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = s.substr(eq + 1);
    } else if (i + 1 < a.size() && a[i + 1].rfind("--", 0) != 0) {
      value = a[++i];
    } else {
      return fail("--" + name + " expects a value");
    }
    flags.push_back("--" + name + "=" + value);
  }
  if (positionals.size() > accepted.max_positional) {
    return fail("unexpected argument \"" + positionals[accepted.max_positional] + "\"" +
                (accepted.max_positional == 0 ? " (this command takes only flags)" : ""));
  }
  positionals.insert(positionals.end(), flags.begin(), flags.end());
  return positionals;
}

}  // namespace tailor::cli
