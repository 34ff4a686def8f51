#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "tailor/bundle.hpp"
#include "tailor/catalog.hpp"
#include "tailor/profile.hpp"
#include "tailor/recommend.hpp"
#include "tailor/train.hpp"

namespace tailor::cli {
namespace {

// items.jsonl: {"id","title","category","price_minor","in_stock"} per line; the
// catalog's JSON Lines work too ("category" as a path array, "brand", "tags",
// "attributes"), which feed content similarity.
bool read_items(const std::string& path, std::map<std::string, bundle_item>& out,
                std::map<std::string, content_item>& content) {
  std::string text, err;
  if (!read_maybe_gzip(path, text, err)) {
    std::cerr << "tailor: " << err << "\n";
    return false;
  }
  std::size_t pos = 0, line = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string s = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (s.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(s, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string()) {
      std::cerr << path << ": line " << line << ": expected {\"id\": ..., ...}\n";
      return false;
    }
    bundle_item it;
    it.id = j["id"].get<std::string>();
    if (j.contains("title") && j["title"].is_string()) it.title = j["title"].get<std::string>();
    if (j.contains("category") && j["category"].is_string()) it.category = j["category"].get<std::string>();
    if (j.contains("category") && j["category"].is_array()) {
      for (const auto& part : j["category"]) {
        if (!part.is_string()) continue;
        if (!it.category.empty()) it.category += '/';
        it.category += part.get<std::string>();
      }
    }
    content_item ci;
    ci.title = it.title;
    ci.category = it.category;
    if (j.contains("brand") && j["brand"].is_string()) ci.attributes.push_back("brand=" + j["brand"].get<std::string>());
    if (j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (t.is_string()) ci.attributes.push_back("tag=" + t.get<std::string>());
      }
    }
    if (j.contains("attributes") && j["attributes"].is_object()) {
      for (const auto& [k, v] : j["attributes"].items()) {
        if (v.is_string()) ci.attributes.push_back(k + "=" + v.get<std::string>());
      }
    }
    content[it.id] = std::move(ci);
    if (j.contains("price_minor") && j["price_minor"].is_number_integer()) it.price_minor = j["price_minor"].get<int64_t>();
    if (j.contains("in_stock") && j["in_stock"].is_boolean()) it.in_stock = j["in_stock"].get<bool>();
    out[it.id] = std::move(it);
  }
  return true;
}

// Trending per segment of a profile config (--profile-config): the bundle's items
// become the profiler's catalog (category path, brand and tags from --items).
bool add_segment_trending(const std::string& path, const std::vector<event>& events, const interaction_log& log,
                          const std::vector<bundle_item>& items, const std::map<std::string, content_item>& content,
                          const train_options& topt, model& m) {
  std::string text;
  if (!read_file(path, text)) return std::cerr << "tailor: cannot read " << path << "\n", false;
  auto cfg = parse_profile_config(text);
  if (!cfg) {
    std::cerr << "tailor: " << path << ": " << cfg.error().where << ": " << cfg.error().message << "\n";
    return false;
  }
  std::vector<item> cat_items;
  for (const auto& bi : items) {
    item it;
    it.id = bi.id;
    it.title = bi.title;
    it.price_minor = bi.price_minor;
    for (std::size_t p = 0; p < bi.category.size();) {
      std::size_t q = bi.category.find('/', p);
      if (q == std::string::npos) q = bi.category.size();
      if (q > p) it.category.push_back(bi.category.substr(p, q - p));
      p = q + 1;
    }
    if (auto c = content.find(bi.id); c != content.end()) {
      for (const auto& attr : c->second.attributes) {
        if (attr.rfind("brand=", 0) == 0) it.brand = attr.substr(6);
        if (attr.rfind("tag=", 0) == 0) it.tags.push_back(attr.substr(4));
      }
    }
    cat_items.push_back(std::move(it));
  }
  auto cat = catalog::from_items(std::move(cat_items));
  if (!cat) return std::cerr << "tailor: catalog for segments: " << cat.error().message << "\n", false;
  auto prof = profiler::create(std::make_shared<const catalog>(std::move(cat.value())), std::move(cfg.value()));
  if (!prof) return std::cerr << "tailor: profiler: " << prof.error().message << "\n", false;
  auto members = profile_segment_membership(log, events, prof.value());
  if (!members) return std::cerr << "tailor: segments: " << members.error().message << "\n", false;
  auto lists = train_segment_trending(log, members.value(), topt);
  if (!lists) return std::cerr << "tailor: segment trending: " << lists.error().message << "\n", false;
  m.segments = std::move(members->segments);
  m.segment_trending = std::move(lists.value());
  return true;
}

}  // namespace

bool train_options_from_flags(const args& a, train_options& t);

int cmd_build_bundle(const args& a) {
  const std::string events_path = flag(a, "events"), out_path = flag(a, "out");
  if (events_path.empty() || out_path.empty()) {
    std::cerr << "usage: tailor build-bundle --events EVENTS.jsonl --out BUNDLE.bin\n"
                 "         [--items ITEMS.jsonl] [--config SLOTS.json] [--progress] [--no-content]\n"
                 "         [--profile-config PROFILE.json]\n"
                 "  --profile-config: trending per segment of that profile config (each shopper's\n"
                 "  events folded at the newest event); served by source segment_trending\n"
                 "  --items: titles, categories, prices, stock; items without events are added\n"
                 "  (cold items) and titles/categories/brand/tags/attributes give content neighbours\n"
                 "         [training flags of tailor eval: --lambda --ease-top-n --top-n ...]\n";
    return 2;
  }
  train_options topt;
  if (!train_options_from_flags(a, topt)) return 2;
  std::string text, err;
  if (!read_maybe_gzip(events_path, text, err)) {
    std::cerr << "tailor: " << err << "\n";
    return 1;
  }
  auto batch = decode_event_lines(text);
  if (!batch) {
    std::cerr << "tailor: " << batch.error().message << "\n";
    return 1;
  }
  for (const auto& e : batch->rejected) {
    std::cerr << events_path << ": " << e.where << ": " << errc_name(e.code) << ": " << e.message << "\n";
  }
  auto log = build_log(batch->events);
  if (!log) {
    std::cerr << "tailor: " << log.error().message << "\n";
    return 1;
  }
  std::map<std::string, bundle_item> meta;
  std::map<std::string, content_item> content;
  if (has_flag(a, "items") && !read_items(flag(a, "items"), meta, content)) return 1;
  {  // Catalogue items without events (cold items) enter the model too.
    std::vector<std::string> ids;
    for (const auto& [id, bi] : meta) ids.push_back(id);
    if (auto s = add_log_items(log.value(), ids); !s) {
      std::cerr << "tailor: " << flag(a, "items") << ": " << s.error().where << ": " << s.error().message << "\n";
      return 1;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  const auto progress = progress_printer(has_flag(a, "progress"));
  auto m = train(log.value(), topt, progress);
  if (!m) {
    std::cerr << "tailor: train: " << m.error().message << "\n";
    return 1;
  }
  m->ease_b.clear();  // the dense matrix is not bundled
  if (!content.empty() && !has_flag(a, "no-content")) {
    std::vector<content_item> ci(m->items.size());
    for (std::size_t i = 0; i < m->items.size(); ++i) {
      if (auto it = content.find(m->items[i]); it != content.end()) ci[i] = it->second;
    }
    content_options co;
    auto nl = content_neighbours(ci, co, progress);
    if (!nl) return std::cerr << "tailor: content: " << nl.error().message << "\n", 1;
    m->content = std::move(nl.value());
  }
  // Prices default to the newest purchase price seen in the events.
  std::map<std::string, int64_t> last_price;
  for (const auto& ev : batch->events) {
    for (const auto& l : ev.lines) last_price[l.item_id] = l.price_minor;
  }
  std::vector<bundle_item> items;
  for (const auto& id : m->items) {
    auto it = meta.find(id);
    bundle_item bi = it != meta.end() ? it->second : bundle_item{};
    bi.id = id;
    if (it == meta.end() && last_price.count(id)) bi.price_minor = last_price[id];
    items.push_back(std::move(bi));
  }
  if (has_flag(a, "profile-config")) {
    if (!add_segment_trending(flag(a, "profile-config"), batch->events, log.value(), items, content, topt, m.value())) {
      return 1;
    }
    if (progress) progress("segments", 1.0);
  }
  std::string config = default_recommend_config();
  if (has_flag(a, "config") && !read_file(flag(a, "config"), config)) {
    std::cerr << "tailor: cannot read " << flag(a, "config") << "\n";
    return 1;
  }
  if (auto s = validate_recommend_config(config); !s) {
    std::cerr << "tailor: config: " << s.error().where << ": " << s.error().message << "\n";
    return 1;
  }
  item_embeddings emb;  // stored int8 + per-item scale; --dim 0 leaves them out
  emb.dim = m->factor_dim;
  emb.values = m->item_factors;
  auto bytes = write_bundle(m.value(), items, config, emb);
  if (!bytes) {
    std::cerr << "tailor: bundle: " << bytes.error().message << "\n";
    return 1;
  }
  if (!write_file(out_path, bytes.value())) {
    std::cerr << "tailor: cannot write " << out_path << "\n";
    return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "bundle " << out_path << ": " << bytes->size() << " bytes, " << items.size() << " items, format v"
            << bundle_format_version << ", trained in " << s << " s\n";
  return 0;
}

int cmd_recommend(const args& a) {
  const std::string bundle_path = flag(a, "bundle"), request_path = flag(a, "request");
  if (bundle_path.empty() || request_path.empty()) {
    std::cerr << "usage: tailor recommend --bundle BUNDLE.bin --request REQUEST.json\n";
    return 2;
  }
  std::string raw, request;
  if (!read_file(bundle_path, raw) || !read_file(request_path, request)) {
    std::cerr << "tailor: cannot read input\n";
    return 1;
  }
  std::vector<uint64_t> aligned((raw.size() + 7) / 8);
  std::memcpy(aligned.data(), raw.data(), raw.size());
  auto r = recommender::open(std::string_view(reinterpret_cast<const char*>(aligned.data()), raw.size()));
  if (!r) {
    std::cerr << "tailor: " << bundle_path << ": " << errc_name(r.error().code) << ": " << r.error().message
              << (r.error().where.empty() ? "" : " (at " + r.error().where + ")") << "\n";
    return 1;
  }
  if (has_flag(a, "bench")) {  // timing loop: p50 / min of single decisions
    const int n = std::stoi(flag(a, "bench"));
    std::vector<double> ms;
    const std::clock_t c0 = std::clock();
    for (int i = 0; i < n; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto d = r->recommend(request);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!d) break;
    }
    const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    std::sort(ms.begin(), ms.end());
    if (!ms.empty()) {
      std::cerr << "{\"p50_ms\":" << ms[ms.size() / 2] << ",\"p90_ms\":" << ms[ms.size() * 9 / 10]
                << ",\"min_ms\":" << ms.front() << ",\"cpu_ms_per_call\":" << cpu_ms / static_cast<double>(ms.size())
                << ",\"runs\":" << ms.size() << "}\n";
    }
  }
  auto d = r->recommend(request);
  if (!d) {
    std::cerr << "tailor: " << errc_name(d.error().code) << ": " << d.error().message
              << (d.error().where.empty() ? "" : " (at " + d.error().where + ")") << "\n";
    return 1;
  }
  std::cout << d.value() << "\n";
  return 0;
}

}  // namespace tailor::cli
