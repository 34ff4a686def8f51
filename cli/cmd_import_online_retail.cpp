#include <nlohmann/json.hpp>
#include <zlib.h>

#include <iostream>

#include "commands.hpp"
#include "online_retail.hpp"
#include "out_dir.hpp"
#include "tailor/eval.hpp"
#include "tailor/train.hpp"

namespace tailor::cli {

bool read_maybe_gzip(const std::string& path, std::string& out, std::string& err) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files transparently too
  if (!f) {
    err = "cannot open " + path;
    return false;
  }
  out.clear();
  char buf[1 << 16];
  while (true) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      err = path + ": " + gzerror(f, &code);
      gzclose(f);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limits::max_csv_bytes) {
      err = path + ": larger than " + std::to_string(limits::max_csv_bytes) + " bytes uncompressed";
      gzclose(f);
      return false;
    }
  }
  gzclose(f);
  return true;
}

// One read of the CSV, two views of it (all written together, or nothing):
// - the store (cli/online_retail.hpp): catalog.jsonl, events.jsonl (every
//   invoice, guests included, cancellations netted), manifest.json;
// - the evaluation protocol (tailor/train.hpp): train.jsonl and test.tsv.
int cmd_import_online_retail(const args& a) {
  auto files = positional(a);
  if (has_flag(a, "in")) files.insert(files.begin(), flag(a, "in"));
  const std::string out_dir = flag(a, "out", "");
  if (files.size() != 1 || out_dir.empty()) {
    std::cerr << "usage: tailor import-online-retail [--in] online_retail.csv[.gz] --out DIR\n"
                 "         [--split 2011-11-01] [--until YYYY-MM-DD] [--no-guests]\n"
                 "writes DIR/catalog.jsonl (items), DIR/events.jsonl (purchases), DIR/manifest.json,\n"
                 "DIR/train.jsonl (Tailor purchase events before --split) and DIR/test.tsv\n"
                 "(uid<TAB>items: next-period purchases of train-known items) and DIR/sessions.tsv\n"
                 "(prefix<TAB>target: each test invoice line after the first, its preceding <=10 lines)\n";
    return 2;
  }
  online_retail_options opt;
  auto split = parse_utc_datetime(flag(a, "split", "2011-11-01"));
  if (!split) {
    std::cerr << "tailor: --split: " << split.error().message << "\n";
    return 2;
  }
  opt.split_ts_ms = split.value();
  if (has_flag(a, "until")) {
    auto until = parse_utc_datetime(flag(a, "until"));
    if (!until) {
      std::cerr << "tailor: --until: " << until.error().message << "\n";
      return 2;
    }
    opt.until_ts_ms = until.value();
  }
  std::string text, err;
  if (!read_maybe_gzip(files[0], text, err)) {
    std::cerr << "tailor: " << err << "\n";
    return 1;
  }
  retail_options store_opt;
  store_opt.include_guests = !has_flag(a, "no-guests");
  auto store = import_online_retail(std::string_view(text), store_opt);
  if (!store) {
    std::cerr << "tailor: " << files[0] << ":" << store.error().where << ": " << errc_name(store.error().code)
              << ": " << store.error().message << "\n";
    return 1;
  }
  auto r = tailor::import_online_retail(text, opt);
  if (!r) {
    std::cerr << "tailor: " << files[0] << ":" << r.error().where << ": " << errc_name(r.error().code)
              << ": " << r.error().message << "\n";
    return 1;
  }
  std::string jsonl;
  for (const auto& ev : r->train) {
    jsonl += encode_event(ev);
    jsonl += '\n';
  }
  std::string items;
  for (const auto& f : r->items) {
    items += nlohmann::json{{"id", f.id}, {"title", f.title}, {"price_minor", f.price_minor}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    items += '\n';
  }
  const std::string test_tsv = format_purchase_cases(r->test);
  // Session next-item cases: in every test invoice, each line after the first is
  // the target of the invoice's preceding lines (the newest session_prefix_max).
  constexpr std::size_t session_prefix_max = 10;
  std::vector<session_case> sessions;
  for (const auto& seq : r->test_sessions) {
    for (std::size_t p = 1; p < seq.size(); ++p) {
      session_case c;
      c.prefix.assign(seq.begin() + static_cast<std::ptrdiff_t>(p > session_prefix_max ? p - session_prefix_max : 0),
                      seq.begin() + static_cast<std::ptrdiff_t>(p));
      c.target = seq[p];
      sessions.push_back(std::move(c));
    }
  }
  const std::string sessions_tsv = format_session_cases(sessions);
  if (!write_outputs(out_dir, {{"catalog.jsonl", &store->catalog_jsonl},
                               {"events.jsonl", &store->events_jsonl},
                               {"manifest.json", &store->manifest_json},
                               {"train.jsonl", &jsonl},
                               {"items.jsonl", &items},
                               {"test.tsv", &test_tsv},
                               {"sessions.tsv", &sessions_tsv}}, err)) {
    std::cerr << "tailor: " << err << "\n";
    return 1;
  }
  std::cout << "rows " << r->rows << ", kept " << r->kept_lines << " (train " << r->train_lines
            << ", test " << r->test_lines << "), train events " << r->train.size() << ", train items "
            << r->train_items << ", evaluated shoppers " << r->test.size() << ", prices rounded "
            << r->prices_rounded << ", session cases " << sessions.size() << "\n";
  return 0;
}

}  // namespace tailor::cli
