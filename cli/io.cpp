#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"

namespace tailor::cli {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool read_input(const std::string& path, std::string& out) {
  if (path != "-") return read_file(path, out);
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  out = ss.str();
  return !std::cin.bad();
}

bool write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

std::string flag(const args& a, const std::string& name, const std::string& fallback) {
  const std::string key = "--" + name;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == key && i + 1 < a.size()) return a[i + 1];
    if (a[i].rfind(key + "=", 0) == 0) return a[i].substr(key.size() + 1);
  }
  return fallback;
}

bool has_flag(const args& a, const std::string& name) {
  const std::string key = "--" + name;
  for (const auto& s : a) {
    if (s == key || s.rfind(key + "=", 0) == 0) return true;
  }
  return false;
}

std::vector<std::string> positional(const args& a) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].rfind("--", 0) == 0) {
      // `--flag value` consumes the next argument unless it is itself a flag.
      if (a[i].find('=') == std::string::npos && i + 1 < a.size() && a[i + 1].rfind("--", 0) != 0) ++i;
      continue;
    }
    out.push_back(a[i]);
  }
  return out;
}

bool number_flag(const args& a, const std::string& name, double& out) {
  if (!has_flag(a, name)) return true;
  const std::string v = flag(a, name);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d)) {
    std::cerr << "tailor: --" << name << " expects a number, got \"" << v << "\"\n";
    return false;
  }
  out = d;
  return true;
}

bool count_flag(const args& a, const std::string& name, uint32_t& out) {
  double d = out;
  if (!number_flag(a, name, d)) return false;
  if (d < 0 || d > 4294967295.0 || d != std::floor(d)) {
    std::cerr << "tailor: --" << name << " expects a whole number >= 0, got \"" << flag(a, name) << "\"\n";
    return false;
  }
  out = static_cast<uint32_t>(d);
  return true;
}

}  // namespace tailor::cli
