#include <zlib.h>

#include <iostream>

#include "commands.hpp"
#include "online_retail.hpp"
#include "out_dir.hpp"

namespace tailor::cli {
namespace {

// Largest decompressed input accepted: the real file is 45 MB; this stops a gzip bomb.
constexpr std::size_t max_input_bytes = 1u << 30;

// Reads a .gz file (or, transparently, an uncompressed one).
bool read_maybe_gzip(const std::string& path, std::string& out, std::string& error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open " + path;
    return false;
  }
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      error = path + ": " + gzerror(f, &code);
      gzclose(f);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_input_bytes) {
      error = path + ": more than " + std::to_string(max_input_bytes) + " bytes after decompression";
      gzclose(f);
      return false;
    }
  }
  gzclose(f);
  return true;
}

}  // namespace

int cmd_import_online_retail(const args& a) {
  if (!has_flag(a, "in") || !has_flag(a, "out") || !positional(a).empty()) {
    std::cerr << "usage: tailor import-online-retail --in online_retail.csv[.gz] --out DIR [--no-guests]\n";
    return 2;
  }
  const std::string in = flag(a, "in"), out = flag(a, "out");
  std::string text, err;
  if (!read_maybe_gzip(in, text, err)) {
    std::cerr << "tailor import-online-retail: " << err << "\n";
    return 1;
  }
  retail_options opt;
  opt.include_guests = !has_flag(a, "no-guests");
  auto store = import_online_retail(text, opt);
  if (!store) {
    std::cerr << "tailor import-online-retail: " << in << ":" << store.error().where << ": "
              << errc_name(store.error().code) << ": " << store.error().message << "\n";
    return 1;
  }
  if (!write_outputs(out, {{"catalog.jsonl", &store->catalog_jsonl},
                           {"events.jsonl", &store->events_jsonl},
                           {"manifest.json", &store->manifest_json}}, err)) {
    std::cerr << "tailor import-online-retail: " << err << "\n";
    return 1;
  }
  std::cout << "wrote " << out << "/catalog.jsonl, events.jsonl, manifest.json\n";
  return 0;
}

}  // namespace tailor::cli
