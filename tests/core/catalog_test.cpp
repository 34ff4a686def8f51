#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog_impl.hpp"
#include "tailor/catalog.hpp"

using namespace tailor;

namespace {

const char* const jsonl_sample =
    R"({"id":"A","title":"Red mug","category":["Home","Kitchen","Mugs"],"brand":"Acme","price":12.5,"currency":"GBP","stock":3,"tags":["red","ceramic"],"attributes":{"color":"red"}}
{"id":"B","title":"Tea","category":"Food > Drinks","price":4,"currency":"GBP","tags":["organic"]}

{"id":"C","title":"Kettle","category":["Home","Kitchen"],"brand":"Acme","price":30,"currency":"GBP"}
)";

const char* const csv_sample =
    "id,title,category,brand,price,currency,stock,tags,attr.color\r\n"
    "A,Red mug,Home>Kitchen>Mugs,Acme,12.50,GBP,3,red|ceramic,red\r\n"
    "B,\"Tea, \"\"green\"\"\",Food > Drinks,,4,GBP,,organic,\r\n"
    "\r\n"
    "C,\"Kettle\nsteel\",Home>Kitchen,Acme,30.00,GBP,,,\r\n";

}  // namespace

TEST_CASE("catalog: JSON Lines and CSV give the same items", "[catalog]") {
  auto a = parse_catalog_jsonl(jsonl_sample);
  REQUIRE(a.ok());
  auto b = parse_catalog_csv(csv_sample);
  REQUIRE(b.ok());
  REQUIRE(a->size() == 3);
  REQUIRE(b->size() == 3);
  CHECK(encode_item(a->items()[0]) == encode_item(b->items()[0]));
  CHECK(encode_item(a->items()[0]) ==
        R"({"attributes":{"color":"red"},"brand":"Acme","category":["Home","Kitchen","Mugs"],)"
        R"("currency":"GBP","id":"A","price":12.5,"stock":3,"tags":["red","ceramic"],"title":"Red mug"})");
  CHECK(b->items()[1].title == "Tea, \"green\"");
  CHECK(b->items()[2].title == "Kettle\nsteel");
  CHECK(b->items()[1].category == std::vector<std::string>{"Food", "Drinks"});
  CHECK_FALSE(b->items()[1].stock.has_value());
  CHECK(a->items()[0].price_minor == 1250);
  CHECK(b->items()[2].price_minor == 3000);
}

TEST_CASE("catalog: indices by id, category prefix, brand and tag", "[catalog]") {
  auto c = parse_catalog_jsonl(jsonl_sample);
  REQUIRE(c.ok());
  CHECK(c->index_of("B") == std::optional<uint32_t>(1));
  CHECK_FALSE(c->index_of("Z").has_value());
  CHECK(c->find("C")->title == "Kettle");
  CHECK(c->in_category("Home") == std::vector<uint32_t>{0, 2});
  CHECK(c->in_category("Home>Kitchen>Mugs") == std::vector<uint32_t>{0});
  CHECK(c->in_category("Kitchen").empty());
  CHECK(c->with_brand("Acme") == std::vector<uint32_t>{0, 2});
  CHECK(c->with_tag("organic") == std::vector<uint32_t>{1});
  CHECK(c->with_tag("blue").empty());
  // Item A's features: 3 category levels, the brand and 2 tags.
  const auto& off = c->feature_offsets();
  REQUIRE(off.size() == 4);
  CHECK(off[1] - off[0] == 6);
  std::vector<std::string> keys;
  for (uint32_t k = off[0]; k < off[1]; ++k) {
    const auto& f = c->features()[c->feature_ids()[k]];
    keys.push_back(std::string(feature_kind_name(f.kind)) + ":" + f.key);
  }
  CHECK(keys == std::vector<std::string>{"category:Home", "category:Home>Kitchen",
                                         "category:Home>Kitchen>Mugs", "brand:Acme", "tag:red",
                                         "tag:ceramic"});
}

TEST_CASE("catalog: feature ids do not depend on item order", "[catalog]") {
  auto a = parse_catalog_jsonl(jsonl_sample);
  auto b = parse_catalog_csv(
      "id,price,currency,category,brand,tags\n"
      "C,30,GBP,Home>Kitchen,Acme,\nB,4,GBP,Food>Drinks,,organic\nA,12.5,GBP,Home>Kitchen>Mugs,Acme,red|ceramic\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->features().size() == b->features().size());
  for (std::size_t i = 0; i < a->features().size(); ++i) {
    CHECK(a->features()[i].key == b->features()[i].key);
    CHECK(a->features()[i].kind == b->features()[i].kind);
  }
}

TEST_CASE("catalog: JSON Lines errors name the line and field", "[catalog]") {
  struct bad_case {
    std::string text;
    errc code;
    const char* where;
  };
  const std::string ok_line = R"({"id":"A","price":1,"currency":"GBP"})";
  const bad_case cases[] = {
      {ok_line + "\n{oops", errc::invalid_json, "line 2 byte 2"},
      {ok_line + "\n" + ok_line, errc::duplicate_id, "line 2: id"},
      {R"({"price":1,"currency":"GBP"})", errc::missing_field, "line 1: id"},
      {R"({"id":"A","currency":"GBP"})", errc::missing_field, "line 1: price"},
      {R"({"id":"A","price":"1","currency":"GBP"})", errc::invalid_field, "line 1: price"},
      {R"({"id":"A","price":-1,"currency":"GBP"})", errc::invalid_field, "line 1: price"},
      {R"({"id":"A","price":1.234,"currency":"GBP"})", errc::invalid_field, "line 1: price"},
      {R"({"id":"A","price":1e300,"currency":"GBP"})", errc::invalid_field, "line 1: price"},
      {R"({"id":"A","price":1,"currency":"gbp"})", errc::invalid_field, "line 1: currency"},
      {R"({"id":"A","price":1,"currency":"GBP","stock":-2})", errc::invalid_field, "line 1: stock"},
      {R"({"id":"A","price":1,"currency":"GBP","stock":1.5})", errc::invalid_field, "line 1: stock"},
      {R"({"id":"A","price":1,"currency":"GBP","colour":"red"})", errc::unknown_field, "line 1: colour"},
      {R"({"id":"A","price":1,"currency":"GBP","tags":["a","a"]})", errc::invalid_field, "line 1: tags[1]"},
      {R"({"id":"A","price":1,"currency":"GBP","tags":"a"})", errc::invalid_field, "line 1: tags"},
      {R"({"id":"A","price":1,"currency":"GBP","tags":[1]})", errc::invalid_field, "line 1: tags[0]"},
      {R"({"id":"A","price":1,"currency":"GBP","category":["a>b"]})", errc::invalid_field, "line 1: category[0]"},
      {R"({"id":"A","price":1,"currency":"GBP","category":["a",""]})", errc::invalid_field, "line 1: category[1]"},
      {R"({"id":"A","price":1,"currency":"GBP","attributes":{"n":1}})", errc::invalid_field, "line 1: attributes.n"},
      {R"({"id":"A","price":1,"currency":"GBP","attributes":[]})", errc::invalid_field, "line 1: attributes"},
      {R"(["A"])", errc::invalid_field, "line 1"},
      {R"({"id":"A","price":1,"currency":"GBP","title":")" + std::string(limits::max_string_bytes + 1, 't') + "\"}",
       errc::limit_exceeded, "line 1: title"},
      {std::string(limits::max_json_depth + 1, '[') + std::string(limits::max_json_depth + 1, ']'),
       errc::limit_exceeded, "line 1"},
  };
  for (const auto& c : cases) {
    INFO(c.text.substr(0, 200));
    auto r = parse_catalog_jsonl(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(r.error().where == c.where);
    CHECK_FALSE(r.error().message.empty());
  }
}

TEST_CASE("catalog: CSV errors carry line:column", "[catalog]") {
  struct bad_case {
    std::string text;
    errc code;
    const char* where;
  };
  const bad_case cases[] = {
      {"", errc::invalid_csv, "1:1"},
      {"id,price\nA,1\n", errc::missing_field, "1:1"},
      {"id,price,currency,colour\nA,1,GBP,red\n", errc::unknown_field, "1:19"},
      {"id,price,currency,id\n", errc::invalid_csv, "1:19"},
      {"id,price,currency\nA,1,GBP,x\n", errc::invalid_csv, "2:1"},
      {"id,price,currency\nA,1\n", errc::invalid_csv, "2:1"},
      {"id,price,currency\nA,\"1,GBP\n", errc::invalid_csv, "2:3"},
      {"id,price,currency\nA,\"1\"x,GBP\n", errc::invalid_csv, "2:6"},
      {"id,price,currency\nA,1\"2,GBP\n", errc::invalid_csv, "2:4"},
      {"id,price,currency\nA,1,GBP\nA,2,GBP\n", errc::duplicate_id, "3:1"},
      {"id,price,currency\nA,NaN,GBP\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,-1,GBP\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,1e3,GBP\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,,GBP\n", errc::missing_field, "2:3"},
      {"id,price,currency\nA,1.234,GBP\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,12.5,JPY\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,99999999999,GBP\n", errc::invalid_field, "2:3"},
      {"id,price,currency\nA,1,EURO\n", errc::invalid_field, "2:5"},
      {"id,price,currency\n,1,GBP\n", errc::missing_field, "2:1"},
      {"id,price,currency,stock\nA,1,GBP,-3\n", errc::invalid_field, "2:9"},
      {"id,price,currency,tags\nA,1,GBP,a|b|a\n", errc::invalid_field, "2:9"},
      {"id,price,currency,category\nA,1,GBP,a>>b\n", errc::invalid_field, "2:9"},
      {"id,price,currency\n\"A\xC3\x28\",1,GBP\n", errc::invalid_field, "2:1"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = parse_catalog_csv(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(r.error().where == c.where);
    CHECK_FALSE(r.error().message.empty());
  }
}

TEST_CASE("catalog: exact decimal prices per currency", "[catalog]") {
  auto c = parse_catalog_csv(
      "id,price,currency\nA,0.29,GBP\nB,1299,JPY\nC,1.234,KWD\nD,10.50000,EUR\nE,.5,USD\nF,7.,USD\n");
  REQUIRE(c.ok());
  CHECK(c->items()[0].price_minor == 29);
  CHECK(c->items()[1].price_minor == 1299);
  CHECK(c->items()[2].price_minor == 1234);
  CHECK(c->items()[3].price_minor == 1050);
  CHECK(c->items()[4].price_minor == 50);
  CHECK(c->items()[5].price_minor == 700);
  std::string max_ok = "id,price,currency\nA," + std::to_string(limits::max_price_minor / 100) + ",GBP\n";
  REQUIRE(parse_catalog_csv(max_ok).ok());
  CHECK(parse_catalog_csv(max_ok)->items()[0].price_minor == limits::max_price_minor);
  std::string over = "id,price,currency\nA," + std::to_string(limits::max_price_minor / 100) + ".01,GBP\n";
  CHECK(parse_catalog_csv(over).error().code == errc::invalid_field);
}

TEST_CASE("catalog: limits hold at N and fail at N+1", "[catalog][limits]") {
  auto tags_csv = [](std::size_t n) {
    std::string tags;
    for (std::size_t i = 0; i < n; ++i) tags += (i ? "|t" : "t") + std::to_string(i);
    return "id,price,currency,tags\nA,1,GBP," + tags + "\n";
  };
  CHECK(parse_catalog_csv(tags_csv(limits::max_tags_per_item)).ok());
  CHECK(parse_catalog_csv(tags_csv(limits::max_tags_per_item + 1)).error().code == errc::limit_exceeded);

  auto depth_jsonl = [](std::size_t n) {
    std::string cat = "[";
    for (std::size_t i = 0; i < n; ++i) cat += (i ? ",\"c" : "\"c") + std::to_string(i) + "\"";
    return R"({"id":"A","price":1,"currency":"GBP","category":)" + cat + "]}";
  };
  CHECK(parse_catalog_jsonl(depth_jsonl(limits::max_category_depth)).ok());
  auto deep = parse_catalog_jsonl(depth_jsonl(limits::max_category_depth + 1));
  CHECK(deep.error().code == errc::limit_exceeded);
  CHECK(deep.error().where == "line 1: category");
  auto depth_csv = [](std::size_t n) {
    std::string cat;
    for (std::size_t i = 0; i < n; ++i) cat += (i ? ">c" : "c") + std::to_string(i);
    return "id,price,currency,category\nA,1,GBP," + cat + "\n";
  };
  CHECK(parse_catalog_csv(depth_csv(limits::max_category_depth)).ok());
  CHECK(parse_catalog_csv(depth_csv(limits::max_category_depth + 1)).error().code == errc::limit_exceeded);

  auto attrs_jsonl = [](std::size_t n) {
    std::string a = "{";
    for (std::size_t i = 0; i < n; ++i) a += (i ? ",\"a" : "\"a") + std::to_string(i) + "\":\"v\"";
    return R"({"id":"A","price":1,"currency":"GBP","attributes":)" + a + "}}";
  };
  CHECK(parse_catalog_jsonl(attrs_jsonl(limits::max_attributes_per_item)).ok());
  CHECK(parse_catalog_jsonl(attrs_jsonl(limits::max_attributes_per_item + 1)).error().code ==
        errc::limit_exceeded);

  auto id_csv = [](std::size_t n) { return "id,price,currency\n" + std::string(n, 'x') + ",1,GBP\n"; };
  CHECK(parse_catalog_csv(id_csv(limits::max_id_bytes)).ok());
  CHECK(parse_catalog_csv(id_csv(limits::max_id_bytes + 1)).error().code == errc::limit_exceeded);

  // Item count and byte size: the same code path with the limit as a parameter.
  catalog_detail::parse_limits small{3, 1000};
  const std::string three = "id,price,currency\nA,1,GBP\nB,1,GBP\nC,1,GBP\n";
  CHECK(catalog_detail::parse_csv(three, small).ok());
  auto four = catalog_detail::parse_csv(three + "D,1,GBP\n", small);
  CHECK(four.error().code == errc::limit_exceeded);
  CHECK(four.error().where == "5:1");
  const std::string three_jsonl = R"({"id":"A","price":1,"currency":"GBP"}
{"id":"B","price":1,"currency":"GBP"}
{"id":"C","price":1,"currency":"GBP"}
)";
  CHECK(catalog_detail::parse_jsonl(three_jsonl, small).ok());
  CHECK(catalog_detail::parse_jsonl(three_jsonl + R"({"id":"D","price":1,"currency":"GBP"})", small)
            .error().code == errc::limit_exceeded);
  catalog_detail::parse_limits tiny{10, three.size()};
  CHECK(catalog_detail::parse_csv(three, tiny).ok());
  CHECK(catalog_detail::parse_csv(three + " ", tiny).error().code == errc::limit_exceeded);
}

TEST_CASE("catalog: truncated or corrupted input is an error, never a crash", "[catalog]") {
  const std::string csv = csv_sample;
  const std::string jsonl = jsonl_sample;
  for (std::size_t n = 0; n < csv.size(); ++n) {
    auto r = parse_catalog_csv(csv.substr(0, n));
    if (r.ok()) CHECK(r->size() <= 3);
  }
  for (std::size_t n = 0; n < jsonl.size(); ++n) {
    auto r = parse_catalog_jsonl(jsonl.substr(0, n));
    if (r.ok()) CHECK(r->size() <= 3);
  }
  for (std::size_t i = 0; i < csv.size(); ++i) {
    std::string t = csv;
    t[i] = static_cast<char>(t[i] ^ 0x5A);
    auto r = parse_catalog_csv(t);
    if (!r.ok()) CHECK(r.error().code != errc::internal);
  }
}
