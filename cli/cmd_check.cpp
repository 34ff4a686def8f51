// `tailor check TEMPLATE --platform ID[.field] [--data F.json] [--lexicon F.json]
//                [--min-score X] [--format text|json] [render options]`:
// renders copy, adapts it to the platform and reports length, SMS segments,
// compliance hits and the quality score. Exit 1 when it does not pass.
// `--format envelope [--options F.json]` prints the wasm `copyPreview` envelope;
// `tailor check --request F.json --format envelope` the `copyCheck` envelope of
// finished text ({text, platform?, field?, unresolved?, defaulted?, siblings?, lexicon?}).
#include <cstdlib>
#include <functional>
#include <iostream>

#include "../wasm/copy_envelope.hpp"
#include "commands.hpp"
#include "common/json.hpp"
#include "tailor/copy.hpp"

namespace tailor::cli {

bool copy_options(const args& a, copy::render_options& opt);
int print_envelope_of(const args& a, const std::function<std::string(const std::string&)>& run);

int cmd_check(const args& a) {
  auto files = positional(a);
  std::string platform = flag(a, "platform");
  const bool envelope = flag(a, "format") == "envelope";
  if (envelope && files.empty() && !flag(a, "request").empty()) {
    std::string req;
    if (!read_file(flag(a, "request"), req)) {
      std::cerr << "tailor: cannot read " << flag(a, "request") << "\n";
      return 1;
    }
    return print_envelope_of(a, [&](const std::string&) { return wasm::copy_check(req); });
  }
  if (files.size() != 1 || platform.empty()) {
    std::cerr << "usage: tailor check TEMPLATE --platform ID[.field] [--data F.json] [--lexicon F.json] "
                 "[--min-score 3.5] [--format text|json] [--now MS] [--locale L] [--currency C]\n";
    return 2;
  }
  std::string src, data, lex_text;
  if (!read_file(files[0], src)) {
    std::cerr << "tailor: cannot read " << files[0] << "\n";
    return 1;
  }
  std::string data_path = flag(a, "data"), lex_path = flag(a, "lexicon");
  if (!data_path.empty() && !read_file(data_path, data)) {
    std::cerr << "tailor: cannot read " << data_path << "\n";
    return 1;
  }
  std::vector<copy::compliance_term> lexicon;
  if (!lex_path.empty()) {
    if (!read_file(lex_path, lex_text)) {
      std::cerr << "tailor: cannot read " << lex_path << "\n";
      return 1;
    }
    auto l = copy::parse_lexicon(lex_text);
    if (!l) {
      std::cerr << lex_path << ": " << l.error().where << ": " << errc_name(l.error().code) << ": " << l.error().message << "\n";
      return 1;
    }
    lexicon = l.value();
  }
  if (envelope) return print_envelope_of(a, [&](const std::string& options) {
    return wasm::copy_preview(src, data, platform, options);
  });
  copy::render_options opt;
  if (!copy_options(a, opt)) return 2;
  std::string min_text = flag(a, "min-score", "3.5");
  char* end = nullptr;
  double min_score = std::strtod(min_text.c_str(), &end);
  if (!end || *end != '\0' || min_score < 1 || min_score > 5) {
    std::cerr << "tailor: --min-score must be a number from 1 to 5\n";
    return 2;
  }
  std::string format = flag(a, "format", "text");
  if (format != "text" && format != "json" && format != "envelope") {
    std::cerr << "tailor: --format must be text, json or envelope\n";
    return 2;
  }
  auto p = copy::preview(src, data, platform, opt, lexicon);
  if (!p) {
    std::cerr << files[0] << ":" << p.error().where << ": " << errc_name(p.error().code) << ": " << p.error().message << "\n";
    return 1;
  }
  const auto& hits = p->hits;
  const copy::quality_report& q = p->quality;
  bool high = false;
  for (const auto& h : hits) high = high || h.severity == "high";
  bool pass = q.score >= min_score && !high && !p->truncated;
  if (format == "json") {
    using tailor::detail::json;
    json parts = json::array(), jh = json::array();
    for (const auto& x : q.parts) parts.push_back({{"name", x.name}, {"score", x.score}, {"reason", x.reason}});
    for (const auto& h : hits)
      jh.push_back({{"term", h.term}, {"severity", h.severity}, {"char_offset", h.char_offset}, {"suggestion", h.suggestion}});
    json out{{"pass", pass}, {"text", p->text}, {"rendered", p->rendered}, {"truncated", p->truncated},
             {"length", p->length}, {"width", p->width}, {"segments", p->sms.segments}, {"encoding", p->sms.encoding},
             {"score", q.score}, {"parts", parts}, {"issues", q.issues}, {"hits", jh}};
    std::cout << tailor::detail::dump_json(out) << "\n";
    return pass ? 0 : 1;
  }
  std::cout << "text:      " << p->text << "\n";
  if (p->truncated) std::cout << "rendered:  " << p->rendered << "\n";
  std::cout << "length:    " << p->length << (p->truncated ? " (truncated)" : "") << ", width " << p->width << ", SMS "
            << p->sms.segments << " segment(s) " << p->sms.encoding << "\n";
  std::cout << "score:     " << q.score << " / 5\n";
  for (const auto& x : q.parts) std::cout << "  " << x.name << ": " << x.score << " (" << x.reason << ")\n";
  for (const auto& h : hits)
    std::cout << "hit:       \"" << h.term << "\" " << h.severity << " at " << h.char_offset << ": " << h.suggestion << "\n";
  for (const auto& i : q.issues) std::cout << "issue:     " << i << "\n";
  std::cout << (pass ? "PASS" : "FAIL") << "\n";
  return pass ? 0 : 1;
}

}  // namespace tailor::cli
