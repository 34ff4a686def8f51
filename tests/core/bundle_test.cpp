#include <catch2/catch.hpp>

#include "event_fixtures.hpp"

#include <cstring>
#include <string>

#include "tailor/bundle.hpp"
#include "tailor/recommend.hpp"

using namespace tailor;

namespace {

using test::purchase;

// A small trained model with metadata: items a..f.
struct fixture {
  model m;
  std::vector<bundle_item> items;
  fixture() {
    std::vector<event> evs{purchase("1", "u1", 1000, {"a", "b", "c"}), purchase("2", "u2", 2000, {"a", "b"}),
                           purchase("3", "u3", 3000, {"b", "c", "d"}), purchase("4", "u4", 4000, {"d", "e"}),
                           purchase("5", "u5", 5000, {"e", "f", "a"})};
    auto log = build_log(evs);
    train_options o;
    o.ease_lambda = 1.0;
    m = train(log.value(), o).value();
    m.ease_b.clear();
    const char* cats[] = {"Home/Kitchen", "Home/Kitchen", "Home/Garden", "Toys", "", "Toys"};
    for (std::size_t i = 0; i < m.items.size(); ++i) {
      items.push_back(bundle_item{m.items[i], "Title " + m.items[i], cats[i], static_cast<int64_t>(100 * (i + 1)), i != 5});
    }
  }
  std::string bytes(const item_embeddings& e = {}) const {
    return write_bundle(m, items, default_recommend_config(), e).value();
  }
};

// An 8-byte aligned copy (what the loaders guarantee).
struct aligned {
  std::vector<uint64_t> buf;
  std::size_t n;
  explicit aligned(const std::string& s) : buf((s.size() + 7) / 8 + 1), n(s.size()) {
    if (n) std::memcpy(buf.data(), s.data(), n);
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(buf.data()), n}; }
};

void rehash(std::string& b) {
  std::memset(b.data() + 24, 0, 8);
  const uint64_t h = bundle_hash_v1(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  std::memcpy(b.data() + 24, &h, 8);
}

}  // namespace

TEST_CASE("bundle: write -> open round-trips every section", "[bundle]") {
  fixture f;
  item_embeddings emb{4, {}};
  for (std::size_t i = 0; i < f.m.items.size() * 4; ++i) emb.values.push_back(static_cast<float>(i % 7) - 3.0f);
  const std::string bytes = f.bytes(emb);
  CHECK(bytes.size() % bundle_alignment == 0);
  aligned al(bytes);
  auto v = open_bundle(al.view());
  REQUIRE(v.ok());
  CHECK(v->format_version() == bundle_format_version);
  REQUIRE(v->item_count() == 6);
  CHECK(v->item_id(0) == "a");
  CHECK(v->item_title(2) == "Title c");
  CHECK(v->item_category(0) == "Home/Kitchen");
  CHECK(v->item_category(4).empty());
  CHECK(v->item_price_minor(3) == 400);
  CHECK(v->item_in_stock(0));
  CHECK_FALSE(v->item_in_stock(5));
  CHECK(v->find_item("d") == 3);
  CHECK(v->find_item("zz") == -1);
  CHECK(v->find_item("") == -1);
  for (uint32_t i = 0; i < 6; ++i) {
    CHECK(v->popularity()[i] == f.m.buyers[i]);
    CHECK(v->trending()[i] == f.m.trending[i]);
    auto nb = v->covisit(i);
    REQUIRE(nb.count == f.m.covisit.offsets[i + 1] - f.m.covisit.offsets[i]);
    for (uint32_t k = 0; k < nb.count; ++k) {
      CHECK(nb.items[k] == f.m.covisit.items[f.m.covisit.offsets[i] + k]);
      CHECK(nb.weights[k] == f.m.covisit.weights[f.m.covisit.offsets[i] + k]);
    }
    CHECK(v->ease(i).count == f.m.ease_neighbours.offsets[i + 1] - f.m.ease_neighbours.offsets[i]);
  }
  REQUIRE(v->embedding_dim() == 4);
  // int8 quantisation: value ~= q * scale within half a step.
  for (std::size_t i = 0; i < 6; ++i) {
    for (std::size_t d = 0; d < 4; ++d) {
      const float back = v->embeddings()[i * 4 + d] * v->embedding_scales()[i];
      CHECK(std::fabs(back - emb.values[i * 4 + d]) <= v->embedding_scales()[i] * 0.5f + 1e-6f);
    }
  }
  CHECK(v->config_json() == default_recommend_config());
  // Writing is deterministic: same inputs, same bytes, same hash.
  CHECK(f.bytes(emb) == bytes);
}

TEST_CASE("bundle: truncation at every offset and every flipped byte are rejected", "[bundle]") {
  fixture f;
  const std::string good = f.bytes();
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    aligned al(good.substr(0, cut));
    auto v = open_bundle(al.view());
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == errc::invalid_state);
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    aligned al(bad);
    auto v = open_bundle(al.view());
    INFO("byte " << i);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == errc::invalid_state);
  }
  // And the recommender refuses them the same way.
  aligned al(good.substr(0, good.size() - 64));
  CHECK(recommender::open(al.view()).error().code == errc::invalid_state);
}

TEST_CASE("bundle: structural checks hold even when the hash is recomputed", "[bundle]") {
  fixture f;
  const std::string good = f.bytes();
  auto section = [&](uint32_t id) -> std::pair<uint64_t, uint64_t> {
    const uint32_t count = *reinterpret_cast<const uint32_t*>(good.data() + 12);
    for (uint32_t s = 0; s < count; ++s) {
      const char* e = good.data() + 64 + 24 * s;
      uint32_t sid;
      uint64_t off, len;
      std::memcpy(&sid, e, 4);
      std::memcpy(&off, e + 8, 8);
      std::memcpy(&len, e + 16, 8);
      if (sid == id) return {off, len};
    }
    return {0, 0};
  };
  auto expect = [&](std::string b, const std::string& what) {
    rehash(b);
    aligned al(b);
    auto v = open_bundle(al.view());
    INFO(what);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == errc::invalid_state);
    return v.error().message;
  };
  {  // wrong version
    std::string b = good;
    b[8] = static_cast<char>(bundle_format_version + 1);
    CHECK(expect(b, "version").find("format version " + std::to_string(bundle_format_version + 1)) !=
          std::string::npos);
    b[8] = 0;
    CHECK(expect(b, "version 0").find("format version 0") != std::string::npos);
  }
  {  // neighbour index out of range
    std::string b = good;
    auto [off, len] = section(static_cast<uint32_t>(section_id::covisit_items));
    REQUIRE(len >= 4);
    const uint32_t big = 1000;
    std::memcpy(b.data() + off, &big, 4);
    CHECK(expect(b, "neighbour").find("out of range") != std::string::npos);
  }
  {  // NaN popularity
    std::string b = good;
    auto [off, len] = section(static_cast<uint32_t>(section_id::popularity));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(b.data() + off, &nan, 4);
    CHECK(expect(b, "nan").find("non-finite") != std::string::npos);
  }
  {  // ids out of order
    std::string b = good;
    auto [off, len] = section(static_cast<uint32_t>(section_id::item_ids));
    const std::size_t chars = off + 4 + 7 * 4;  // n=6: count + 7 offsets
    std::swap(b[chars], b[chars + 1]);           // "ab..." -> "ba..."
    CHECK(expect(b, "order").find("ascending") != std::string::npos);
  }
  {  // unknown section id
    std::string b = good;
    const uint32_t id = 99;
    std::memcpy(b.data() + 64, &id, 4);
    CHECK(expect(b, "section id").find("unknown section") != std::string::npos);
  }
  {  // section past the end
    std::string b = good;
    const uint64_t off = good.size();
    std::memcpy(b.data() + 64 + 8, &off, 8);
    expect(b, "bounds");
  }
  {  // config not JSON
    std::string b = good;
    auto [off, len] = section(static_cast<uint32_t>(section_id::config));
    b[off] = 'x';
    expect(b, "config");
  }
  // Misaligned buffer.
  aligned al(good + "x");
  CHECK(open_bundle(std::string_view(reinterpret_cast<const char*>(al.buf.data()) + 1, good.size())).error().code ==
        errc::invalid_state);
}

TEST_CASE("bundle: writer checks its inputs and limits", "[bundle]") {
  fixture f;
  auto items = f.items;
  items.pop_back();
  CHECK(write_bundle(f.m, items, "{}").error().code == errc::invalid_config);
  items = f.items;
  std::swap(items[0], items[1]);
  CHECK(write_bundle(f.m, items, "{}").error().code == errc::invalid_config);
  CHECK(write_bundle(f.m, f.items, "[]").error().code == errc::invalid_config);
  CHECK(write_bundle(f.m, f.items, "{").error().code == errc::invalid_json);
  item_embeddings e{limits::max_embedding_dim + 1, {}};
  CHECK(write_bundle(f.m, f.items, "{}", e).error().code == errc::limit_exceeded);
  item_embeddings wrong{2, {1.0f}};
  CHECK(write_bundle(f.m, f.items, "{}", wrong).error().code == errc::invalid_config);
  // Empty catalogue: a valid bundle with zero items.
  model empty = train(build_log({}).value()).value();
  auto b = write_bundle(empty, {}, "{}");
  REQUIRE(b.ok());
  aligned al(b.value());
  auto v = open_bundle(al.view());
  REQUIRE(v.ok());
  CHECK(v->item_count() == 0);
}
