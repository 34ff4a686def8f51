// `tailor bench-fold`: profile fold throughput on a deterministic synthetic
// store (catalog, config, one shopper's state). `--write DIR` saves the exact
// input and the expected profile so bench/profile-fold.mjs can time the wasm
// build on the same bytes and check its output first.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "tailor/catalog.hpp"
#include "tailor/event.hpp"
#include "tailor/profile.hpp"

namespace tailor::cli {
namespace {

struct splitmix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

constexpr int64_t bench_now = 1'700'000'000'000;

std::string synthetic_catalog(std::size_t items, splitmix& r) {
  std::string csv = "id,title,category,brand,price,currency,stock,tags\n";
  for (std::size_t i = 0; i < items; ++i) {
    const uint64_t top = r.below(12), mid = r.below(8), leaf = r.below(6);
    csv += "item" + std::to_string(i) + ",Item " + std::to_string(i) + ",Dept" +
           std::to_string(top) + ">Aisle" + std::to_string(top) + "-" + std::to_string(mid) +
           ">Shelf" + std::to_string(top) + "-" + std::to_string(mid) + "-" + std::to_string(leaf) +
           ",Brand" + std::to_string(r.below(60)) + "," + std::to_string(1 + r.below(500)) + "." +
           std::to_string(10 + r.below(90)) + ",GBP," + std::to_string(r.below(100)) + ",";
    const uint64_t ntags = 1 + r.below(4);
    for (uint64_t t = 0; t < ntags; ++t) {
      csv += (t ? "|tag" : "tag") + std::to_string(t * 100 + r.below(100));
    }
    csv += "\n";
  }
  return csv;
}

profile_state synthetic_state(std::size_t events, std::size_t items, splitmix& r) {
  profile_state st;
  for (std::size_t i = 0; i < events; ++i) {
    event ev;
    ev.id = "ev" + std::to_string(i);
    ev.uid = "shopper";
    ev.ts_ms = bench_now - static_cast<int64_t>(r.below(90ull * 86'400'000));
    const uint64_t kind = r.below(100);
    const std::string item = "item" + std::to_string(r.below(items));
    if (kind < 70) {
      ev.type = event_type::view;
      ev.item_id = item;
    } else if (kind < 80) {
      ev.type = event_type::click;
      ev.item_id = item;
    } else if (kind < 88) {
      ev.type = event_type::add_to_cart;
      ev.item_id = item;
      ev.quantity = 1;
    } else if (kind < 91) {
      ev.type = event_type::remove_from_cart;
      ev.item_id = item;
      ev.quantity = 1;
    } else if (kind < 95) {
      ev.type = event_type::purchase;
      ev.currency = "GBP";
      ev.lines.push_back(line_item{item, 1, static_cast<int64_t>(100 + r.below(50000))});
      ev.lines.push_back(line_item{"item" + std::to_string(r.below(items)), 2, 999});
    } else {
      ev.type = event_type::search;
      ev.query = "query " + std::to_string(r.below(50));
    }
    st.add(ev);
  }
  return st;
}

const char* const bench_config = R"({"half_life_days":21,"price_bands":[{"id":"budget","max":20},
{"id":"mid","max":100},{"id":"premium","max":300},{"id":"luxury"}],"segments":[]})";

}  // namespace

int cmd_bench_fold(const args& a) {
  std::size_t n_events = limits::max_events_per_profile, n_items = 20000;
  int reps = 7, iters = 200;
  try {
    n_events = std::stoul(flag(a, "events", std::to_string(n_events)));
    n_items = std::stoul(flag(a, "items", std::to_string(n_items)));
    reps = std::stoi(flag(a, "reps", "7"));
    iters = std::stoi(flag(a, "iters", "200"));
  } catch (const std::exception&) {
    std::cerr << "usage: tailor bench-fold [--events N] [--items N] [--reps R] [--iters N] [--write DIR]\n";
    return 2;
  }
  if (reps < 1 || iters < 1 || n_items < 1) return 2;
  splitmix r{42};
  const std::string csv = synthetic_catalog(n_items, r);
  auto cat = parse_catalog_csv(csv);
  auto cfg = parse_profile_config(bench_config);
  if (!cat || !cfg) {
    std::cerr << "tailor: bench input is invalid\n";
    return 1;
  }
  auto p = profiler::create(std::make_shared<const catalog>(std::move(cat.value())), std::move(cfg.value()));
  if (!p) return 1;
  const profile_state st = synthetic_state(n_events, n_items, r);
  auto first = p->fold(st, bench_now);
  if (!first) return 1;
  if (const std::string dir = flag(a, "write"); !dir.empty()) {
    const bool ok = write_file(dir + "/catalog.csv", csv) && write_file(dir + "/config.json", bench_config) &&
                    write_file(dir + "/state.json", export_state(st)) &&
                    write_file(dir + "/expected.json", first.value()) &&
                    write_file(dir + "/now.txt", std::to_string(bench_now));
    if (!ok) {
      std::cerr << "tailor: cannot write to " << dir << "\n";
      return 1;
    }
  }
  std::size_t sink = 0;
  for (int w = 0; w < 10; ++w) sink += p->fold(st, bench_now)->size();  // warm-up
  std::vector<double> seconds, cpu_seconds;
  for (int k = 0; k < reps; ++k) {
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) {
      auto out = p->fold(st, bench_now);
      if (!out || out.value() != first.value()) {
        std::cerr << "tailor: fold output changed between runs\n";
        return 1;
      }
      sink += out->size();
    }
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu_seconds.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  const double cpu_median = cpu_seconds[cpu_seconds.size() / 2];
  const double per_rep = static_cast<double>(st.size()) * iters;
  const double median = seconds[seconds.size() / 2];
  std::cout << "{\"target\":\"native\",\"events_per_fold\":" << st.size() << ",\"items\":" << n_items
            << ",\"iters\":" << iters << ",\"reps\":" << reps
            << ",\"median_events_per_s\":" << static_cast<int64_t>(per_rep / median)
            << ",\"best_events_per_s\":" << static_cast<int64_t>(per_rep / seconds.front())
            << ",\"median_ms_per_fold\":" << median * 1000.0 / iters
            << ",\"cpu_median_events_per_s\":" << static_cast<int64_t>(per_rep / cpu_median)
            << ",\"cpu_best_events_per_s\":" << static_cast<int64_t>(per_rep / cpu_seconds.front())
            << ",\"profile_bytes\":" << first->size() << ",\"sink\":" << sink % 7 << "}\n";
  return 0;
}

}  // namespace tailor::cli
