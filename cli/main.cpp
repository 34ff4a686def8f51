// `tailor`: the native command-line tool over the core.
#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.hpp"

namespace {

struct command {
  const char* name;
  int (*run)(const tailor::cli::args&);
  const char* help;
};

// One line per subcommand, in the order `tailor --help` lists them.
constexpr command commands[] = {
    {"validate-events", tailor::cli::cmd_validate_events,
     "FILE.jsonl   check events; one error per rejected line"},
    {"decode-event", tailor::cli::cmd_decode_event,
     "FILE.json       decode one event; prints the core's JSON envelope (as wasm)"},
    {"validate-catalog", tailor::cli::cmd_validate_catalog,
     "FILE.jsonl|FILE.csv   load a catalog with the core's strict loader"},
    {"generate", tailor::cli::cmd_generate,
     "--out DIR [--seed N --items N --shoppers N]   a deterministic sample store"},
    {"import-online-retail", tailor::cli::cmd_import_online_retail,
     "[--in] CSV[.gz] --out DIR   Online Retail -> catalog + events (+ train/test for eval)"},
    {"eval", tailor::cli::cmd_eval,
     "--train EVENTS.jsonl --test CASES.tsv   offline evaluation (Recall/NDCG/... at K)"},
    {"profile", tailor::cli::cmd_profile,
     "--catalog F --events F.jsonl --now MS [--config F] [--uid U]   print a shopper's profile"},
    {"bench-fold", tailor::cli::cmd_bench_fold,
     "[--events N] [--reps R]   time the profile fold (events/s)"},
    {"render", tailor::cli::cmd_render, "TEMPLATE [--data F.json]   render Liquid copy"},
    {"check", tailor::cli::cmd_check, "TEMPLATE --platform ID[.field] [--data F.json]   render, measure, score, check"},
    {"build-bundle", tailor::cli::cmd_build_bundle,
     "--events EVENTS.jsonl --out BUNDLE.bin   train and write a versioned bundle"},
    {"train-ranker", tailor::cli::cmd_train_ranker,
     "--train EVENTS.jsonl --labels CASES.tsv --out RANKER.json [--onnx F]   learned ranker"},
    {"train-intent", tailor::cli::cmd_train_intent,
     "--events EVENTS.jsonl --out INTENT.json   purchase-intent model, held-out AUC"},
    {"bench-topk", tailor::cli::cmd_bench_topk,
     "--rows R.f32 --queries Q.f32   native contender of bench/recommend-topk.mjs"},
    {"recommend", tailor::cli::cmd_recommend,
     "--bundle BUNDLE.bin --request REQUEST.json   one recommendation decision"},
    {"assign", tailor::cli::cmd_assign,
     "CONTEXT.json (--feature KEY | --experiment EXP.json | --all)   GrowthBook-compatible evaluation"},
    {"analyze", tailor::cli::cmd_analyze,
     "STATS.json [--bandit]   uplift, CI, chance to beat control, SRM; or bandit weights"},
};

int usage(std::ostream& out, int code) {
  out << "usage: tailor <command> [options]\n\ncommands:\n";
  for (const auto& c : commands) out << "  " << c.name << " " << c.help << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(std::cerr, 2);
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") return usage(std::cout, 0);
  tailor::cli::args rest(argv + 2, argv + argc);
  for (const auto& c : commands) {
    if (name == c.name) return c.run(rest);
  }
  std::cerr << "tailor: unknown command \"" << name << "\"\n";
  return usage(std::cerr, 2);
}
