#include <iostream>

#include "commands.hpp"
#include "tailor/catalog.hpp"

namespace tailor::cli {

// Loads a catalog (.csv by extension, JSON Lines otherwise) with the core's
// strict loader and prints its size; the first bad line is an error.
int cmd_validate_catalog(const args& a) {
  auto files = positional(a);
  if (files.size() != 1) {
    std::cerr << "usage: tailor validate-catalog FILE.jsonl|FILE.csv\n";
    return 2;
  }
  std::string text;
  if (!read_file(files[0], text)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  const bool csv = files[0].size() >= 4 && files[0].compare(files[0].size() - 4, 4, ".csv") == 0;
  auto c = csv ? parse_catalog_csv(text) : parse_catalog_jsonl(text);
  if (!c) {
    std::cerr << files[0] << ": " << c.error().where << ": " << errc_name(c.error().code) << ": "
              << c.error().message << "\n";
    return 1;
  }
  std::cout << c->size() << " items, " << c->categories().size() << " categories, "
            << c->brands().size() << " brands, " << c->tags().size() << " tags\n";
  return 0;
}

}  // namespace tailor::cli
