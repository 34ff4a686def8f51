// `tailor render TEMPLATE [--data FILE.json] [--now MS] [--locale L] [--currency C]
//                [--tz MINUTES] [--steps N]`: renders a Liquid template.
// `--format envelope [--options FILE.json]` prints instead the JSON envelope the
// wasm binding returns for the same bytes (text, report, budgets, or the error).
#include <cstdlib>
#include <functional>
#include <iostream>

#include "../wasm/copy_envelope.hpp"
#include "commands.hpp"
#include "tailor/copy.hpp"

namespace tailor::cli {

// Shared by render and check: options common to both.
bool copy_options(const args& a, copy::render_options& opt) {
  auto num = [&](const char* name, int64_t& out) {
    std::string v = flag(a, name);
    if (v.empty()) return true;
    char* end = nullptr;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (!end || *end != '\0') {
      std::cerr << "tailor: --" << name << " expects an integer, got \"" << v << "\"\n";
      return false;
    }
    out = x;
    return true;
  };
  int64_t now = 0, tz = 0, steps = static_cast<int64_t>(opt.limits.steps);
  if (!num("now", now) || !num("tz", tz) || !num("steps", steps)) return false;
  if (tz < -1440 || tz > 1440 || steps < 0) {
    std::cerr << "tailor: --tz must be within ±1440 and --steps non-negative\n";
    return false;
  }
  opt.now_ms = now;
  opt.tz_offset_minutes = static_cast<int32_t>(tz);
  opt.limits.steps = static_cast<uint64_t>(steps);
  opt.locale = flag(a, "locale", opt.locale);
  opt.currency = flag(a, "currency", opt.currency);
  return true;
}

// --format envelope: options from --options FILE (JSON text), the envelope on
// stdout; exit 1 when it is an error.
int print_envelope_of(const args& a, const std::function<std::string(const std::string&)>& run) {
  std::string options, options_path = flag(a, "options");
  if (!options_path.empty() && !read_file(options_path, options)) {
    std::cerr << "tailor: cannot read " << options_path << "\n";
    return 1;
  }
  std::string env = run(options);
  std::cout << env << "\n";
  return env.rfind("{\"ok\":true", 0) == 0 ? 0 : 1;
}

int cmd_render(const args& a) {
  auto files = positional(a);
  if (files.size() != 1) {
    std::cerr << "usage: tailor render TEMPLATE [--data FILE.json] [--now MS] [--locale en|zh-CN] "
                 "[--currency USD] [--tz MINUTES] [--steps N]\n";
    return 2;
  }
  std::string src, data;
  if (!read_file(files[0], src)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  std::string data_path = flag(a, "data");
  if (!data_path.empty() && !read_file(data_path, data)) {
    std::cerr << "tailor: cannot read " << data_path << "\n";
    return 1;
  }
  if (flag(a, "format") == "envelope") return print_envelope_of(a, [&](const std::string& options) {
    return wasm::copy_render_once(src, data, options);
  });
  copy::render_options opt;
  if (!copy_options(a, opt)) return 2;
  auto t = copy::compile(src);
  if (!t) {
    std::cerr << files[0] << ":" << t.error().where << ": " << errc_name(t.error().code) << ": "
              << t.error().message << "\n";
    return 1;
  }
  auto r = copy::render(t.value(), data, opt);
  if (!r) {
    std::cerr << (r.error().code == errc::invalid_json && !data_path.empty() ? data_path : files[0]) << ":"
              << r.error().where << ": " << errc_name(r.error().code) << ": " << r.error().message << "\n";
    return 1;
  }
  std::cout << r->text;
  return 0;
}

}  // namespace tailor::cli
