// `tailor bench-topk`: the native contender of bench/recommend-topk.mjs. Reads
// the same f32 rows and queries, prints the median/min of R runs of N queries.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include "commands.hpp"
#include "tailor/recommend.hpp"

namespace tailor::cli {

int cmd_bench_topk(const args& a) {
  const std::string rows_path = flag(a, "rows"), q_path = flag(a, "queries");
  const uint32_t n = static_cast<uint32_t>(std::stoul(flag(a, "n", "100000")));
  const uint32_t dim = static_cast<uint32_t>(std::stoul(flag(a, "dim", "64")));
  const uint32_t k = static_cast<uint32_t>(std::stoul(flag(a, "k", "100")));
  const int reps = std::stoi(flag(a, "reps", "7"));
  if (rows_path.empty() || q_path.empty()) {
    std::cerr << "usage: tailor bench-topk --rows ROWS.f32 --queries Q.f32 [--n 100000 --dim 64 --k 100 --reps 7]\n";
    return 2;
  }
  std::string rb, qb;
  if (!read_file(rows_path, rb) || !read_file(q_path, qb) || rb.size() != static_cast<std::size_t>(n) * dim * 4 ||
      qb.size() % (dim * 4) != 0) {
    std::cerr << "tailor: cannot read rows/queries of the given shape\n";
    return 1;
  }
  std::vector<float> rows(static_cast<std::size_t>(n) * dim), qs(qb.size() / 4);
  std::memcpy(rows.data(), rb.data(), rb.size());
  std::memcpy(qs.data(), qb.data(), qb.size());
  std::vector<int8_t> q8;
  std::vector<float> scales;
  quantize_rows(rows.data(), n, dim, q8, scales);
  embedding_index_view ix{q8.data(), scales.data(), n, dim, rows.data()};
  const std::size_t nq = qs.size() / dim;
  std::vector<double> per_query_ms, cpu_ms;
  std::string ids;
  for (int r = 0; r < reps + 1; ++r) {
    const std::clock_t c0 = std::clock();
    auto t0 = std::chrono::steady_clock::now();
    for (std::size_t qi = 0; qi < nq; ++qi) {
      auto res = embedding_top_k(ix, qs.data() + qi * dim, dim, k);
      if (!res) return std::cerr << res.error().message << "\n", 1;
      if (r == 0) {
        char buf[48];
        for (const auto& s : res.value()) {
          std::snprintf(buf, sizeof buf, "%u:%.9g,", s.item, static_cast<double>(s.score));
          ids += buf;
        }
        ids += "\n";
      }
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double cms = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    if (r > 0) {  // run 0 is the warm-up
      per_query_ms.push_back(ms / nq);
      cpu_ms.push_back(cms / nq);
    }
  }
  std::sort(per_query_ms.begin(), per_query_ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  std::printf("{\"median_ms\":%.4f,\"min_ms\":%.4f,\"cpu_ms\":%.4f,\"queries\":%zu,\"reps\":%d}\n",
              per_query_ms[per_query_ms.size() / 2], per_query_ms.front(), cpu_ms[cpu_ms.size() / 2], nq, reps);
  if (has_flag(a, "ids")) write_file(flag(a, "ids"), ids);
  return 0;
}

}  // namespace tailor::cli
