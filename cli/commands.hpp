// The subcommands of `tailor`, one file each (cli/cmd_<name>.cpp).
#pragma once

#include <string>
#include <vector>

#include "tailor/train.hpp"

namespace tailor::cli {

using args = std::vector<std::string>;  // arguments after the subcommand name

int cmd_validate_events(const args& a);
int cmd_decode_event(const args& a);
int cmd_generate(const args& a);
int cmd_validate_catalog(const args& a);
int cmd_import_online_retail(const args& a);
int cmd_eval(const args& a);
int cmd_profile(const args& a);
int cmd_bench_fold(const args& a);
int cmd_render(const args& a);
int cmd_check(const args& a);
int cmd_build_bundle(const args& a);
int cmd_recommend(const args& a);
int cmd_assign(const args& a);
int cmd_analyze(const args& a);
int cmd_train_ranker(const args& a);
int cmd_train_intent(const args& a);
int cmd_bench_topk(const args& a);
bool read_ranker(const std::string& path, ranker_model& out);

// Shared helpers (cli/io.cpp): the CLI is where files are read, never the core.
bool read_file(const std::string& path, std::string& out);
// read_file, or all of stdin when path is "-".
bool read_input(const std::string& path, std::string& out);
bool write_file(const std::string& path, const std::string& data);
// Reads a gzip or plain file (zlib); err names the problem.
bool read_maybe_gzip(const std::string& path, std::string& out, std::string& err);
// Progress on stderr for long training runs (empty when disabled).
progress_fn progress_printer(bool enabled);

// Value of `--name VALUE` or `--name=VALUE`, or fallback.
std::string flag(const args& a, const std::string& name, const std::string& fallback = "");
bool has_flag(const args& a, const std::string& name);
// Parses --name as a finite number / a whole number into out (unchanged when absent);
// false, with a message naming the flag, when the value is not one.
bool number_flag(const args& a, const std::string& name, double& out);
bool count_flag(const args& a, const std::string& name, uint32_t& out);
// Arguments that are not flags or flag values.
std::vector<std::string> positional(const args& a);

}  // namespace tailor::cli
