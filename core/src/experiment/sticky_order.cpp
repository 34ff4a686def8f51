// Recency of sticky bucket assignments. The sticky cookie holds at most 1 KB
// and evicts the least recently used assignments first; which ones were used
// is the evaluation's decision, so the core keeps the order and every caller
// (edge worker, browser SDK) passes it through: decoded order in, this order
// out, into sticky_cookie_encode.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "experiment/growthbook.hpp"

namespace tailor::experiment_detail {

namespace {

using assignment_ref = std::pair<std::string, std::string>;  // doc key, assignment key

bool is_ref(const json& r) {
  return r.is_array() && r.size() == 2 && r[0].is_string() && r[1].is_string();
}

}  // namespace

json sticky_order_of(const json& docs, const json& order) {
  std::map<assignment_ref, std::size_t> last;  // 1 + last index in `order`
  if (order.is_array()) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (is_ref(order[i])) last[{order[i][0].get<std::string>(), order[i][1].get<std::string>()}] = i + 1;
    }
  }
  std::vector<std::pair<std::size_t, assignment_ref>> ranked;  // unlisted: 0, the oldest
  if (docs.is_object()) {
    for (auto d = docs.begin(); d != docs.end(); ++d) {
      const json* a = member(d.value(), "assignments");
      if (!a || !a->is_object()) continue;
      for (auto it = a->begin(); it != a->end(); ++it) {
        assignment_ref ref{d.key(), it.key()};
        const auto found = last.find(ref);
        ranked.emplace_back(found == last.end() ? 0 : found->second, std::move(ref));
      }
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  json out = json::array();
  for (const auto& [rank, ref] : ranked) out.push_back(json::array({ref.first, ref.second}));
  return out;
}

status check_sticky_order(const json& context) {
  const json* order = member(context, "stickyBucketOrder");
  if (!order || order->is_null()) return ok_value;
  auto bad = [](std::string where) {
    return make_error(errc::invalid_field,
                      "stickyBucketOrder must be an array of [\"attribute||value\", \"experiment__version\"] pairs",
                      std::move(where));
  };
  if (!order->is_array()) return bad("stickyBucketOrder");
  for (std::size_t i = 0; i < order->size(); ++i) {
    if (!is_ref((*order)[i])) return bad("stickyBucketOrder[" + std::to_string(i) + "]");
  }
  return ok_value;
}

void evaluation::touch_sticky(const std::string& doc_key, const std::string& assignment_key) {
  sticky_order.push_back(json::array({doc_key, assignment_key}));
}

}  // namespace tailor::experiment_detail
