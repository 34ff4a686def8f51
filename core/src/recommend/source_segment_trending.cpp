// Per-segment trending: the shopper's segments (named by the request, as the
// profile computed them) bring the items trending among that segment's shoppers.
#include <algorithm>

#include "recommend/sources.hpp"

namespace tailor::recommend_detail {

result<std::vector<uint32_t>> read_request_segments(const detail::json& request, const bundle_view& b,
                                                    std::vector<std::string>& warnings) {
  std::vector<uint32_t> out;
  auto it = request.find("segments");
  if (it == request.end()) return out;
  if (!it->is_array()) return make_error(errc::invalid_field, "expected an array of segment ids", "segments");
  if (it->size() > limits::max_segments) {
    return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_segments) + " segments",
                      "segments");
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const detail::json& v = (*it)[i];
    if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
        v.get_ref<const std::string&>().size() > limits::max_id_bytes) {
      return make_error(errc::invalid_field, "expected a non-empty segment id", detail::path_index("segments", i));
    }
    const std::string& id = v.get_ref<const std::string&>();
    const int64_t s = b.find_segment(id);
    if (s < 0) {
      warnings.push_back("segments: no trending list for segment \"" + id + "\", ignored");
      continue;
    }
    out.push_back(static_cast<uint32_t>(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<segment_hit> segment_trending_source(const bundle_view& b, const std::vector<uint32_t>& segments) {
  std::vector<segment_hit> out;
  if (segments.empty()) return out;
  const double share = 1.0 / static_cast<double>(segments.size());
  for (uint32_t s : segments) {
    const auto list = b.segment_trending(s);
    if (list.count == 0) continue;
    double top = 0;  // weights are > 0 (checked at open)
    for (uint32_t k = 0; k < list.count; ++k) top = std::max<double>(top, list.weights[k]);
    for (uint32_t k = 0; k < list.count; ++k) out.push_back({list.items[k], share * list.weights[k] / top, s});
  }
  return out;
}

}  // namespace tailor::recommend_detail
