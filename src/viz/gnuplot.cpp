// src/viz/gnuplot.cpp — finding and running gnuplot (see gnuplot.hpp).
#include "viz/gnuplot.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace coagent::viz {
namespace {

namespace fs = std::filesystem;

// The most useful line of gnuplot's stderr: its "line N: ..." message if any,
// otherwise the last non-empty line.
std::string gnuplot_error_line(const std::string& err) {
  std::string last, located;
  std::size_t start = 0;
  while (start < err.size()) {
    std::size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      line = line.substr(first);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      last = line;
      if (located.empty() && line.rfind("line ", 0) == 0) located = line;
    }
    start = end + 1;
  }
  return located.empty() ? last : located;
}

// A fresh, empty temporary file /tmp/coagent-<what>-XXXXXX; removed by the destructor.
struct TempFile {
  explicit TempFile(const char* what) {
    std::string pattern = fmt::format("/tmp/coagent-{}-XXXXXX", what);
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
      throw std::runtime_error(fmt::format("cannot create a temporary file for gnuplot's {}", what));
    ::close(fd);
    path = pattern;
  }
  ~TempFile() { ::unlink(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path;
};

// A path quoted for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs gnuplot on `script`. Returns the error line on failure, nothing on success.
std::optional<std::string> run_gnuplot(const std::string& script) {
  const std::optional<std::string> gnuplot = find_gnuplot();
  if (!gnuplot) return std::string("gnuplot is not installed (e.g. apt-get install gnuplot-nox)");
  TempFile script_file("script"), err_file("messages");
  {
    std::ofstream f(script_file.path, std::ios::binary);
    f << script;
    if (!f.flush()) return fmt::format("cannot write the gnuplot script '{}'", script_file.path);
  }
  const int status =
      std::system(fmt::format("{} {} < /dev/null > /dev/null 2> {}", shell_quote(*gnuplot),
                              shell_quote(script_file.path), shell_quote(err_file.path))
                      .c_str());
  std::string err;
  {
    std::ifstream in(err_file.path);
    err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (status == -1) return std::string("cannot start gnuplot");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return std::string("gnuplot is not installed (e.g. apt-get install gnuplot-nox)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string line = gnuplot_error_line(err);
    return line.empty() ? fmt::format("gnuplot exited with status {}", status) : line;
  }
  return std::nullopt;
}

}  // namespace

std::string gp_quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (c == '\n') {
      q += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      q += c;
    }
  }
  return q + '"';
}

std::string gp_num(double v) { return fmt::format("{:.6g}", v); }

std::string still_terminal(bool svg, int width, int height) {
  return svg ? fmt::format(
                   "set terminal svg size {},{} noenhanced font 'sans,12' background '#ffffff'",
                   width, height)
             : fmt::format("set terminal pngcairo size {},{} noenhanced font 'sans,11'", width,
                           height);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void check_output_path(const std::string& out, std::string_view flag) {
  if (out.empty()) throw std::invalid_argument(fmt::format("{}: empty output path", flag));
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw std::invalid_argument(fmt::format("{}: '{}' is a directory", flag, out));
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument(
        fmt::format("{}: directory '{}' of '{}' does not exist", flag, dir.string(), out));
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::invalid_argument(
        fmt::format("{}: directory '{}' is not writable", flag, dir.string()));
}

std::optional<std::string> find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "gnuplot";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

void render(const std::string& terminal, const std::string& body, const std::string& out) {
  const std::string tmp = fmt::format("{}.tmp.{}", out, ::getpid());
  const std::string script =
      fmt::format("{}\nset output {}\n{}\nunset output\n", terminal, gp_quote(tmp), body);
  const std::optional<std::string> error = run_gnuplot(script);
  std::error_code ec;
  if (error) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("gnuplot failed to write '{}': {}", out, *error));
  }
  if (!fs::is_regular_file(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("gnuplot wrote nothing for '{}'", out));
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("cannot rename '{}' to '{}'", tmp, out));
  }
}

}  // namespace coagent::viz
