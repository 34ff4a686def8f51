// Bundle writer and validating in-place reader.
#include "tailor/bundle.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "common/json.hpp"

namespace tailor {
namespace {

constexpr char magic[8] = {'T', 'A', 'I', 'L', 'O', 'R', 'B', '\0'};
constexpr std::size_t entry_bytes = 24;
constexpr std::size_t hash_field = 24;  // offset of content_hash in the header
constexpr uint32_t no_category = 0xFFFFFFFFu;

template <class T>
T load(const uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void store(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

template <class T>
std::string pod_bytes(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

std::string string_table(const std::vector<std::string>& v) {
  std::string out;
  store<uint32_t>(out, static_cast<uint32_t>(v.size()));
  uint32_t off = 0;
  store<uint32_t>(out, 0);
  for (const auto& s : v) {
    off += static_cast<uint32_t>(s.size());
    store<uint32_t>(out, off);
  }
  for (const auto& s : v) out += s;
  return out;
}

error bad(std::string message, std::string where) {
  return make_error(errc::invalid_state, "bundle: " + std::move(message), std::move(where));
}

std::string sname(uint32_t id) { return "section " + std::to_string(id); }

// The per-segment trending sections (21..24); zero segments write empty tables.
template <class Add>
status add_segment_sections(const model& m, std::size_t n, Add&& add) {
  const auto& ids = m.segments;
  const auto& nl = m.segment_trending;
  if (ids.size() > limits::max_segments) {
    return make_error(errc::limit_exceeded, "more than " + std::to_string(limits::max_segments) + " segments");
  }
  const bool empty_lists = nl.offsets.empty() && nl.items.empty();
  if (!empty_lists && nl.offsets.size() != ids.size() + 1) {
    return make_error(errc::invalid_config, "segment trending needs one list per segment");
  }
  for (std::size_t s = 0; s < ids.size(); ++s) {
    const std::string where = "segments[" + std::to_string(s) + "]";
    if (ids[s].empty() || ids[s].size() > limits::max_id_bytes || !detail::is_valid_utf8(ids[s])) {
      return make_error(errc::invalid_config, "invalid segment id", where);
    }
    if (s > 0 && !(ids[s - 1] < ids[s])) return make_error(errc::invalid_config, "segment ids not strictly ascending", where);
  }
  std::vector<uint32_t> offsets = empty_lists ? std::vector<uint32_t>(ids.size() + 1, 0) : nl.offsets;
  if (offsets.front() != 0 || offsets.back() != nl.items.size() || nl.weights.size() != nl.items.size()) {
    return make_error(errc::invalid_config, "segment trending lists are inconsistent");
  }
  for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
    if (offsets[s + 1] < offsets[s]) return make_error(errc::invalid_config, "segment offsets not ascending");
  }
  for (std::size_t k = 0; k < nl.items.size(); ++k) {
    if (nl.items[k] >= n || !std::isfinite(nl.weights[k]) || !(nl.weights[k] > 0)) {
      return make_error(errc::invalid_config, "segment trending item out of range or weight not positive",
                        "segment_trending[" + std::to_string(k) + "]");
    }
  }
  add(section_id::segment_ids, string_table(ids));
  add(section_id::segment_offsets, pod_bytes(offsets));
  add(section_id::segment_items, pod_bytes(nl.items));
  add(section_id::segment_weights, pod_bytes(nl.weights));
  return ok_value;
}

}  // namespace

uint64_t bundle_hash_v1(const uint8_t* data, std::size_t size) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  constexpr uint64_t prime = 0x100000001b3ull;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    h ^= load<uint64_t>(data + i);
    h *= prime;
  }
  for (; i < size; ++i) {
    h ^= data[i];
    h *= prime;
  }
  return h;
}

result<std::string> write_bundle(const model& m, const std::vector<bundle_item>& items,
                                 std::string_view config_json, const item_embeddings& emb) noexcept {
  try {
    const std::size_t n = m.items.size();
    if (items.size() != n) {
      return make_error(errc::invalid_config, "item metadata count " + std::to_string(items.size()) +
                                                  " differs from the model's " + std::to_string(n));
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (items[i].id != m.items[i]) {
        return make_error(errc::invalid_config, "item metadata out of model order", "items[" + std::to_string(i) + "]");
      }
    }
    if (config_json.size() > limits::max_bundle_config_bytes) {
      return make_error(errc::limit_exceeded, "config larger than " +
                                                  std::to_string(limits::max_bundle_config_bytes) + " bytes");
    }
    auto cfg = detail::parse_json(config_json);
    if (!cfg) return cfg.error();
    if (!cfg->is_object()) return make_error(errc::invalid_config, "config must be a JSON object");
    if (emb.dim > limits::max_embedding_dim) {
      return make_error(errc::limit_exceeded, "embedding dim above " + std::to_string(limits::max_embedding_dim));
    }
    if (emb.dim > 0 && emb.values.size() != n * emb.dim) {
      return make_error(errc::invalid_config, "embeddings must hold items x dim values");
    }
    std::vector<std::pair<uint32_t, std::string>> sections;
    auto add = [&](section_id id, std::string bytes) { sections.emplace_back(static_cast<uint32_t>(id), std::move(bytes)); };
    add(section_id::config, std::string(config_json));
    add(section_id::item_ids, string_table(m.items));
    std::vector<std::string> titles(n), cats;
    std::map<std::string, uint32_t> cat_index;
    for (const auto& it : items) {
      if (!it.category.empty()) cat_index.emplace(it.category, 0);
    }
    for (auto& [name, idx] : cat_index) {
      idx = static_cast<uint32_t>(cats.size());
      cats.push_back(name);
    }
    std::string meta;
    for (std::size_t i = 0; i < n; ++i) {
      titles[i] = items[i].title;
      store<int64_t>(meta, items[i].price_minor);
      store<uint32_t>(meta, items[i].category.empty() ? no_category : cat_index[items[i].category]);
      store<uint32_t>(meta, items[i].in_stock ? 1u : 0u);
    }
    add(section_id::item_titles, string_table(titles));
    add(section_id::categories, string_table(cats));
    add(section_id::item_meta, std::move(meta));
    auto floats_or_zero = [&](const std::vector<float>& v) {
      return v.size() == n ? pod_bytes(v) : pod_bytes(std::vector<float>(n, 0.0f));
    };
    add(section_id::popularity, floats_or_zero(m.buyers));
    add(section_id::trending, floats_or_zero(m.trending));
    add(section_id::repeat_rate, floats_or_zero(m.repeat_rate));
    auto add_csr = [&](const neighbour_lists& nl, section_id o, section_id it, section_id w) {
      if (nl.offsets.size() == n + 1) {
        add(o, pod_bytes(nl.offsets));
        add(it, pod_bytes(nl.items));
        add(w, pod_bytes(nl.weights));
      } else {
        add(o, pod_bytes(std::vector<uint32_t>(n + 1, 0)));
        add(it, {});
        add(w, {});
      }
    };
    add_csr(m.covisit, section_id::covisit_offsets, section_id::covisit_items, section_id::covisit_weights);
    add_csr(m.ease_neighbours, section_id::ease_offsets, section_id::ease_items, section_id::ease_weights);
    add_csr(m.content, section_id::content_offsets, section_id::content_items, section_id::content_weights);
    if (auto st = add_segment_sections(m, n, add); !st) return st.error();
    if (emb.dim > 0) {
      std::string info;
      store<uint32_t>(info, emb.dim);
      store<uint32_t>(info, 1);
      add(section_id::embedding_info, std::move(info));
      std::string q(n * emb.dim, '\0');
      std::vector<float> scales(n, 0.0f);
      for (std::size_t i = 0; i < n; ++i) {
        float mx = 0;
        for (uint32_t d = 0; d < emb.dim; ++d) mx = std::max(mx, std::fabs(emb.values[i * emb.dim + d]));
        if (!std::isfinite(mx)) return make_error(errc::invalid_config, "non-finite embedding", "embeddings[" + std::to_string(i) + "]");
        const float scale = mx > 0 ? mx / 127.0f : 0.0f;
        scales[i] = scale;
        for (uint32_t d = 0; d < emb.dim; ++d) {
          const float v = scale > 0 ? emb.values[i * emb.dim + d] / scale : 0.0f;
          const long r = std::lround(v);
          q[i * emb.dim + d] = static_cast<char>(static_cast<int8_t>(std::clamp<long>(r, -127, 127)));
        }
      }
      add(section_id::embeddings, std::move(q));
      add(section_id::embedding_scales, pod_bytes(scales));
    }
    // Last, so a reader of an older version names its first unknown section as before.
    if (!m.repeat_gap_days.empty()) {
      if (m.repeat_gap_days.size() != n) return make_error(errc::invalid_config, "repeat_gap_days must hold one value per item");
      for (std::size_t i = 0; i < n; ++i) {
        if (!(m.repeat_gap_days[i] > 0) || !std::isfinite(m.repeat_gap_days[i])) {
          return make_error(errc::invalid_config, "repeat gap must be finite and > 0", "repeat_gap_days[" + std::to_string(i) + "]");
        }
      }
      add(section_id::repeat_gap_days, pod_bytes(m.repeat_gap_days));
    }
    // Assemble: header, table, aligned sections.
    const std::size_t table_end = bundle_header_bytes + sections.size() * entry_bytes;
    std::size_t pos = (table_end + bundle_alignment - 1) / bundle_alignment * bundle_alignment;
    std::string table;
    std::vector<std::size_t> offsets;
    for (const auto& [id, bytes] : sections) {
      offsets.push_back(pos);
      store<uint32_t>(table, id);
      store<uint32_t>(table, 0);
      store<uint64_t>(table, pos);
      store<uint64_t>(table, bytes.size());
      pos = (pos + bytes.size() + bundle_alignment - 1) / bundle_alignment * bundle_alignment;
    }
    const std::size_t total = pos;
    if (total > limits::max_bundle_bytes) {
      return make_error(errc::limit_exceeded, "bundle larger than " + std::to_string(limits::max_bundle_bytes) + " bytes");
    }
    std::string out;
    out.reserve(total);
    out.append(magic, sizeof magic);
    store<uint32_t>(out, bundle_format_version);
    store<uint32_t>(out, static_cast<uint32_t>(sections.size()));
    store<uint64_t>(out, total);
    store<uint64_t>(out, 0);  // hash, filled below
    out.append(bundle_header_bytes - out.size(), '\0');
    out += table;
    for (std::size_t s = 0; s < sections.size(); ++s) {
      out.append(offsets[s] - out.size(), '\0');
      out += sections[s].second;
    }
    out.append(total - out.size(), '\0');
    const uint64_t h = bundle_hash_v1(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    std::memcpy(out.data() + hash_field, &h, sizeof h);
    return out;
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "out of memory while writing the bundle");
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

std::string_view bundle_view::strings::at(uint32_t i) const noexcept {
  if (i >= count) return {};
  return std::string_view(chars + offsets[i], offsets[i + 1] - offsets[i]);
}

std::string_view bundle_view::item_id(uint32_t i) const noexcept { return ids_.at(i); }
std::string_view bundle_view::item_title(uint32_t i) const noexcept { return titles_.at(i); }

uint32_t bundle_view::item_category_index(uint32_t i) const noexcept {
  return i < n_ ? load<uint32_t>(meta_ + i * 16u + 8) : no_category;
}

std::string_view bundle_view::item_category(uint32_t i) const noexcept {
  const uint32_t c = item_category_index(i);
  return c == no_category ? std::string_view{} : categories_.at(c);
}

int64_t bundle_view::item_price_minor(uint32_t i) const noexcept {
  return i < n_ ? load<int64_t>(meta_ + i * 16u) : 0;
}

bool bundle_view::item_in_stock(uint32_t i) const noexcept {
  return i < n_ && (load<uint32_t>(meta_ + i * 16u + 12) & 1u) != 0;
}

int64_t bundle_view::find_item(std::string_view id) const noexcept {
  uint32_t lo = 0, hi = n_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const auto s = ids_.at(mid);
    if (s < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < n_ && ids_.at(lo) == id ? static_cast<int64_t>(lo) : -1;
}

bundle_view::neighbours bundle_view::covisit(uint32_t i) const noexcept {
  if (i >= n_) return {};
  const uint32_t b = covisit_.offsets[i], e = covisit_.offsets[i + 1];
  return {covisit_.items + b, covisit_.weights + b, e - b};
}

bundle_view::neighbours bundle_view::content(uint32_t i) const noexcept {
  if (i >= n_ || content_.offsets == nullptr) return {};
  const uint32_t b = content_.offsets[i], e = content_.offsets[i + 1];
  return {content_.items + b, content_.weights + b, e - b};
}

bundle_view::neighbours bundle_view::ease(uint32_t i) const noexcept {
  if (i >= n_) return {};
  const uint32_t b = ease_.offsets[i], e = ease_.offsets[i + 1];
  return {ease_.items + b, ease_.weights + b, e - b};
}

std::string_view bundle_view::segment_id(uint32_t s) const noexcept { return segment_ids_.at(s); }

int64_t bundle_view::find_segment(std::string_view id) const noexcept {
  uint32_t lo = 0, hi = segment_ids_.count;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (segment_ids_.at(mid) < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < segment_ids_.count && segment_ids_.at(lo) == id ? static_cast<int64_t>(lo) : -1;
}

bundle_view::neighbours bundle_view::segment_trending(uint32_t s) const noexcept {
  if (s >= segment_ids_.count) return {};
  const uint32_t b = segment_offsets_[s], e = segment_offsets_[s + 1];
  return {segment_items_ + b, segment_weights_ + b, e - b};
}

result<bundle_view> open_bundle(std::string_view bytes) noexcept {
  try {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    const std::size_t size = bytes.size();
    if (reinterpret_cast<std::uintptr_t>(p) % 8 != 0) return bad("buffer is not 8-byte aligned", "");
    if (size < bundle_header_bytes) {
      return bad("truncated: " + std::to_string(size) + " bytes, the header alone is 64", "header");
    }
    if (size > limits::max_bundle_bytes) {
      return make_error(errc::limit_exceeded, "bundle larger than " + std::to_string(limits::max_bundle_bytes) + " bytes");
    }
    if (std::memcmp(p, magic, sizeof magic) != 0) return bad("not a Tailor bundle (bad magic)", "header.magic");
    bundle_view v;
    v.version_ = load<uint32_t>(p + 8);
    if (v.version_ < bundle_min_format_version || v.version_ > bundle_format_version) {
      const std::string reads = " (this core reads " + std::to_string(bundle_min_format_version) + ".." +
                                std::to_string(bundle_format_version) + ")";
      return bad("format version " + std::to_string(v.version_) +
                     (v.version_ > bundle_format_version
                          ? " is newer than this core" + reads + ": upgrade the core or rebuild the bundle with it"
                          : " is not supported" + reads),
                 "header.format_version");
    }
    const uint32_t count = load<uint32_t>(p + 12);
    const uint64_t total = load<uint64_t>(p + 16);
    if (total != size) {
      return bad("size mismatch: header says " + std::to_string(total) + " bytes, got " + std::to_string(size) +
                     (total > size ? " (truncated)" : ""),
                 "header.total_size");
    }
    for (std::size_t i = 32; i < bundle_header_bytes; ++i) {
      if (p[i] != 0) return bad("reserved header bytes must be zero", "header.reserved");
    }
    if (count > limits::max_bundle_sections) {
      return bad("too many sections: " + std::to_string(count), "header.section_count");
    }
    if (bundle_header_bytes + static_cast<uint64_t>(count) * entry_bytes > size) {
      return bad("section table runs past the end", "header.section_count");
    }
    // Content hash over the whole file with the hash field zeroed.
    {
      const uint64_t stored = load<uint64_t>(p + hash_field);
      uint64_t h = 0xcbf29ce484222325ull;
      constexpr uint64_t prime = 0x100000001b3ull;
      std::size_t i = 0;
      for (; i + 8 <= size; i += 8) {
        h ^= i == hash_field ? 0 : load<uint64_t>(p + i);
        h *= prime;
      }
      for (; i < size; ++i) {
        h ^= p[i];
        h *= prime;
      }
      if (h != stored) return bad("content hash mismatch (corrupt or modified)", "header.content_hash");
      v.hash_ = stored;
    }
    v.size_ = size;
    struct span {
      const uint8_t* data = nullptr;
      uint64_t size = 0;
      bool present = false;
    };
    std::map<uint32_t, span> sec;
    const std::size_t table_end = bundle_header_bytes + count * entry_bytes;
    uint64_t prev_end = table_end;
    for (uint32_t s = 0; s < count; ++s) {
      const uint8_t* e = p + bundle_header_bytes + s * entry_bytes;
      const uint32_t id = load<uint32_t>(e);
      const std::string where = "sections[" + std::to_string(s) + "]";
      if (load<uint32_t>(e + 4) != 0) return bad("reserved field must be zero", where);
      const uint64_t off = load<uint64_t>(e + 8), len = load<uint64_t>(e + 16);
      const auto last_id = v.version_ >= 4   ? section_id::repeat_gap_days
                           : v.version_ >= 3 ? section_id::segment_weights
                           : v.version_ >= 2 ? section_id::content_weights
                                             : section_id::embedding_scales;
      if (id < 1 || id > static_cast<uint32_t>(last_id)) {
        return bad("unknown section id " + std::to_string(id) + " in format version " + std::to_string(v.version_), where);
      }
      if (sec.count(id)) return bad("duplicate " + sname(id), where);
      if (off % bundle_alignment != 0) return bad("misaligned section offset", where);
      if (off < prev_end || off > size || len > size - off) return bad("section out of bounds or overlapping", where);
      prev_end = off + len;
      sec[id] = span{p + off, len, true};
    }
    auto need = [&](section_id id) -> result<span> {
      auto it = sec.find(static_cast<uint32_t>(id));
      if (it == sec.end()) return bad("missing " + sname(static_cast<uint32_t>(id)), sname(static_cast<uint32_t>(id)));
      return it->second;
    };
    auto strings_of = [&](section_id id, bundle_view::strings& out) -> status {
      auto s = need(id);
      if (!s) return s.error();
      const std::string where = sname(static_cast<uint32_t>(id));
      if (s->size < 8) return bad("string table too short", where);
      const uint32_t n = load<uint32_t>(s->data);
      if ((static_cast<uint64_t>(n) + 2) * 4 > s->size) return bad("string table offsets out of bounds", where);
      const uint64_t chars = s->size - (static_cast<uint64_t>(n) + 2) * 4;
      out.offsets = reinterpret_cast<const uint32_t*>(s->data + 4);
      out.chars = reinterpret_cast<const char*>(s->data + (static_cast<uint64_t>(n) + 2) * 4);
      out.count = n;
      if (out.offsets[0] != 0) return bad("string table must start at 0", where);
      for (uint32_t i = 0; i < n; ++i) {
        if (out.offsets[i + 1] < out.offsets[i] || out.offsets[i + 1] > chars) {
          return bad("string offsets not ascending or out of bounds", where + "[" + std::to_string(i) + "]");
        }
      }
      if (out.offsets[n] != chars) return bad("string table has trailing bytes", where);
      return ok_value;
    };
    if (auto s = strings_of(section_id::item_ids, v.ids_); !s) return s.error();
    v.n_ = v.ids_.count;
    const uint64_t n = v.n_;
    for (uint32_t i = 0; i < v.n_; ++i) {
      const auto id = v.ids_.at(i);
      if (id.empty() || id.size() > limits::max_id_bytes || !detail::is_valid_utf8(id)) {
        return bad("invalid item id", "items[" + std::to_string(i) + "]");
      }
      if (i > 0 && !(v.ids_.at(i - 1) < id)) return bad("item ids not strictly ascending", "items[" + std::to_string(i) + "]");
    }
    if (auto s = strings_of(section_id::item_titles, v.titles_); !s) return s.error();
    if (v.titles_.count != n) return bad("title count differs from item count", sname(3));
    if (auto s = strings_of(section_id::categories, v.categories_); !s) return s.error();
    auto fixed = [&](section_id id, uint64_t expect) -> result<const uint8_t*> {
      auto s = need(id);
      if (!s) return s.error();
      if (s->size != expect) {
        return bad("size " + std::to_string(s->size) + ", expected " + std::to_string(expect), sname(static_cast<uint32_t>(id)));
      }
      return s->data;
    };
    auto meta = fixed(section_id::item_meta, n * 16);
    if (!meta) return meta.error();
    v.meta_ = meta.value();
    for (uint32_t i = 0; i < v.n_; ++i) {
      const uint32_t c = v.item_category_index(i);
      if (c != no_category && c >= v.categories_.count) return bad("category index out of range", "item_meta[" + std::to_string(i) + "]");
      if (v.item_price_minor(i) < 0 || v.item_price_minor(i) > limits::max_price_minor) {
        return bad("price out of range", "item_meta[" + std::to_string(i) + "]");
      }
    }
    auto floats = [&](section_id id, uint64_t count, const float*& out) -> status {
      auto d = fixed(id, count * 4);
      if (!d) return d.error();
      out = reinterpret_cast<const float*>(d.value());
      for (uint64_t i = 0; i < count; ++i) {
        if (!std::isfinite(out[i])) return bad("non-finite value", sname(static_cast<uint32_t>(id)) + "[" + std::to_string(i) + "]");
      }
      return ok_value;
    };
    if (auto s = floats(section_id::popularity, n, v.pop_); !s) return s.error();
    if (auto s = floats(section_id::trending, n, v.trend_); !s) return s.error();
    if (auto s = floats(section_id::repeat_rate, n, v.repeat_); !s) return s.error();
    if (sec.count(static_cast<uint32_t>(section_id::repeat_gap_days))) {
      if (auto s = floats(section_id::repeat_gap_days, n, v.repeat_gap_); !s) return s.error();
      for (uint64_t i = 0; i < n; ++i) {
        if (!(v.repeat_gap_[i] > 0)) return bad("repeat gap must be > 0", sname(25) + "[" + std::to_string(i) + "]");
      }
    }
    auto csr_of = [&](section_id o, section_id it, section_id w, bundle_view::csr& out) -> status {
      auto od = fixed(o, (n + 1) * 4);
      if (!od) return od.error();
      out.offsets = reinterpret_cast<const uint32_t*>(od.value());
      const std::string where = sname(static_cast<uint32_t>(o));
      if (out.offsets[0] != 0) return bad("neighbour offsets must start at 0", where);
      for (uint64_t i = 0; i < n; ++i) {
        if (out.offsets[i + 1] < out.offsets[i]) return bad("neighbour offsets not ascending", where + "[" + std::to_string(i) + "]");
      }
      const uint64_t nnz = out.offsets[n];
      auto id = fixed(it, nnz * 4);
      if (!id) return id.error();
      out.items = reinterpret_cast<const uint32_t*>(id.value());
      for (uint64_t k = 0; k < nnz; ++k) {
        if (out.items[k] >= n) return bad("neighbour item out of range", sname(static_cast<uint32_t>(it)) + "[" + std::to_string(k) + "]");
      }
      return floats(w, nnz, out.weights);
    };
    if (auto s = csr_of(section_id::covisit_offsets, section_id::covisit_items, section_id::covisit_weights, v.covisit_); !s) {
      return s.error();
    }
    if (auto s = csr_of(section_id::ease_offsets, section_id::ease_items, section_id::ease_weights, v.ease_); !s) {
      return s.error();
    }
    if (v.version_ >= 2) {
      if (auto s = csr_of(section_id::content_offsets, section_id::content_items, section_id::content_weights, v.content_);
          !s) {
        return s.error();
      }
    }
    if (v.version_ >= 3) {
      if (auto s = strings_of(section_id::segment_ids, v.segment_ids_); !s) return s.error();
      const uint32_t segs = v.segment_ids_.count;
      if (segs > limits::max_segments) return bad("too many segments: " + std::to_string(segs), sname(21));
      for (uint32_t s = 0; s < segs; ++s) {
        const auto id = v.segment_ids_.at(s);
        if (id.empty() || id.size() > limits::max_id_bytes || !detail::is_valid_utf8(id)) {
          return bad("invalid segment id", "segments[" + std::to_string(s) + "]");
        }
        if (s > 0 && !(v.segment_ids_.at(s - 1) < id)) {
          return bad("segment ids not strictly ascending", "segments[" + std::to_string(s) + "]");
        }
      }
      auto od = fixed(section_id::segment_offsets, (uint64_t{segs} + 1) * 4);
      if (!od) return od.error();
      v.segment_offsets_ = reinterpret_cast<const uint32_t*>(od.value());
      if (v.segment_offsets_[0] != 0) return bad("segment offsets must start at 0", sname(22));
      for (uint32_t s = 0; s < segs; ++s) {
        if (v.segment_offsets_[s + 1] < v.segment_offsets_[s]) {
          return bad("segment offsets not ascending", sname(22) + "[" + std::to_string(s) + "]");
        }
      }
      const uint64_t nnz = v.segment_offsets_[segs];
      auto it = fixed(section_id::segment_items, nnz * 4);
      if (!it) return it.error();
      v.segment_items_ = reinterpret_cast<const uint32_t*>(it.value());
      for (uint64_t k = 0; k < nnz; ++k) {
        if (v.segment_items_[k] >= n) return bad("segment item out of range", sname(23) + "[" + std::to_string(k) + "]");
      }
      if (auto s = floats(section_id::segment_weights, nnz, v.segment_weights_); !s) return s.error();
      for (uint64_t k = 0; k < nnz; ++k) {
        if (!(v.segment_weights_[k] > 0)) return bad("segment weight not positive", sname(24) + "[" + std::to_string(k) + "]");
      }
    }
    if (sec.count(static_cast<uint32_t>(section_id::embedding_info))) {
      auto info = fixed(section_id::embedding_info, 8);
      if (!info) return info.error();
      v.dim_ = load<uint32_t>(info.value());
      if (v.dim_ < 1 || v.dim_ > limits::max_embedding_dim || load<uint32_t>(info.value() + 4) != 1) {
        return bad("embedding dim or kind invalid", sname(15));
      }
      auto e = fixed(section_id::embeddings, n * v.dim_);
      if (!e) return e.error();
      v.emb_ = reinterpret_cast<const int8_t*>(e.value());
      if (auto s = floats(section_id::embedding_scales, n, v.scales_); !s) return s.error();
    } else if (sec.count(static_cast<uint32_t>(section_id::embeddings)) ||
               sec.count(static_cast<uint32_t>(section_id::embedding_scales))) {
      return bad("embeddings without embedding_info", sname(15));
    }
    auto cfg = need(section_id::config);
    if (!cfg) return cfg.error();
    v.config_ = std::string_view(reinterpret_cast<const char*>(cfg->data), cfg->size);
    if (v.config_.size() > limits::max_bundle_config_bytes) return bad("config too large", sname(1));
    auto j = detail::parse_json(v.config_, limits::max_bundle_config_bytes);
    if (!j || !j->is_object()) return bad("config is not a JSON object", sname(1));
    return v;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
