// Tests of the copy module: the liquidjs differential corpus, the template
// engine's semantics, limits at N and N+1, bad input, budget exhaustion,
// platforms and SMS segments, compliance, quality score and variants.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
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
  // Loop variables, forloop and assigned names are not data.
  auto loops = copy::compile("{% assign n = items | size %}{% for x in items %}{{ x }}{{ forloop.index }}{{ n }}{% endfor %}"
                             "{% capture c %}{{ shop.name }}{% endcapture %}{{ c }}{{ limit }}");
  REQUIRE(loops.ok());
  CHECK(loops->variables() == std::vector<std::string>{"items", "limit", "shop"});
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

namespace {
// The data cut down as data_paths() describes (what the JS API sends): a plan
// per level with the members kept (absent below: whole) and `each`.
struct cut_plan {
  std::map<std::string, std::unique_ptr<cut_plan>> members;  // nullptr: the whole member
  std::unique_ptr<cut_plan> each;
};

cut_plan plan_of(const std::vector<copy::data_path>& paths) {
  cut_plan root;
  for (const auto& path : paths) {
    cut_plan* at = &root;
    for (std::size_t k = 0; k < path.size() && at; ++k) {
      const bool last = k + 1 == path.size();
      if (path[k].each) {
        if (!at->each) at->each = std::make_unique<cut_plan>();
        at = at->each.get();
      } else if (last) {
        at->members[path[k].key] = nullptr;
      } else {
        auto [it, fresh] = at->members.try_emplace(path[k].key, std::make_unique<cut_plan>());
        at = it->second.get();  // nullptr: already whole
      }
    }
  }
  return root;
}

json cut(const json& v, const cut_plan& plan) {
  if (v.is_object() && !plan.each) {
    json out = json::object();
    for (const auto& [key, below] : plan.members)
      if (v.contains(key)) out[key] = below ? cut(v[key], *below) : v[key];
    return out;
  }
  if (v.is_array() && plan.each) {
    json out = json::array();
    for (const auto& e : v) out.push_back(cut(e, *plan.each));
    return out;
  }
  return v;
}

json project(const json& data, const std::vector<copy::data_path>& paths) { return cut(data, plan_of(paths)); }

// Paths written with "*" for `each`.
std::vector<copy::data_path> paths_of(std::initializer_list<std::vector<std::string>> list) {
  std::vector<copy::data_path> out;
  for (const auto& keys : list) {
    copy::data_path p;
    for (const auto& k : keys) p.push_back(k == "*" ? copy::path_step{"", true} : copy::path_step{k, false});
    out.push_back(std::move(p));
  }
  return out;
}

// Renders `tpl` with the whole data and with the data cut to its data_paths:
// text, report and budgets must be identical. Returns the cut data.
json check_projection(const std::string& tpl, const json& data) {
  INFO("template: " << tpl);
  auto t = copy::compile(tpl);
  REQUIRE(t.ok());
  json part = project(data, t->data_paths());
  auto whole = copy::render(t.value(), data.dump());
  auto cut_r = copy::render(t.value(), part.dump());
  REQUIRE(whole.ok() == cut_r.ok());
  if (!whole) {
    CHECK(whole.error().message == cut_r.error().message);
    return part;
  }
  CHECK(whole->text == cut_r->text);
  CHECK(whole->unresolved == cut_r->unresolved);
  CHECK(whole->defaulted == cut_r->defaulted);
  CHECK(whole->steps == cut_r->steps);
  CHECK(whole->memory_bytes == cut_r->memory_bytes);
  return part;
}
}  // namespace

TEST_CASE("copy: data_paths cover every read: projected data renders the same", "[copy][oracle]") {
  auto t = copy::compile("{{ shopper.first_name }} {{ a.b[k].c }} {{ list.size }} {{ x.first.y }} {% for r in recs.home %}"
                         "{{ r.title }}{% endfor %}{% assign s = shop %}{{ s.name }}{{ ['q w'].z }}");
  REQUIRE(t.ok());
  CHECK(t->data_paths() == paths_of({{"a", "b"}, {"k"}, {"list"}, {"q w", "z"}, {"recs", "home", "*"}, {"recs", "home", "*", "title"},
                                     {"s", "name"}, {"shop"}, {"shopper", "first_name"}, {"x"}}));
  // Every case of the differential corpus: text, report and budgets identical.
  json diff = json::parse(read_source_file("tests/vectors/liquid-diff.json"));
  std::map<std::string, json> data;
  std::size_t compared = 0;
  for (const auto& c : diff["cases"]) {
    std::string file = c["data_file"];
    if (!data.count(file)) data.emplace(file, json::parse(read_source_file("tests/vectors/" + file)));
    if (!copy::compile(c["template"].get<std::string>())) continue;
    INFO("case " << c["name"].get<std::string>());
    json part = check_projection(c["template"].get<std::string>(), data[file]);
    CHECK(part.dump().size() <= data[file].dump().size());
    ++compared;
  }
  CHECK(compared >= 390);
}

TEST_CASE("copy: a loop variable's reads are narrowed to the fields used", "[copy][oracle]") {
  auto paths = [](const std::string& tpl) {
    auto t = copy::compile(tpl);
    REQUIRE(t.ok());
    return t->data_paths();
  };
  // The collection's shape, and the fields read through the loop variable.
  CHECK(paths("{% for r in recs.home limit: 3 %}{{ forloop.index }} {{ r.title }}{% if r.badge %}!{% endif %}{% endfor %}") ==
        paths_of({{"recs", "home", "*"}, {"recs", "home", "*", "badge"}, {"recs", "home", "*", "title"}}));
  // Nested loops compose; a loop over a loop variable's field narrows further.
  CHECK(paths("{% for c in cols %}{% for p in c.products %}{{ p.title }}{% endfor %}{% endfor %}") ==
        paths_of({{"cols", "*"}, {"cols", "*", "products", "*"}, {"cols", "*", "products", "*", "title"}}));
  // The element read whole, or its size / first / last, or a computed key: the whole collection.
  CHECK(paths("{% for r in recs %}{{ r }}{% endfor %}") == paths_of({{"recs"}}));
  CHECK(paths("{% for r in recs %}{{ r.size }}{{ r.t }}{% endfor %}") == paths_of({{"recs"}}));
  CHECK(paths("{% for r in recs %}{{ r[k] }}{% endfor %}") == paths_of({{"k"}, {"recs"}}));
  CHECK(paths("{% for r in recs %}{% assign best = r %}{% endfor %}{{ best.t }}") == paths_of({{"best", "t"}, {"recs"}}));
  CHECK(paths("{% for row in m %}{% for x in row %}{{ x }}{% endfor %}{% endfor %}") == paths_of({{"m"}}));
  // Nothing read through the variable: only the shape (length, element kinds).
  CHECK(paths("{% for r in recs %}{{ forloop.index }}{% endfor %}") == paths_of({{"recs", "*"}}));
  // A collection that is not a static path: its static prefix whole; the variable reads no data.
  CHECK(paths("{% for r in recs.first %}{{ r.t }}{% endfor %}") == paths_of({{"recs"}}));
  CHECK(paths("{% for r in recs[k] %}{{ r.t }}{% endfor %}") == paths_of({{"k"}, {"recs"}}));
  CHECK(paths("{% for i in (1..n) %}{{ i.t }}{% endfor %}") == paths_of({{"n"}}));
  // Outside the body (else, after the loop) the name is data again; so is forloop outside any loop.
  CHECK(paths("{% for r in recs %}{{ r.a }}{% else %}{{ r.b }}{% endfor %}{{ r.c }}{{ forloop.d }}") ==
        paths_of({{"forloop", "d"}, {"r", "b"}, {"r", "c"}, {"recs", "*"}, {"recs", "*", "a"}}));
  // The collection is read before the variable exists: `for r in r.items`.
  CHECK(paths("{% for r in r.items %}{{ r.t }}{% endfor %}") == paths_of({{"r", "items", "*"}, {"r", "items", "*", "t"}}));
  // tablerow and the liquid tag bind the same way.
  CHECK(paths("{% tablerow r in recs cols: 2 %}{{ r.t }}{{ tablerowloop.col }}{% endtablerow %}") ==
        paths_of({{"recs", "*"}, {"recs", "*", "t"}}));
  CHECK(paths("{% for r in recs %}{% liquid\necho r.t\n%}{% endfor %}") == paths_of({{"recs", "*"}, {"recs", "*", "t"}}));

  // And the cut data renders exactly as the whole data, over shapes the cut must keep.
  json data = json::parse(R"({
    "recs": {"home": [{"title": "A", "badge": "new", "price": 1, "tags": ["x", "y"]}, {"title": "B", "badge": null},
                      "plain", 3, [1, 2], null, {"t": {"deep": 1}}]},
    "cols": [{"products": [{"title": "P1", "x": 1}, {"title": "P2"}], "other": 1}, {"products": {"k": {"title": "hash"}}}],
    "hash": {"b": {"title": "T2", "n": 2}, "a": {"title": "T1", "n": 1}},
    "m": [[1, 2], [3]], "r": {"items": [{"t": 1}], "a": 1, "b": 2, "c": 3}, "n": 3, "k": "title",
    "forloop": {"d": "data"}, "best": {"t": "data"}})");
  const char* templates[] = {
      "{% for r in recs.home limit: 3 %}{{ forloop.index }} {{ r.title }}{% if r.badge %}!{% endif %}{% endfor %}",
      "{% for r in recs.home %}[{{ r.title | default: '-' }}|{{ r.tags | join: ',' }}|{{ r.t.deep }}]{% endfor %}",
      "{% for r in recs.home reversed offset: 1 %}{{ r.price | plus: 1 }}{% endfor %}{% for r in recs.home offset: continue %}{{ r.title }}{% endfor %}",
      "{% for c in cols %}{% for p in c.products %}{{ p.title }}{{ p[0] }}{% endfor %}{% endfor %}",
      "{% for pair in hash %}{{ pair.title }}{{ pair[0] }}{{ pair[1].n }}{% endfor %}",
      "{% for pair in hash %}{{ pair.title }}{{ forloop.index }}{% endfor %}",
      "{% for r in recs.home %}{{ r }}{% endfor %}",
      "{% for r in recs.home %}{% if r == empty %}e{% endif %}{% if r %}t{% endif %}{% endfor %}",
      "{% for r in recs.home %}{% assign best = r %}{% endfor %}{{ best.t.deep }}",
      "{% for row in m %}{% for x in row %}{{ x }}{% endfor %}{% endfor %}",
      "{% for r in recs.home %}{{ forloop.length }}{% endfor %}",
      "{% for r in recs.home %}{{ r[k] }}{% endfor %}",
      "{% for r in r.items %}{{ r.t }}{% else %}{{ r.a }}{% endfor %}{{ r.b }}",
      "{% for r in nothing %}{{ r.a }}{% else %}{{ r.c }}{% endfor %}{{ forloop.d }}",
      "{% tablerow r in recs.home cols: 2 %}{{ r.title }}{% endtablerow %}",
      "{% for r in recs.home %}{% liquid\necho r.title\n%}{% endfor %}",
      "{% for r in recs.home %}{{ r.title.size }}{{ r.badge | upcase }}{% endfor %}",
      "{% for r in recs.home %}{{ r.title }}{% for r in cols %}{{ r.other }}{% endfor %}{{ r.badge }}{% endfor %}",
      "{% for i in (1..n) %}{{ i.t }}{{ recs.home[i].title }}{% endfor %}",
      "{% for r in recs.home %}{{ r.tags }}{{ r.tags.first }}{% endfor %}",
  };
  for (const char* tpl : templates) check_projection(tpl, data);
}

// ------------------------------------------------------------------ limits at N and N+1

namespace {
std::string repeat(std::string_view s, std::size_t n) {
  std::string r;
  r.reserve(s.size() * n);
  for (std::size_t k = 0; k < n; ++k) r += s;
  return r;
}
}  // namespace

TEST_CASE("copy: template size limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_template_bytes;
  auto ok = copy::compile(std::string(n, 'a'));
  REQUIRE(ok.ok());
  CHECK(copy::render(ok.value(), "{}")->text.size() == n);
  auto bad = copy::compile(std::string(n + 1, 'a'));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == errc::limit_exceeded);
  // A 10 MB template is refused before any parsing.
  auto huge = copy::compile(std::string(10u << 20, '{'));
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().code == errc::limit_exceeded);
}

TEST_CASE("copy: parse node limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_parse_nodes;
  REQUIRE(copy::compile(repeat("{{a}}", n)).ok());
  auto bad = copy::compile(repeat("{{a}}", n + 1));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == errc::limit_exceeded);
  CHECK(bad.error().where == "1:" + std::to_string(5 * n + 1));
}

TEST_CASE("copy: block nesting limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_nesting_depth;
  auto nested = [](std::size_t k) { return repeat("{% if true %}", k) + "x" + repeat("{% endif %}", k); };
  auto ok = copy::compile(nested(n));
  REQUIRE(ok.ok());
  CHECK(copy::render(ok.value(), "{}")->text == "x");
  auto bad = copy::compile(nested(n + 1));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == errc::limit_exceeded);
  // Far deeper input is refused without deep recursion.
  auto deep = copy::compile(nested(100000));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == errc::limit_exceeded);
}

TEST_CASE("copy: expression nesting limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_nesting_depth;
  // k brackets nest k+1 primaries.
  auto expr = [](std::size_t k) { return "{{ " + repeat("a[", k) + "0" + repeat("]", k) + " }}"; };
  REQUIRE(copy::compile(expr(n - 1)).ok());
  auto bad = copy::compile(expr(n));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == errc::limit_exceeded);
  REQUIRE_FALSE(copy::compile(expr(50000)).ok());
  // A long and/or chain is flat: no recursion, within the size limit.
  auto chain = copy::compile("{% if " + repeat("true and ", 20000) + "false %}y{% else %}n{% endif %}");
  REQUIRE(chain.ok());
  CHECK(copy::render(chain.value(), "{}")->text == "n");
}

TEST_CASE("copy: filters per expression limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_filters_per_output;
  auto ok = copy::compile("{{ 1" + repeat(" | plus: 1", n) + " }}");
  REQUIRE(ok.ok());
  CHECK(copy::render(ok.value(), "{}")->text == std::to_string(n + 1));
  auto bad = copy::compile("{{ 1" + repeat(" | plus: 1", n + 1) + " }}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == errc::limit_exceeded);
}

TEST_CASE("copy: data size limit at N and N+1", "[copy][limits]") {
  const std::size_t n = copy::limits::max_data_bytes;
  std::string head = R"({"a":")", tail = R"("})";
  std::string ok = head + std::string(n - head.size() - tail.size(), 'x') + tail;
  REQUIRE(ok.size() == n);
  CHECK(copy::parse_data(ok).ok());
  std::string bad = head + std::string(n + 1 - head.size() - tail.size(), 'x') + tail;
  auto r = copy::parse_data(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::limit_exceeded);
  // Nesting: N levels pass, N+1 fail (brackets inside strings do not count).
  const std::size_t d = tailor::limits::max_json_depth;
  auto nest = [](std::size_t k) { return repeat("{\"a\":", k - 1) + "{\"s\":\"[[[{{\"}" + repeat("}", k - 1); };
  CHECK(copy::parse_data(nest(d)).ok());
  auto deep = copy::parse_data(nest(d + 1));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == errc::limit_exceeded);
  auto notobj = copy::parse_data("[1,2]");
  REQUIRE_FALSE(notobj.ok());
  CHECK(notobj.error().code == errc::invalid_json);
  auto broken = copy::parse_data("{\"a\": ");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().code == errc::invalid_json);
}

TEST_CASE("copy: loop iteration budget at N and N+1", "[copy][limits]") {
  copy::render_options opt;
  opt.limits.loop_iterations = 1000;
  auto loop = [](int k) { return "{% for i in (1.." + std::to_string(k) + ") %}.{% endfor %}"; };
  CHECK(render_ok(loop(1000), "{}", opt).size() == 1000);
  auto e = render_err(loop(1001), "{}", opt);
  CHECK(e.code == errc::limit_exceeded);
  CHECK(e.where == "1:1");
  // Iterations count over the whole render, nested loops included.
  CHECK(render_err("{% for i in (1..100) %}{% for j in (1..10) %}{% endfor %}{% endfor %}", "{}", opt).code ==
        errc::limit_exceeded);
  // Range length limit at N and N+1.
  CHECK(render_ok("{{ (1..1000000000) | size }}") == "1000000000");
  CHECK(render_err("{{ (0..1000000000) | size }}").code == errc::limit_exceeded);
  CHECK(render_err("{{ (-9223372036854775807..9223372036854775807) | size }}").code == errc::limit_exceeded);
  CHECK(render_ok("{{ 'abc' | truncate: -9223372036854775807 }}") == "...");
  // A billion-element range is never materialized: it stops at the budget.
  CHECK(render_err("{% for i in (1..1000000000) %}{% endfor %}").code == errc::limit_exceeded);
}

TEST_CASE("copy: output budget at N and N+1", "[copy][limits]") {
  copy::render_options opt;
  opt.limits.output_bytes = 100;
  CHECK(render_ok(std::string(100, 'x'), "{}", opt).size() == 100);
  CHECK(render_err(std::string(101, 'x'), "{}", opt).code == errc::limit_exceeded);
  CHECK(render_ok("{% for i in (1..20) %}abcde{% endfor %}", "{}", opt).size() == 100);
  CHECK(render_err("{% for i in (1..20) %}abcde{% endfor %}!", "{}", opt).code == errc::limit_exceeded);
}

TEST_CASE("copy: step and memory budgets: exhaustion fails cleanly below the need", "[copy][limits]") {
  // SQLite's OOM loop, with budgets: every budget below what a render needs
  // fails with limit_exceeded, and the exact need succeeds.
  const char* tpl =
      "{% assign names = shoppers | map: 'name' | sort %}{% for n in names %}{{ n | upcase | append: '!' }}"
      "{% if forloop.last %}.{% else %}, {% endif %}{% endfor %} {{ total | times: 3 | money }}";
  const char* data = R"({"shoppers":[{"name":"b"},{"name":"a"},{"name":"c"}],"total":1250})";
  auto t = copy::compile(tpl);
  REQUIRE(t.ok());
  auto full = copy::render(t.value(), data);
  REQUIRE(full.ok());
  CHECK(full->text == "A!, B!, C!. $37.50");
  const uint64_t steps = full->steps, mem = full->memory_bytes;
  // The same template uses the same budget on every target (native and wasm run this test).
  CHECK(steps == 30);
  CHECK(mem == 486);
  for (uint64_t k = 0; k < steps; ++k) {
    copy::render_options o;
    o.limits.steps = k;
    auto r = copy::render(t.value(), data, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::limit_exceeded);
  }
  copy::render_options at;
  at.limits.steps = steps;
  CHECK(copy::render(t.value(), data, at).ok());
  for (uint64_t k = 0; k < mem; k += 1 + k / 4) {
    copy::render_options o;
    o.limits.memory_bytes = k;
    auto r = copy::render(t.value(), data, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::limit_exceeded);
  }
  copy::render_options mo;
  mo.limits.memory_bytes = mem - 1;
  CHECK_FALSE(copy::render(t.value(), data, mo).ok());
  mo.limits.memory_bytes = mem;
  CHECK(copy::render(t.value(), data, mo)->text == full->text);
}

TEST_CASE("copy: render limits above the hard maxima are refused", "[copy][limits]") {
  auto t = copy::compile("x");
  REQUIRE(t.ok());
  copy::render_options o;
  o.limits.steps = copy::limits::max_render_steps;
  CHECK(copy::render(t.value(), "{}", o).ok());
  o.limits.steps = copy::limits::max_render_steps + 1;
  CHECK(copy::render(t.value(), "{}", o).error().code == errc::invalid_config);
  copy::render_options m;
  m.limits.memory_bytes = copy::limits::max_memory_bytes + 1;
  CHECK(copy::render(t.value(), "{}", m).error().code == errc::invalid_config);
}

// ------------------------------------------------------------------ bad input

TEST_CASE("copy: memory bombs stop at the memory budget", "[copy][limits]") {
  // Doubling a string 40 times would need a terabyte.
  auto e = render_err("{% assign s = 'abcdefgh' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}");
  CHECK(e.code == errc::limit_exceeded);
  CHECK(e.message.find("memory") != std::string::npos);
  CHECK(render_err("{% assign s = 'ab' %}{% for i in (1..40) %}{% assign s = s | replace: 'a', s %}{% endfor %}").code ==
        errc::limit_exceeded);
  CHECK(render_err("{% assign s = 'a,b' %}{% for i in (1..40) %}{% assign s = s | split: '' | join: s %}{% endfor %}").code ==
        errc::limit_exceeded);
  CHECK(render_err("{% capture c %}{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}{% endcapture %}").code ==
        errc::limit_exceeded);
  // Huge ranges are charged before anything is materialized.
  for (const char* f : {"sort", "reverse", "uniq", "compact", "map: 'x'", "slice: 0, 1000000000", "sum", "where: 'x'"}) {
    INFO(f);
    CHECK(render_err(std::string("{{ (1..1000000000) | ") + f + " | size }}").code == errc::limit_exceeded);
  }
}

TEST_CASE("copy: wrong argument types are errors with a position", "[copy]") {
  auto e = render_err("{{ 'abc' | plus: 1 }}");
  CHECK(e.code == errc::invalid_field);
  CHECK(e.where == "1:12");
  CHECK(e.message == "plus: expected a number, got \"abc\"");
  CHECK(render_err("line\n{{ 5 | times: 'x' }}").where == "2:8");
  CHECK(render_err("{{ 1 | modulo: 0 }}").code == errc::invalid_field);
  CHECK(render_err("{{ list | concat: 5 }}", R"({"list":[1]})").code == errc::invalid_field);
  CHECK(render_err("{% for i in (1..'x') %}{% endfor %}").code == errc::invalid_field);
  CHECK(render_err("{{ 'x' | slice: 'a' }}").code == errc::invalid_field);
  CHECK(render_err("{{ '%E9' | url_decode }}").code == errc::invalid_field);
  CHECK(render_ok("{{ 'abc' | slice: 1, 9223372036854775807 }}|{{ 'abc' | slice: -9223372036854775807 }}") == "bc|");
  // nil and numeric strings are numbers, as Shopify.
  CHECK(render_ok("{{ missing | plus: 2 }} {{ ' 4 ' | times: 2 }} {{ '-1.5' | abs }}") == "2 8 1.5");
  CHECK(render_ok("{{ 9223372036854775807 | plus: 1 }}") == "9.223372036854776e+18");
}

TEST_CASE("copy: invalid UTF-8 is refused with its position", "[copy]") {
  auto t = copy::compile("ok\nab\xC3(x");
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == errc::invalid_field);
  CHECK(t.error().where == "2:3");
  CHECK(t.error().message == "invalid UTF-8 at byte 5");
  CHECK_FALSE(copy::compile("\xED\xA0\x80").ok());   // surrogate
  CHECK_FALSE(copy::compile("\xC0\xAF").ok());       // overlong
  CHECK_FALSE(copy::compile("\xF4\x90\x80\x80").ok());  // above U+10FFFF
  CHECK(copy::compile("héllo 你好 👍").ok());
  CHECK_FALSE(copy::parse_data("{\"a\":\"\xFF\"}").ok());
}

TEST_CASE("copy: bad input gets a clear error with its position", "[copy][limits]") {
  struct bad { std::string tpl; errc code; const char* where; const char* says; };
  const std::size_t n = copy::limits::max_nesting_depth;
  const bad cases[] = {
      // unclosed tags and outputs
      {"Hi\n{% for p in ps %}{{ p }}", errc::invalid_field, "2:1", "\"for\" not closed"},
      {"{% case x %}{% when 1 %}", errc::invalid_field, "1:1", "not closed"},
      {"{% capture c %}x", errc::invalid_field, "1:1", "not closed"},
      {"a\n b {{ x ", errc::invalid_field, "2:4", "not closed"},
      {"{% if x %}{% endfor %}{% endif %}", errc::invalid_field, "1:11", "unexpected tag"},
      // unknown filters and tags, wrong arity
      {"\n\n{{ x | upcase | shout: 2 }}", errc::invalid_field, "3:17", "unknown filter \"shout\""},
      {"{% include 'self' %}", errc::invalid_field, "1:1", "unknown tag \"include\""},
      {"{% render 'self' %}", errc::invalid_field, "1:1", "unknown tag \"render\""},
      {"{{ x | append }}", errc::invalid_field, "1:8", "takes 1"},
      // recursion: a liquid tag nests like a block, even on one line
      {"{% liquid " + repeat("liquid ", n + 1) + "echo 1 %}", errc::limit_exceeded, "1:452", "nested deeper than 64"},
      {"{% liquid " + repeat("liquid ", 30000) + "echo 1 %}", errc::limit_exceeded, "1:452", "nested deeper than 64"},
      {repeat("{% if true %}", 20000), errc::limit_exceeded, "1:833", "nested deeper than 64"},
      {"{{ " + repeat("(", 100000) + " }}", errc::limit_exceeded, "1:68", "expression nested deeper than 64"},
      // 10 MB and invalid UTF-8
      {std::string(10u << 20, 'x'), errc::limit_exceeded, "1:1", "template is 10485760 bytes, limit 262144"},
      {"caf\xC3\xA9 {{ 'a' }}\n\xE4\xBD", errc::invalid_field, "2:1", "invalid UTF-8 at byte 16"},
  };
  for (const auto& c : cases) {
    INFO(c.tpl.substr(0, 80));
    auto t = copy::compile(c.tpl);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == c.code);
    CHECK(t.error().where == c.where);
    CHECK(t.error().message.find(c.says) != std::string::npos);
  }
  // N nested liquid tags pass.
  auto ok = copy::compile("{% liquid " + repeat("liquid ", n - 1) + "echo 7 %}");
  REQUIRE(ok.ok());
  CHECK(copy::render(ok.value(), "{}")->text == "7");
  // wrong argument types at render, with the filter's position
  auto e = render_err("{% for i in (1..3) %}\n  {{ i | times: p }}{% endfor %}", R"({"p":{"x":1}})");
  CHECK(e.code == errc::invalid_field);
  CHECK(e.where == "2:10");
  CHECK(e.message == "times: expected a number, got {\"x\":1}");
  // bad data: where is the byte offset
  auto deep = copy::parse_data(repeat("[", 200));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().where == "byte " + std::to_string(tailor::limits::max_json_depth));
  auto utf = copy::parse_data("{\"a\":\"ok\xFF\"}");
  REQUIRE_FALSE(utf.ok());
  CHECK(utf.error().code == errc::invalid_json);
  CHECK(utf.error().where == "byte 8");
  CHECK(utf.error().message == "invalid string: ill-formed UTF-8 byte");
  auto big = copy::parse_data(std::string(10u << 20, ' '));
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == errc::limit_exceeded);
  CHECK(big.error().where == "byte " + std::to_string(copy::limits::max_data_bytes));
}

TEST_CASE("copy: truncated and corrupted templates never crash", "[copy]") {
  // Every prefix and every single-byte corruption of real templates: an error
  // or an output, never a crash or a hang (ASan/UBSan run this too).
  json diff = json::parse(read_source_file("tests/vectors/liquid-diff.json"));
  auto data = copy::parse_data(read_source_file("tests/vectors/liquid-corpus/_data.json"));
  REQUIRE(data.ok());
  copy::render_options small;
  small.limits.steps = 20000;
  std::size_t errors = 0, outputs = 0;
  int picked = 0;
  for (const auto& c : diff["cases"]) {
    if (picked++ % 7 != 0) continue;
    std::string src = c["template"];
    for (std::size_t cut = 0; cut <= src.size(); ++cut) {
      auto t = copy::compile(std::string_view(src).substr(0, cut));
      if (!t) { ++errors; CHECK_FALSE(t.error().where.empty()); continue; }
      auto r = copy::render(t.value(), data.value(), small);
      r.ok() ? ++outputs : ++errors;
    }
    static const char kBytes[] = {'{', '}', '%', '|', '\'', '"', ':', ',', '.', '[', ']', '-', ' ', '\xFF'};
    for (std::size_t at = 0; at < src.size(); at += 3) {
      std::string bad = src;
      bad[at] = kBytes[at % sizeof kBytes];
      auto t = copy::compile(bad);
      if (!t) { ++errors; continue; }
      auto r = copy::render(t.value(), data.value(), small);
      r.ok() ? ++outputs : ++errors;
    }
  }
  CHECK(errors > 100);
  CHECK(outputs > 100);
}

// ------------------------------------------------------------------ platforms, SMS, compliance, quality, variants

TEST_CASE("copy: SMS segments agree with sms-segments-calculator", "[copy][sms]") {
  json v = json::parse(read_source_file("tests/vectors/sms-segments.json"));
  REQUIRE(v["calculator"] == "sms-segments-calculator 1.3.0");
  REQUIRE(v["cases"].size() >= 400);
  for (const auto& c : v["cases"]) {
    std::string text = c["text"];
    INFO(text);
    auto s = copy::sms_segments(text);
    CHECK(s.encoding == c["encoding"].get<std::string>());
    // Departure: an empty message is 0 segments here; the calculator starts every message with one.
    CHECK(s.segments == (text.empty() ? 0 : c["segments"].get<std::size_t>()));
    // Compare the non-GSM code points: the calculator clusters emoji by older
    // Unicode rules (ZWJ, skin tones), which changes how they group, not what they are.
    auto code_points = [](const std::string& t, std::set<uint32_t>& out) {
      for (std::size_t i = 0; i < t.size();) {
        unsigned char b = static_cast<unsigned char>(t[i]);
        std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
        uint32_t cp = len == 1 ? b : b & (0x7F >> len);
        for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(t[i + k]) & 0x3F);
        i += len;
        bool joiner = cp == 0x200D || cp == 0xFE0F || (cp >= 0x1F3FB && cp <= 0x1F3FF);
        if (!joiner) out.insert(cp);
      }
    };
    std::set<uint32_t> ours, theirs;
    for (const auto& x : s.non_gsm) code_points(x, ours);
    for (const auto& x : c["non_gsm"]) code_points(x.get<std::string>(), theirs);
    // GSM characters clustered with a joiner are reported by both; drop them from the comparison.
    for (auto* set : {&ours, &theirs})
      for (auto it = set->begin(); it != set->end();) it = *it < 0x80 ? set->erase(it) : std::next(it);
    CHECK(ours == theirs);
  }
}

TEST_CASE("copy: SMS boundaries 160/153 and 70/67", "[copy][sms]") {
  CHECK(copy::sms_segments(std::string(160, 'x')).segments == 1);
  CHECK(copy::sms_segments(std::string(161, 'x')).segments == 2);
  CHECK(copy::sms_segments(std::string(306, 'x')).segments == 2);
  CHECK(copy::sms_segments(std::string(307, 'x')).segments == 3);
  auto euro = copy::sms_segments(std::string(158, 'x') + "€");  // extension char: 2 septets
  CHECK(euro.encoding == "GSM-7");
  CHECK(euro.units == 160);
  CHECK(euro.segments == 1);
  CHECK(copy::sms_segments(std::string(159, 'x') + "€").segments == 2);
  std::string zh70, zh71;
  for (int k = 0; k < 70; ++k) zh70 += "你";
  zh71 = zh70 + "你";
  CHECK(copy::sms_segments(zh70).segments == 1);
  CHECK(copy::sms_segments(zh71).segments == 2);
  // One non-GSM character switches the whole message to UCS-2.
  auto one = copy::sms_segments(std::string(100, 'x') + "á");
  CHECK(one.encoding == "UCS-2");
  CHECK(one.segments == 2);
  CHECK(one.non_gsm == std::vector<std::string>{"á"});
  CHECK(copy::sms_segments("").segments == 0);
}

TEST_CASE("copy: measures count as each platform counts", "[copy][platform]") {
  CHECK(copy::count_graphemes("👨‍👩‍👧🇨🇳é") == 3);
  CHECK(copy::count_graphemes("e\xCC\x81") == 1);
  CHECK(copy::count_utf16_units("a😀") == 3);
  CHECK(copy::display_width("ab你好") == 6);
  CHECK(copy::measure("咖啡豆", "cjk_double") == 6);
  CHECK(copy::measure("Hello 世界", "half_width") == 5);  // Weibo: two Latin letters count one
  CHECK(copy::measure("你好", "bytes") == 6);
  CHECK(copy::measure(std::string(161, 'x'), "sms_segments") == 2);
}

TEST_CASE("copy: truncation on word and grapheme boundaries", "[copy][platform]") {
  CHECK(copy::truncate("Fresh roasted coffee beans delivered", "grapheme", 20) == "Fresh roasted…");
  CHECK(copy::count_graphemes(copy::truncate("Fresh roasted coffee beans delivered", "grapheme", 20)) <= 20);
  CHECK(copy::truncate("short", "grapheme", 20) == "short");
  std::string zh = copy::truncate("春季新品上市全场满减会员专享", "cjk_double", 12);
  CHECK(zh == "春季新品上…");
  CHECK(copy::measure(zh, "cjk_double") <= 12);
  // Never splits a grapheme cluster.
  std::string fam = copy::truncate("👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", "grapheme", 2);
  CHECK(fam == "👨‍👩‍👧…");
  CHECK(copy::truncate("abcdef", "grapheme", 0) == "");
  std::vector<std::string> alts = {"Shop fresh single-origin coffee today", "Shop fresh coffee today", "Coffee"};
  CHECK(copy::longest_fitting(alts, "cjk_double", 30) == 1);
  CHECK(copy::longest_fitting(alts, "cjk_double", 3) == -1);
}

TEST_CASE("copy: platform profiles are data with sources", "[copy][platform]") {
  const auto& ps = copy::platforms();
  REQUIRE(ps.size() >= 11);
  for (std::size_t k = 0; k < ps.size(); ++k) {
    if (k) CHECK(ps[k - 1].id < ps[k].id);
    REQUIRE_FALSE(ps[k].fields.empty());
    for (const auto& f : ps[k].fields) {
      CHECK(f.max > 0);
      CHECK_FALSE(f.source.empty());
    }
  }
  auto rsa = copy::find_platform("google_ads_rsa");
  REQUIRE(rsa.ok());
  CHECK(rsa->fields[0].max == 30);
  CHECK(rsa->fields[1].max == 90);
  auto wx = copy::find_platform("wechat_article");
  REQUIRE(wx.ok());
  CHECK(wx->fields[0].max == 32);
  CHECK(wx->fields[1].max == 128);
  auto wb = copy::find_platform("weibo");
  CHECK(wb->fields[0].max == 2000);
  CHECK(wb->fields[0].visible == 140);
  CHECK(copy::find_platform("myspace").error().code == errc::not_found);
}

TEST_CASE("copy: compliance finds banned terms with positions and exceptions", "[copy][compliance]") {
  auto hits = copy::check_compliance("全网最低价！国家级大师烘焙，最新款咖啡第一次优惠");
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].term == "全网最低");
  CHECK(hits[0].char_offset == 0);
  CHECK(hits[0].severity == "high");
  CHECK(hits[1].term == "国家级");
  CHECK(hits[1].char_offset == 6);
  CHECK_FALSE(hits[1].suggestion.empty());
  CHECK(hits[1].source.find("art. 9") != std::string::npos);
  // 最新款 (self-comparison) and 第一次 (ordinal) are exceptions of the 2023 guideline.
  CHECK(copy::check_compliance("本店最新款，第一次购买立减").empty());
  auto med = copy::check_compliance("Our tea cures colds. Not a Cure-all? It CURES.");
  REQUIRE(med.size() == 3);
  CHECK(med[0].byte_offset == 8);
  CHECK(med[1].term == "cure");
  CHECK(med[2].byte_offset == 40);
  CHECK(copy::check_compliance("secure checkout").empty());  // word boundary
  auto brand = copy::parse_lexicon(R"([{"term":"Starbucks","severity":"high","suggestion":"Do not name competitors"}])");
  REQUIRE(brand.ok());
  auto bh = copy::check_compliance("Better than starbucks", brand.value());
  REQUIRE(bh.size() == 1);
  CHECK(bh[0].category == "brand");
  auto badlex = copy::parse_lexicon(R"([{"term":"x","severity":"extreme"}])");
  REQUIRE_FALSE(badlex.ok());
  CHECK(badlex.error().where == "$[0].severity");
  CHECK(copy::parse_lexicon(R"([{"term":"x","colour":"red"}])").error().code == errc::unknown_field);
}

TEST_CASE("copy: quality score separates the labelled set", "[copy][quality]") {
  json v = json::parse(read_source_file("tests/vectors/copy-quality-labelled.json"));
  double good_sum = 0, bad_sum = 0, good_min = 5, bad_max = 1;
  int good = 0, bad = 0, correct = 0;
  for (const auto& c : v["cases"]) {
    copy::quality_input in;
    in.text = c["text"];
    in.platform = c["platform"];
    in.field = c.value("field", "");
    // Unresolved variables show up in text as doubled spaces before punctuation.
    if (in.text.find(" ,") != std::string::npos) in.unresolved = {"shopper.first_name"};
    auto r = copy::score_quality(in);
    INFO(in.text << " -> " << r.score);
    CHECK(r.score >= 1.0);
    CHECK(r.score <= 5.0);
    CHECK(r.parts.size() == 7);
    bool is_good = c["label"] == "good";
    (is_good ? good_sum : bad_sum) += r.score;
    (is_good ? good : bad) += 1;
    if (is_good) good_min = std::min(good_min, r.score); else bad_max = std::max(bad_max, r.score);
    if ((r.score >= 3.8) == is_good) ++correct;
    else WARN("misclassified: " << in.text << " -> " << r.score);
    if (!is_good) CHECK_FALSE(r.issues.empty());
  }
  REQUIRE(good >= 20);
  REQUIRE(bad >= 20);
  // Calibration: threshold 3.8 classifies at least 90% correctly, and the means are far apart.
  CHECK(correct * 10 >= (good + bad) * 9);
  CHECK(good_sum / good - bad_sum / bad >= 1.0);
  INFO("good min " << good_min << ", bad max " << bad_max);
  CHECK(good_min > 3.0);
}

TEST_CASE("copy: variants from alternatives are distinct and ranked", "[copy][variants]") {
  const char* tpl = "[[Shop|Discover|Try]] {{ product.title }}[[| today| now]]";
  const char* data = R"({"product":{"title":"Kenya AA"}})";
  auto v = copy::generate_variants(tpl, data, "google_ads_rsa.headline", 4);
  REQUIRE(v.ok());
  REQUIRE(v->size() == 4);
  std::set<std::string> texts;
  for (std::size_t k = 0; k < v->size(); ++k) {
    texts.insert((*v)[k].text);
    if (k) CHECK((*v)[k - 1].quality.score >= (*v)[k].quality.score);
    CHECK(copy::measure((*v)[k].text, "cjk_double") <= 30);
  }
  CHECK(texts.size() == 4);
  // Deterministic.
  auto again = copy::generate_variants(tpl, data, "google_ads_rsa.headline", 4);
  for (std::size_t k = 0; k < 4; ++k) CHECK((*again)[k].text == (*v)[k].text);
  // Too many asked: all distinct ones, 3 verbs x 3 endings.
  auto all = copy::generate_variants(tpl, data, "", 100);
  REQUIRE(all.ok());
  CHECK(all->size() == 9);
  CHECK(copy::generate_variants(tpl, data, "", 0).error().code == errc::invalid_field);
  CHECK(copy::generate_variants(tpl, data, "", copy::limits::max_variants + 1).error().code == errc::invalid_field);
  CHECK(copy::generate_variants("[[a|b", data, "", 2).error().where == "1:1");
  CHECK(copy::generate_variants("{{ x | nope }}", data, "", 2).error().code == errc::invalid_field);
  // A huge combination space is sampled, not enumerated.
  std::string many;
  for (int k = 0; k < 20; ++k) many += "[[a|b|c]]";
  auto big = copy::generate_variants(many, "{}", "sms", 5);
  REQUIRE(big.ok());
  CHECK(big->size() == 5);
}

TEST_CASE("copy: preview renders, adapts, scores and checks", "[copy][preview]") {
  const char* data = R"({"shopper":{"first_name":"小明"},"product":{"title":"耶加雪菲咖啡豆","price":12900}})";
  auto p = copy::preview("{{ shopper.first_name }}，{{ product.title }}全网最低价，仅{{ product.price | money: 'CNY', 'zh-CN' }}，立即抢购！",
                         data, "google_ads_rsa.headline");
  REQUIRE(p.ok());
  CHECK(p->rendered == "小明，耶加雪菲咖啡豆全网最低价，仅¥129.00，立即抢购！");
  CHECK(p->truncated);
  CHECK(copy::measure(p->text, "cjk_double") <= 30);
  CHECK(p->length == copy::measure(p->text, "cjk_double"));
  REQUIRE(p->hits.size() == 1);
  CHECK(p->hits[0].term == "全网最低");
  CHECK(p->quality.score <= 2.5);
  CHECK(p->sms.encoding == "UCS-2");
  auto s = copy::preview("Hi {{ shopper.name }}, shop now", "{}", "sms");
  REQUIRE(s.ok());
  CHECK(s->sms.segments == 1);
  CHECK(s->quality.issues.front().find("shopper.name") != std::string::npos);
  CHECK(copy::preview("x", "{}", "sms.nope").error().code == errc::not_found);
  CHECK(copy::preview("x", "{}", "nope").error().code == errc::not_found);
}
