#include <iostream>

#include "commands.hpp"
#include "out_dir.hpp"
#include "store_generator.hpp"

namespace tailor::cli {

int cmd_generate(const args& a) {
  if (!has_flag(a, "out") || !positional(a).empty()) {
    std::cerr << "usage: tailor generate --out DIR [--seed N] [--items 5000] [--shoppers 20000]\n"
                 "                       [--days 30] [--end-ms 1793491200000] [--currency GBP]\n";
    return 2;
  }
  generate_options opt;
  struct numeric {
    const char* name;
    int64_t lo, hi;
    int64_t* out;
  };
  int64_t seed = 1, items = opt.items, shoppers = opt.shoppers, days = opt.days, end_ms = opt.end_ms;
  const numeric flags[] = {
      {"seed", 0, INT64_MAX, &seed},
      {"items", 1, max_generated_items, &items},
      {"shoppers", 0, max_generated_shoppers, &shoppers},
      {"days", 1, max_generated_days, &days},
      {"end-ms", int64_t{max_generated_days} * 86400000, 253402300799999, &end_ms},
  };
  for (const auto& f : flags) {
    if (!has_flag(a, f.name)) continue;
    const std::string text = flag(a, f.name);
    auto v = parse_integer(text, f.lo, f.hi);
    if (!v) {
      std::cerr << "tailor generate: --" << f.name << " must be an integer between " << f.lo << " and "
                << f.hi << ", got \"" << text << "\"\n";
      return 2;
    }
    *f.out = *v;
  }
  opt.seed = static_cast<uint64_t>(seed);
  opt.items = static_cast<uint32_t>(items);
  opt.shoppers = static_cast<uint32_t>(shoppers);
  opt.days = static_cast<int32_t>(days);
  opt.end_ms = end_ms;
  opt.currency = flag(a, "currency", opt.currency);
  auto store = generate_store(opt);
  if (!store) {
    std::cerr << "tailor generate: " << store.error().where << ": " << store.error().message << "\n";
    return 2;
  }
  const std::string out = flag(a, "out");
  std::string err;
  if (!write_outputs(out, {{"catalog.jsonl", &store->catalog_jsonl},
                           {"events.jsonl", &store->events_jsonl},
                           {"manifest.json", &store->manifest_json}}, err)) {
    std::cerr << "tailor generate: " << err << "\n";
    return 1;
  }
  std::cout << "wrote " << out << "/catalog.jsonl, events.jsonl, manifest.json\n";
  return 0;
}

}  // namespace tailor::cli
