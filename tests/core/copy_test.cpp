// Tests of the copy module: the liquidjs differential corpus, the template
// engine's semantics, limits at N and N+1, bad input, budget exhaustion,
// platforms and SMS segments, compliance, quality score and variants.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "tailor/copy.hpp"

using namespace tailor;
using json = nlohmann::json;

namespace {

std::string read_source_file(const std::string& rel) {
  std::ifstream in(std::string(TAILOR_SOURCE_DIR) + "/" + rel, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string render_ok(std::string_view tpl, std::string_view data = "{}", const copy::render_options& opt = {}) {
  auto t = copy::compile(tpl);
  if (!t) FAIL("compile: " << t.error().message << " at " << t.error().where);
  auto r = copy::render(t.value(), data, opt);
  if (!r) FAIL("render: " << r.error().message << " at " << r.error().where);
  return r->text;
}

error render_err(std::string_view tpl, std::string_view data = "{}", const copy::render_options& opt = {}) {
  auto t = copy::compile(tpl);
  if (!t) return t.error();
  auto r = copy::render(t.value(), data, opt);
  if (r) FAIL("expected an error, got \"" << r->text << "\"");
  return r.error();
}

}  // namespace

TEST_CASE("copy: money formats per currency and locale", "[copy]") {
  copy::render_options zh;
  zh.locale = "zh-CN";
  zh.currency = "CNY";
  CHECK(render_ok("{{ 129900 | money }}", "{}", zh) == "¥1,299.00");
  CHECK(render_ok("{{ 1250 | money }}") == "$12.50");
  CHECK(render_ok("{{ 1250 | money: 'EUR' }}") == "€12.50");
  CHECK(render_ok("{{ 1250 | money: 'USD', 'zh-CN' }}") == "US$12.50");
  CHECK(render_ok("{{ 129900 | money: 'CNY' }}") == "CN¥1,299.00");
  CHECK(render_ok("{{ 1299 | money: 'JPY' }}") == "¥1,299");
  CHECK(render_ok("{{ -5 | money }}") == "-$0.05");
  CHECK(render_ok("{{ 123456789 | money_with_currency }}") == "$1,234,567.89 USD");
  CHECK(render_ok("{{ 100 | money_without_currency }}") == "1.00");
  CHECK(render_ok("{{ '1999' | money }}") == "$19.99");
  CHECK(render_ok("[{{ nothing | money }}]") == "[]");
  auto e = render_err("{{ 100 | money: 'XYZ' }}");
  CHECK(e.code == errc::invalid_field);
  CHECK(e.where == "1:10");
}

TEST_CASE("copy: plurals and dates in en and zh-CN", "[copy]") {
  copy::render_options zh;
  zh.locale = "zh-CN";
  CHECK(render_ok("{{ 1 | pluralize: 'item', 'items' }} {{ 2 | pluralize: 'item', 'items' }} {{ 0 | pluralize: 'item', 'items' }}") ==
        "item items items");
  CHECK(render_ok("{{ 3 | pluralize: '件', '件们' }}", "{}", zh) == "件");
  const char* d = R"({"t":"2024-03-15T14:05:09Z"})";
  CHECK(render_ok("{{ t | date: '%A %B %-d' }}", d) == "Friday March 15");
  CHECK(render_ok("{{ t | date: '%Y年%-m月%-d日 %A %p' }}", d, zh) == "2024年3月15日 星期五 下午");
  copy::render_options now;
  now.now_ms = 1700000000000;  // 2023-11-14T22:13:20Z
  CHECK(render_ok("{{ 'now' | date: '%Y-%m-%d %H:%M' }}", "{}", now) == "2023-11-14 22:13");
  now.tz_offset_minutes = 480;  // Asia/Shanghai
  CHECK(render_ok("{{ 'now' | date: '%Y-%m-%d %H:%M %z' }}", "{}", now) == "2023-11-15 06:13 +0800");
  CHECK(render_ok("{{ '2024-02-29' | date: '%j %u' }}") == "060 4");
  CHECK(render_ok("{{ '2023-02-29' | date: '%Y' }}") == "2023-02-29");  // not a date: unchanged
  CHECK(render_ok("{{ '1969-12-31T23:59:59Z' | date: '%s %Y' }}") == "-1 1969");
}

TEST_CASE("copy: personalization report lists unresolved and defaulted paths", "[copy]") {
  auto t = copy::compile("Hi {{ shopper.first_name | default: 'friend' }} from {{ shopper.city }}, {{ shop }}");
  REQUIRE(t.ok());
  CHECK(t->variables() == std::vector<std::string>{"shop", "shopper"});
  auto r = copy::render(t.value(), R"({"shop":"Maple","shopper":{"first_name":""}})");
  REQUIRE(r.ok());
  CHECK(r->text == "Hi friend from , Maple");
  CHECK(r->unresolved == std::vector<std::string>{"shopper.city"});
  CHECK(r->defaulted == std::vector<std::string>{"shopper.first_name"});
  CHECK(r->steps > 0);
}

TEST_CASE("copy: parse errors carry line:col", "[copy]") {
  struct bad { const char* tpl; const char* where; const char* says; };
  const bad cases[] = {
      {"ok\n  {% if x %}never closed", "2:3", "not closed"},
      {"{{ x | nope }}", "1:8", "unknown filter"},
      {"a {{ x", "1:3", "not closed"},
      {"{% endif %}", "1:1", "unexpected tag"},
      {"{% frobnicate %}", "1:1", "unknown tag"},
      {"{{ x | truncate: 1, 2, 3 }}", "1:8", "takes 0 to 2"},
      {"{% for in x %}{% endfor %}", "1:11", "\"in\" expected"},
      {"\n\n   {{ 'abc }}", "3:7", "string literal not closed"},
      {"{% if a == %}x{% endif %}", "1:11", "value expected"},
      {"{% comment %} open", "1:1", "not closed"},
      {"{% raw %} open", "1:1", "not closed"},
      {"{% if x %}{% else %}{% else %}{% endif %}", "1:21", "else after else"},
      {"{% assign = 1 %}", "1:1", "variable name expected"},
      {"{{ a.b. }}", "1:8", "property name expected"},
  };
  for (const auto& c : cases) {
    INFO(c.tpl);
    auto t = copy::compile(c.tpl);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == errc::invalid_field);
    CHECK(t.error().where == c.where);
    CHECK(t.error().message.find(c.says) != std::string::npos);
  }
}

TEST_CASE("copy: templates are parsed once and rendered many times", "[copy]") {
  auto t = copy::compile("{% for p in products %}{{ p.title }}{% unless forloop.last %}, {% endunless %}{% endfor %}");
  REQUIRE(t.ok());
  CHECK(copy::render(t.value(), R"({"products":[{"title":"A"},{"title":"B"}]})")->text == "A, B");
  CHECK(copy::render(t.value(), R"({"products":[{"title":"C"}]})")->text == "C");
  CHECK(copy::render(t.value(), R"({})")->text == "");
  auto d = copy::parse_data(R"({"products":[{"title":"X"},{"title":"Y"},{"title":"Z"}]})");
  REQUIRE(d.ok());
  for (int k = 0; k < 3; ++k) CHECK(copy::render(t.value(), d.value())->text == "X, Y, Z");
}


TEST_CASE("copy: liquidjs differential corpus", "[copy][oracle]") {
  json diff = json::parse(read_source_file("tests/vectors/liquid-diff.json"));
  json dep = json::parse(read_source_file("tests/vectors/liquid-departures.json"));
  REQUIRE(diff["liquidjs"] == "10.30.1");
  REQUIRE(diff["cases"].size() >= 400);
  std::map<std::string, copy::render_data> data;
  std::size_t departures_seen = 0;
  for (const auto& c : diff["cases"]) {
    std::string name = c["name"];
    std::string file = c["data_file"];
    if (!data.count(file)) {
      auto d = copy::parse_data(read_source_file("tests/vectors/" + file));
      REQUIRE(d.ok());
      data.emplace(file, d.value());
    }
    INFO("case " << name << "\ntemplate: " << c["template"].get<std::string>());
    auto t = copy::compile(c["template"].get<std::string>());
    result<copy::render_result> r = t ? copy::render(t.value(), data[file]) : result<copy::render_result>(t.error());
    if (dep["cases"].contains(name)) {
      ++departures_seen;
      const json& d = dep["cases"][name];
      // A departure must really differ from liquidjs, or it is stale.
      if (d.contains("error")) {
        REQUIRE_FALSE(r.ok());
        CHECK(std::string(errc_name(r.error().code)) == d["error"].get<std::string>());
        CHECK_FALSE(r.error().where.empty());
      } else {
        REQUIRE(r.ok());
        CHECK(r->text == d["expected"].get<std::string>());
        CHECK(c.value("liquidjs", std::string("\x01")) != d["expected"].get<std::string>());
      }
      continue;
    }
    if (c.contains("liquidjs_error")) {
      CHECK_FALSE(r.ok());
      continue;
    }
    if (!r) FAIL_CHECK("error: " << r.error().message << " at " << r.error().where);
    else CHECK(r->text == c["liquidjs"].get<std::string>());
  }
  CHECK(departures_seen == dep["cases"].size());
}
