// The subcommands of `tailor`, one file each (cli/cmd_<name>.cpp).
#pragma once

#include <string>
#include <vector>

namespace tailor::cli {

using args = std::vector<std::string>;  // arguments after the subcommand name

int cmd_validate_events(const args& a);
int cmd_assign(const args& a);
int cmd_analyze(const args& a);

// Shared helpers (cli/io.cpp): the CLI is where files are read, never the core.
bool read_file(const std::string& path, std::string& out);
bool write_file(const std::string& path, const std::string& data);
// Value of `--name VALUE` or `--name=VALUE`, or fallback.
std::string flag(const args& a, const std::string& name, const std::string& fallback = "");
bool has_flag(const args& a, const std::string& name);
// Arguments that are not flags or flag values.
std::vector<std::string> positional(const args& a);

}  // namespace tailor::cli
