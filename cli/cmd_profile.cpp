// `tailor profile`: folds a shopper's events into the profile JSON, exactly as
// the wasm API's profile() does.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "tailor/catalog.hpp"
#include "tailor/event.hpp"
#include "tailor/profile.hpp"

namespace tailor::cli {
namespace {

int usage_profile() {
  std::cerr << "usage: tailor profile --catalog FILE[.jsonl|.csv] --events FILE.jsonl --now MS\n"
               "                      [--config FILE.json] [--uid UID] [--state FILE.json]\n"
               "                      [--catalog-format jsonl|csv] [--strict]\n";
  return 2;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void print_error(const std::string& file, const error& e) {
  std::cerr << file << ": " << (e.where.empty() ? "" : e.where + ": ") << errc_name(e.code) << ": "
            << e.message << "\n";
}

result<std::shared_ptr<const catalog>> load_catalog_file(const std::string& path, std::string format) {
  std::string text;
  if (!read_file(path, text)) return make_error(errc::not_found, "cannot read " + path);
  if (format.empty()) format = ends_with(path, ".csv") ? "csv" : "jsonl";
  if (format != "csv" && format != "jsonl") {
    return make_error(errc::invalid_field, "--catalog-format must be jsonl or csv");
  }
  auto c = format == "csv" ? parse_catalog_csv(text) : parse_catalog_jsonl(text);
  if (!c) {
    auto e = c.error();
    e.where = path + ":" + e.where;
    return e;
  }
  return std::make_shared<const catalog>(std::move(c.value()));
}

}  // namespace

int cmd_profile(const args& a) {
  const std::string catalog_path = flag(a, "catalog");
  const std::string events_path = flag(a, "events");
  const std::string now_text = flag(a, "now");
  if (catalog_path.empty() || events_path.empty() || now_text.empty()) return usage_profile();
  int64_t now = 0;
  try {
    std::size_t used = 0;
    long long v = std::stoll(now_text, &used);
    if (used != now_text.size() || v < 0) throw std::invalid_argument("now");
    now = v;
  } catch (const std::exception&) {
    std::cerr << "tailor: --now must be a non-negative integer of UTC milliseconds\n";
    return 2;
  }

  auto cat = load_catalog_file(catalog_path, flag(a, "catalog-format"));
  if (!cat) {
    std::cerr << "tailor: " << cat.error().where << ": " << errc_name(cat.error().code) << ": "
              << cat.error().message << "\n";
    return 1;
  }
  std::string config_text;
  if (const std::string cp = flag(a, "config"); !cp.empty() && !read_file(cp, config_text)) {
    std::cerr << "tailor: cannot read " << cp << "\n";
    return 1;
  }
  auto cfg = parse_profile_config(config_text);
  if (!cfg) {
    print_error(flag(a, "config"), cfg.error());
    return 1;
  }
  std::string events_text;
  if (!read_file(events_path, events_text)) {
    std::cerr << "tailor: cannot read " << events_path << "\n";
    return 1;
  }
  auto batch = decode_event_lines(events_text);
  if (!batch) {
    print_error(events_path, batch.error());
    return 1;
  }
  for (const auto& e : batch->rejected) print_error(events_path, e);
  if (!batch->rejected.empty() && has_flag(a, "strict")) return 1;

  std::vector<event> events = std::move(batch->events);
  if (const std::string uid = flag(a, "uid"); !uid.empty()) events = events_of_shopper(events, uid);
  profile_state state;
  if (const std::string sp = flag(a, "state"); !sp.empty()) {
    std::string text;
    if (!read_file(sp, text)) {
      std::cerr << "tailor: cannot read " << sp << "\n";
      return 1;
    }
    auto st = import_state(text);
    if (!st) {
      print_error(sp, st.error());
      return 1;
    }
    state = std::move(st.value());
  }
  for (const auto& ev : events) state.add(ev);

  auto p = profiler::create(std::move(cat.value()), std::move(cfg.value()));
  if (!p) {
    print_error(catalog_path, p.error());
    return 1;
  }
  auto out = p->fold(state, now);
  if (!out) {
    print_error(events_path, out.error());
    return 1;
  }
  std::cout << out.value() << "\n";
  return 0;
}

}  // namespace tailor::cli
