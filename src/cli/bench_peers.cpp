// src/cli/bench_peers.cpp — runs the peers' measurement script for `coagent bench`.
#include "cli/bench_peers.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace coagent::cli {
namespace {

namespace fs = std::filesystem;

// The checkout the binary was built in: build/coagent -> the folder above build/.
fs::path checkout() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path().parent_path();
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

nlohmann::json peer_rates(const std::string& env, int envs, const std::vector<int>& threads) {
  const fs::path root = checkout();
  fs::path script = root / "python/coagent/peer_rates.py";
  if (const char* s = std::getenv("COAGENT_PEER_RATES")) script = s;
  if (!fs::exists(script)) return {{"skipped", fmt::format("{} not found", script.string())}};
  std::string python = "python3";
  if (const char* p = std::getenv("COAGENT_PYTHON")) python = p;
  else if (fs::exists(root / ".venv/bin/python")) python = (root / ".venv/bin/python").string();
  const std::string cmd = fmt::format("{} {} --env {} --envs {} --threads {} 2>/dev/null", shell_quoted(python),
                                      shell_quoted(script.string()), shell_quoted(env), envs, fmt::join(threads, ","));
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return {{"skipped", "cannot run " + python}};
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return {{"skipped", fmt::format("{} printed no result (is it a Python with numpy?)", python)}};
  return j;
}

}  // namespace coagent::cli
