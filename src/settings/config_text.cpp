// src/settings/config_text.cpp — the one reader of settings text (read_settings_text)
// and the value parsers shared by the settings tables, the CLI and the replay reader.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "coagent/config.hpp"
#include "settings/table.hpp"

namespace coagent {
namespace settings {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = s.find(sep, start);
    out.push_back(trim(s.substr(start, pos == std::string_view::npos ? pos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

bool parse_bool(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  if (t == "true" || t == "1" || t == "on" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "off" || t == "no") return false;
  bad(what, text, "true or false");
}

}  // namespace settings

namespace {

using settings::trim;

// The reader's position in one line.
struct LineReader {
  std::string_view line;
  int line_no;
  std::size_t pos = 0;

  [[noreturn]] void fail(std::string_view why) const {
    throw std::invalid_argument(fmt::format("line {}: {} ('{}')", line_no, why, line));
  }
  void skip_blanks() {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  }
  bool at_end_or_comment() {
    skip_blanks();
    return pos == line.size() || line[pos] == '#';
  }
  // A "basic" (escapes \" \\ \t \n) or 'literal' string at pos.
  std::string quoted() {
    const char q = line[pos++];
    std::string out;
    while (pos < line.size() && line[pos] != q) {
      char c = line[pos++];
      if (q == '"' && c == '\\' && pos < line.size()) {
        c = line[pos++];
        c = c == 't' ? '\t' : c == 'n' ? '\n' : c;
      }
      out += c;
    }
    if (pos == line.size()) fail("unterminated string");
    ++pos;
    return out;
  }
  // A bare token: up to a blank, a comment, or one of `stops`.
  std::string bare(std::string_view stops) {
    const std::size_t start = pos;
    while (pos < line.size() && line[pos] != '#' && stops.find(line[pos]) == std::string_view::npos)
      ++pos;
    return std::string(trim(line.substr(start, pos - start)));
  }
  std::string key() {
    skip_blanks();
    if (pos < line.size() && (line[pos] == '"' || line[pos] == '\'')) return quoted();
    const std::size_t start = pos;
    while (pos < line.size() && (std::isalnum(static_cast<unsigned char>(line[pos])) ||
                                 line[pos] == '-' || line[pos] == '_'))
      ++pos;
    return std::string(line.substr(start, pos - start));
  }
  std::string item(std::string_view stops) {
    skip_blanks();
    if (pos < line.size() && (line[pos] == '"' || line[pos] == '\'')) return quoted();
    return bare(stops);
  }
  std::string value() {
    skip_blanks();
    if (pos == line.size() || line[pos] == '#') fail("missing value");
    if (line[pos] != '[') return item("");
    ++pos;  // an array: its items joined with ','
    std::string out;
    for (bool first = true;; first = false) {
      skip_blanks();
      if (pos < line.size() && line[pos] == ']') break;
      const std::string it = item(",]");
      out += (first ? "" : ",") + it;
      skip_blanks();
      if (pos < line.size() && line[pos] == ',') ++pos;
      else if (pos == line.size() || line[pos] != ']') fail("unterminated array");
    }
    ++pos;
    return out;
  }
};

}  // namespace

void read_settings_text(std::string_view text,
                        const std::function<void(std::string_view, std::string_view)>& set) {
  int line_no = 0;
  for (auto line : settings::split(text, '\n')) {
    LineReader r{line, ++line_no};
    if (r.at_end_or_comment()) continue;
    if (line.front() == '[') r.fail("sections are not supported");
    const std::string key = r.key();
    r.skip_blanks();
    if (r.pos < line.size() && line[r.pos] == '.') r.fail("dotted keys (sections) are not supported");
    if (key.empty() || r.pos == line.size() || line[r.pos] != '=')
      throw std::invalid_argument(
          fmt::format("line {}: expected 'key = value', got '{}'", line_no, line));
    ++r.pos;
    const std::string value = r.value();
    if (!r.at_end_or_comment()) r.fail("unexpected text after the value");
    set(key, value);
  }
}

double parse_double(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v))
    settings::bad(what, text, "a finite number");
  return v;
}

std::int64_t parse_int(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    settings::bad(what, text, "an integer");
  return v;
}

std::vector<int> parse_widths(std::string_view text, std::string_view what) {
  std::vector<int> out;
  if (trim(text).empty()) return out;  // no hidden layer
  for (auto part : settings::split(text, ',')) {
    const std::int64_t w = parse_int(part, what);
    if (w < 1 || w > 65536)
      settings::bad(what, text, "comma-separated layer widths, each in [1, 65536]");
    out.push_back(static_cast<int>(w));
  }
  if (out.size() > 16) settings::bad(what, text, "at most 16 hidden layers");
  return out;
}

std::vector<double> parse_double_list(std::string_view text, std::string_view what) {
  std::vector<double> out;
  for (auto part : settings::split(text, ',')) out.push_back(parse_double(part, what));
  return out;
}

std::vector<double> parse_state(std::string_view text, std::string_view what) {
  return parse_double_list(text, what);
}

std::vector<double> parse_action_line(std::string_view line, int expected, long line_no) {
  std::vector<double> values;
  const std::string what = fmt::format("replay: line {}", line_no);
  std::size_t pos = 0;
  auto is_sep = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; };
  while (pos < line.size()) {
    while (pos < line.size() && is_sep(line[pos])) ++pos;
    if (pos == line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && !is_sep(line[end])) ++end;
    values.push_back(parse_double(line.substr(pos, end - pos), what));
    pos = end;
  }
  if (!values.empty() && static_cast<int>(values.size()) != expected)
    throw std::invalid_argument(
        fmt::format("{}: {} values, expected {}", what, values.size(), expected));
  return values;
}

}  // namespace coagent
