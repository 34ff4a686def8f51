// `tailor`: the native command-line tool over the core.
#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "flags.hpp"

namespace {

using tailor::cli::command_flags;
using tailor::cli::flags_of;
using tailor::cli::training_flags;

struct command {
  const char* name;
  int (*run)(const tailor::cli::args&);
  const char* help;
  command_flags accepts;
};

const std::vector<tailor::cli::flag_spec> copy_render_flags{{"now"}, {"tz"}, {"steps"}, {"locale"}, {"currency"},
                                                             {"data"}, {"format"}, {"options"}};

// One line per subcommand, in the order `tailor --help` lists them.
const command commands[] = {
    {"validate-events", tailor::cli::cmd_validate_events,
     "FILE.jsonl   check events; one error per rejected line",
     flags_of({}, 1)},
    {"decode-event", tailor::cli::cmd_decode_event,
     "FILE.json       decode one event; prints the core's JSON envelope (as wasm)",
     flags_of({}, 1)},
    {"validate-catalog", tailor::cli::cmd_validate_catalog,
     "FILE.jsonl|FILE.csv   load a catalog with the core's strict loader",
     flags_of({}, 1)},
    {"generate", tailor::cli::cmd_generate,
     "--out DIR [--seed N --items N --shoppers N]   a deterministic sample store",
     flags_of({{{"out"}, {"seed"}, {"items"}, {"shoppers"}, {"days"}, {"end-ms"}, {"currency"}}})},
    {"import-online-retail", tailor::cli::cmd_import_online_retail,
     "[--in] CSV[.gz] --out DIR   Online Retail -> catalog + events (+ train/test for eval)",
     flags_of({{{"in"}, {"out"}, {"split"}, {"until"}, {"no-guests", false}}}, 1)},
    {"eval", tailor::cli::cmd_eval,
     "--train EVENTS.jsonl --test CASES.tsv   offline evaluation (Recall/NDCG/... at K)",
     flags_of({training_flags(),
               {{"train"}, {"test"}, {"sessions", false}, {"method"}, {"variant"}, {"k"}, {"json", false},
                {"sample"}, {"seed"}, {"progress", false}, {"ranker"}, {"ranker-candidates"}, {"count-input", false},
                {"w-repeat"}, {"w-ease"}, {"w-knn"}, {"w-trend"}, {"w-pop"}, {"w-embed"}, {"w-session"},
                {"w-uknn"}, {"uknn-k"}, {"history-half-life"}, {"repeat-power"}}})},
    {"profile", tailor::cli::cmd_profile,
     "--catalog F --events F.jsonl --now MS [--config F] [--uid U]   print a shopper's profile",
     flags_of({{{"catalog"}, {"catalog-format"}, {"config"}, {"events"}, {"now"}, {"state"}, {"uid"}, {"strict", false}}})},
    {"bench-fold", tailor::cli::cmd_bench_fold,
     "[--events N] [--reps R]   time the profile fold (events/s)",
     flags_of({{{"events"}, {"items"}, {"iters"}, {"reps"}, {"write"}}})},
    {"render", tailor::cli::cmd_render, "TEMPLATE [--data F.json]   render Liquid copy",
     flags_of({copy_render_flags}, 1)},
    {"check", tailor::cli::cmd_check, "TEMPLATE --platform ID[.field] [--data F.json]   render, measure, score, check",
     flags_of({copy_render_flags, {{"platform"}, {"lexicon"}, {"min-score"}, {"request"}}}, 1)},
    {"build-bundle", tailor::cli::cmd_build_bundle,
     "--events EVENTS.jsonl --out BUNDLE.bin   train and write a versioned bundle",
     flags_of({training_flags(), {{"events"}, {"out"}, {"items"}, {"config"}, {"progress", false},
                                      {"no-content", false}, {"profile-config"}}})},
    {"train-ranker", tailor::cli::cmd_train_ranker,
     "--train EVENTS.jsonl --labels CASES.tsv --out RANKER.json [--onnx F]   learned ranker",
     flags_of({training_flags(),
               {{"train"}, {"labels"}, {"out"}, {"onnx"}, {"dump-rows"}, {"variant"}, {"l2"}, {"candidates"},
                {"drop"}, {"weigh-shoppers", false}, {"model"}, {"hidden"}, {"ensemble"}, {"loss"}, {"epochs"},
                {"batch"}, {"lr"}, {"mlp-l2"}, {"seed"}, {"progress", false}}})},
    {"train-intent", tailor::cli::cmd_train_intent,
     "--events EVENTS.jsonl --out INTENT.json   purchase-intent model, held-out AUC",
     flags_of({{{"events"}, {"out"}, {"holdout"}, {"l2"}, {"seed"}, {"session-gap-minutes"}}})},
    {"bench-topk", tailor::cli::cmd_bench_topk,
     "--rows R.f32 --queries Q.f32   native contender of bench/recommend-topk.mjs",
     flags_of({{{"rows"}, {"queries"}, {"n"}, {"dim"}, {"k"}, {"reps"}, {"ids"}}})},
    {"recommend", tailor::cli::cmd_recommend,
     "--bundle BUNDLE.bin --request REQUEST.json   one recommendation decision",
     flags_of({{{"bundle"}, {"request"}, {"bench"}}})},
    {"assign", tailor::cli::cmd_assign,
     "CONTEXT.json (--feature KEY | --experiment EXP.json | --all)   GrowthBook-compatible evaluation",
     flags_of({{{"feature"}, {"experiment"}, {"all", false}}}, 1)},
    {"analyze", tailor::cli::cmd_analyze,
     "STATS.json [--bandit]   uplift, CI, chance to beat control, SRM; or bandit weights",
     flags_of({{{"bandit", false}}}, 1)},
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
    if (name != c.name) continue;
    auto checked = tailor::cli::check_flags(rest, name, c.accepts);
    return checked ? c.run(*checked) : 2;
  }
  std::cerr << "tailor: unknown command \"" << name << "\"\n";
  return usage(std::cerr, 2);
}
