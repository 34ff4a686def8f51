#include "out_dir.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace tailor::cli {

namespace fs = std::filesystem;

bool write_outputs(const std::string& dir, const std::vector<named_output>& files, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  std::vector<std::pair<fs::path, fs::path>> staged;
  auto discard = [&] {
    for (auto& [tmp, _] : staged) fs::remove(tmp, ec);
  };
  for (const auto& [name, content] : files) {
    const fs::path final_path = fs::path(dir) / name;
    const fs::path tmp = fs::path(dir) / ("." + name + ".tmp");
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content->data(), static_cast<std::streamsize>(content->size()));
    out.close();
    staged.emplace_back(tmp, final_path);
    if (!out) {
      error = "cannot write " + tmp.string();
      discard();
      return false;
    }
  }
  for (auto& [tmp, final_path] : staged) {
    fs::rename(tmp, final_path, ec);
    if (ec) {
      error = "cannot rename " + tmp.string() + " to " + final_path.string() + ": " + ec.message();
      discard();
      return false;
    }
  }
  return true;
}

std::optional<int64_t> parse_integer(const std::string& text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace tailor::cli
