// Writes the binary seeds of the fuzz corpus that are easier to produce with
// the core than by hand: a valid bundle and valid sticky cookies.
//   build/fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <fstream>
#include <iostream>
#include <string>

#include "event_fixtures.hpp"
#include "tailor/bundle.hpp"
#include "tailor/experiment.hpp"
#include "tailor/recommend.hpp"
#include "tailor/train.hpp"

using namespace tailor;

static bool write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return out.good();
}

int main(int argc, char** argv) {
  if (argc != 2) { std::cerr << "usage: fuzz_make_seeds <corpus dir>\n"; return 2; }
  std::string dir = argv[1];
  std::vector<event> evs{test::purchase("1", "u1", 1000, {"a", "b", "c"}), test::purchase("2", "u2", 2000, {"a", "b"}),
                         test::purchase("3", "u3", 3000, {"b", "c", "d"}),
                         // u1 buys "a" again: the items' repurchase gaps (section 25, format v4).
                         test::purchase("4", "u1", 86'400'000 * 8, {"a"})};
  auto log = build_log(evs);
  if (!log) { std::cerr << log.error().message << "\n"; return 1; }
  train_options o;
  auto m = train(log.value(), o);
  if (!m) { std::cerr << m.error().message << "\n"; return 1; }
  std::vector<bundle_item> items;
  for (std::size_t i = 0; i < m->items.size(); ++i)
    items.push_back(bundle_item{m->items[i], "Title " + m->items[i], i % 2 ? "Home/Kitchen" : "", 100 * static_cast<int64_t>(i + 1), true});
  auto b = write_bundle(m.value(), items, default_recommend_config());
  if (!b) { std::cerr << b.error().message << "\n"; return 1; }
  auto c1 = sticky_cookie_encode(
      R"({"id||u1":{"attributeName":"id","attributeValue":"u1","assignments":{"exp__0":"1","checkout__2":"control"}}})", "[]");
  auto c2 = sticky_cookie_encode(
      R"({"deviceId||d 1":{"attributeName":"deviceId","attributeValue":"d 1","assignments":{"a|b__0":"v~2"}}})",
      R"([["deviceId||d 1","a|b__0"]])");
  if (!c1 || !c2) { std::cerr << "cookie\n"; return 1; }
  bool ok = write(dir + "/bundle/valid.bin", b.value()) && write(dir + "/sticky/one-user.txt", c1.value()) &&
            write(dir + "/sticky/device-lru.txt", c2.value());
  return ok ? 0 : 1;
}
