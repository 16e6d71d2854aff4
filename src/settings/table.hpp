// src/settings/table.hpp — the machinery behind the settings tables (internal).
//
// A settings table lists every key of one configuration struct exactly once: its
// member, its range or allowed values and its help text. Printing (entries), parsing
// (set), validation, the CLI's help and flags all walk the table, so a key added to
// a table is everywhere at once. The default of a key is its value in the
// default-constructed struct.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/config.hpp"

namespace coagent::settings {

[[noreturn]] inline void bad(std::string_view what, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(
      fmt::format("{}: '{}' is not valid, expected {}", what, value, expected));
}

std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);
bool parse_bool(std::string_view text, std::string_view what);

// "a, b or c".
template <class E>
std::string alternatives(const std::vector<E>& values) {
  std::string s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) s += i + 1 == values.size() ? " or " : ", ";
    s += to_string(values[i]);
  }
  return s;
}
template <class E>
std::string alternatives(std::initializer_list<E> values) {
  return alternatives(std::vector<E>(values));
}

// One enum value's name, for name_of: a table of these stands in for a switch in
// each enum's to_string.
template <class E>
struct Named {
  E value;
  std::string_view name;
};
template <class E, std::size_t N>
constexpr std::string_view name_of(E v, const Named<E> (&names)[N]) noexcept {
  for (const Named<E>& n : names)
    if (n.value == v) return n.name;
  return "?";
}

template <class E>
E parse_choice(std::string_view s, std::string_view what, std::initializer_list<E> values) {
  for (E v : values)
    if (to_string(v) == s) return v;
  bad(what, s, alternatives(values));
}

// How a table words its messages and prints its values.
struct Style {
  std::string prefix;           // before the key in messages ("ddpg ")
  bool integer_words = false;   // "expected an integer in [lo, hi]" for integer keys
  bool ints_on_set = true;      // integer ranges are checked when a value is set, too
};

template <class Cfg>
struct Setting {
  std::string key;
  std::string help;
  std::string range;    // for --help: "[0, 1]", "linear, compatible or perturb", ...
  bool textual = false; // a string, list or choice (quoted in config text)
  // TrainConfig's columns: which algorithms read the key (a bit per Algo; its table
  // gives local every key) and whether a running or resumed run may change it.
  unsigned algos = 0;
  bool resumable = false;
  std::function<std::string(const Cfg&)> get;
  std::function<void(Cfg&, std::string_view value, const std::string& what)> set;
  std::function<void(const Cfg&, const std::string& what)> check;  // validate()
};

template <class Cfg>
struct Table {
  Style style;
  std::vector<Setting<Cfg>> rows;

  std::string what(const Setting<Cfg>& s) const { return style.prefix + s.key; }

  const Setting<Cfg>* find(std::string_view key) const {
    for (const auto& s : rows)
      if (s.key == key) return &s;
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> entries(const Cfg& c, bool quote) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : rows) {
      std::string v = s.get(c);
      out.emplace_back(s.key, quote && s.textual ? fmt::format("\"{}\"", v) : std::move(v));
    }
    return out;
  }
  // False for an unknown key.
  bool set(Cfg& c, std::string_view key, std::string_view raw) const {
    const Setting<Cfg>* s = find(key);
    if (!s) return false;
    std::string_view value = trim(raw);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    s->set(c, value, what(*s));
    return true;
  }
  void validate(const Cfg& c) const {
    for (const auto& s : rows)
      if (s.check) s.check(c, what(s));
  }
  std::vector<SettingInfo> infos() const {
    const Cfg defaults{};
    std::vector<SettingInfo> out;
    for (const auto& s : rows) {
      std::vector<std::string> algos;
      for (Algo a : {Algo::local, Algo::ddpg, Algo::ars})
        if (s.algos & (1u << static_cast<unsigned>(a))) algos.emplace_back(to_string(a));
      out.push_back({s.key, s.help, s.get(defaults), s.range, std::move(algos), s.resumable});
    }
    return out;
  }
  std::string text(const Cfg& c, std::string_view key_prefix) const {
    std::string out;
    for (const auto& [k, v] : entries(c, true)) out += fmt::format("{}{} = {}\n", key_prefix, k, v);
    return out;
  }

  // --- the kinds of rows ---------------------------------------------------------

  static void check_range(const Style& st, const std::string& what, double v, double lo,
                          double hi, bool integer) {
    if (v >= lo && v <= hi) return;
    if (integer && st.integer_words)
      throw std::invalid_argument(fmt::format(
          "{}: {} is out of range, expected an integer in [{}, {}]", what,
          static_cast<std::int64_t>(v), static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)));
    throw std::invalid_argument(fmt::format(
        "{}: {} is out of range, expected a value in [{}, {}]", what, v, lo, hi));
  }
  static std::string range_text(double lo, double hi) { return fmt::format("[{}, {}]", lo, hi); }

  // A floating-point number in [lo, hi]; `negative_ok`: any negative value is also
  // allowed (a "use the default" sentinel).
  template <class M>
  Table& real(std::string key, M Cfg::*m, double lo, double hi, std::string help,
              bool negative_ok = false) {
    Setting<Cfg> s{std::move(key), std::move(help), range_text(lo, hi), false, false, {}, {}, {}};
    if (negative_ok) s.range += " or negative";
    s.get = [m](const Cfg& c) { return fmt::format("{}", c.*m); };
    s.set = [m](Cfg& c, std::string_view v, const std::string& what) { c.*m = parse_double(v, what); };
    s.check = [st = style, m, lo, hi, negative_ok](const Cfg& c, const std::string& what) {
      const double v = c.*m;
      if (!negative_ok || v >= 0.0 || !std::isfinite(v)) check_range(st, what, v, lo, hi, false);
    };
    rows.push_back(std::move(s));
    return *this;
  }
  // An integer in [lo, hi]; `validated` false: checked when set only.
  template <class M>
  Table& integer(std::string key, M Cfg::*m, double lo, double hi, std::string help,
                 bool validated = true) {
    Setting<Cfg> s{std::move(key), std::move(help),
                   fmt::format("[{}, {}]", static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)),
                   false, false, {}, {}, {}};
    s.get = [m](const Cfg& c) { return fmt::format("{}", c.*m); };
    s.set = [st = style, m, lo, hi](Cfg& c, std::string_view v, const std::string& what) {
      const std::int64_t x = parse_int(v, what);
      if (st.ints_on_set) check_range(st, what, static_cast<double>(x), lo, hi, true);
      c.*m = static_cast<M>(x);
    };
    if (validated)
      s.check = [st = style, m, lo, hi](const Cfg& c, const std::string& what) {
        check_range(st, what, static_cast<double>(c.*m), lo, hi, true);
      };
    rows.push_back(std::move(s));
    return *this;
  }
  template <class E>
  Table& choice(std::string key, E Cfg::*m, std::initializer_list<E> values, std::string help) {
    return choice(std::move(key), m, std::vector<E>(values), std::move(help));
  }
  template <class E>
  Table& choice(std::string key, E Cfg::*m, std::vector<E> all, std::string help) {
    Setting<Cfg> s;
    s.key = std::move(key);
    s.help = std::move(help);
    s.range = alternatives(all);
    s.textual = true;
    s.get = [m](const Cfg& c) { return std::string(to_string(c.*m)); };
    s.set = [m, all](Cfg& c, std::string_view v, const std::string& what) {
      for (E e : all)
        if (to_string(e) == v) {
          c.*m = e;
          return;
        }
      bad(what, v, alternatives(all));
    };
    s.check = [m, all](const Cfg& c, const std::string& what) {
      for (E e : all)
        if (c.*m == e) return;
      throw std::invalid_argument(fmt::format("{}: unknown kind", what));
    };
    rows.push_back(std::move(s));
    return *this;
  }
  Table& text(std::string key, std::string Cfg::*m, std::string range, std::string help) {
    Setting<Cfg> s{std::move(key), std::move(help), std::move(range), true, false, {}, {}, {}};
    s.get = [m](const Cfg& c) { return c.*m; };
    // A name prints quoted and must read back: no quotes, backslashes, '#' or control
    // characters (the fuzzer found `env = a"` printing as a text that does not parse),
    // and no blank at either end (readers trim; found as `env = 'x '`).
    s.set = [m](Cfg& c, std::string_view v, const std::string& what) {
      if (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' ||
                         v.back() == '\t'))
        throw std::invalid_argument(
            fmt::format("{}: '{}' starts or ends with a blank", what, v));
      for (char ch : v)
        if (ch == '"' || ch == '\'' || ch == '\\' || ch == '#' ||
            static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
          throw std::invalid_argument(fmt::format(
              "{}: '{}' contains a quote, backslash, '#' or control character", what, v));
      c.*m = std::string(v);
    };
    rows.push_back(std::move(s));
    return *this;
  }
  Table& flag(std::string key, bool Cfg::*m, std::string help) {
    Setting<Cfg> s{std::move(key), std::move(help), "true or false", false, false, {}, {}, {}};
    s.get = [m](const Cfg& c) { return std::string(c.*m ? "true" : "false"); };
    s.set = [m](Cfg& c, std::string_view v, const std::string& what) { c.*m = parse_bool(v, what); };
    rows.push_back(std::move(s));
    return *this;
  }
  // Hidden layer widths: at most 16, each in [1, 65536].
  Table& widths(std::string key, std::vector<int> Cfg::*m, std::string help) {
    Setting<Cfg> s{std::move(key), std::move(help),
                   "comma-separated widths, each in [1, 65536], at most 16 (\"\": none)", true,
                   false, {}, {}, {}};
    s.get = [m](const Cfg& c) { return fmt::format("{}", fmt::join(c.*m, ",")); };
    s.set = [m](Cfg& c, std::string_view v, const std::string& what) { c.*m = parse_widths(v, what); };
    s.check = [st = style, m](const Cfg& c, const std::string& what) {
      const auto& w = c.*m;
      if (w.size() > 16)
        throw std::invalid_argument(
            st.integer_words ? fmt::format("{}: {} hidden layers, expected at most 16", what, w.size())
                             : fmt::format("{}: at most 16 hidden layers", what));
      for (int x : w) check_range(st, what, x, 1, 65536, true);
    };
    rows.push_back(std::move(s));
    return *this;
  }
  // Marks the last row as read by these algorithms too (every algorithm: shared()).
  Table& also(std::initializer_list<Algo> algos) {
    for (Algo a : algos) rows.back().algos |= 1u << static_cast<unsigned>(a);
    return *this;
  }
  Table& shared() { return also({Algo::ddpg, Algo::ars}); }
  // Marks the last row as one a running or resumed run may change.
  Table& resumable() {
    rows.back().resumable = true;
    return *this;
  }
  Table& add(Setting<Cfg> s) {
    rows.push_back(std::move(s));
    return *this;
  }
};

// Resolves a per-layer list to one value per layer: empty (the defaults), one value
// (every layer), two (hidden layers, output layer) or one per layer.
template <class T>
std::vector<T> per_layer(const std::vector<T>& list, int layers, T hidden_default,
                         T output_default, std::string_view what) {
  std::vector<T> out(static_cast<std::size_t>(layers));
  const std::size_t n = list.size();
  if (n == 0 || n == 1 || (n == 2 && layers != 2)) {
    const T hidden = n == 0 ? hidden_default : list[0];
    const T output = n == 0 ? output_default : list[n - 1];
    for (int l = 0; l < layers; ++l) out[l] = l + 1 == layers ? output : hidden;
  } else if (static_cast<int>(n) == layers) {
    out = list;
  } else {
    const std::string counts =
        layers == 1 ? "1 (every layer) or 2 (hidden layers, output layer)"
        : layers == 2
            ? "1 (every layer) or 2 (one per layer: hidden layer, then the output layer)"
            : fmt::format("1 (every layer), 2 (hidden layers, output layer) or {} (one per "
                          "layer: hidden layers, then the output layer)", layers);
    throw std::invalid_argument(fmt::format("{}: {} values given, expected {}", what, n, counts));
  }
  return out;
}

// The table of a settings struct, built by `Make` on first use (thread-safe, once).
template <class Table, Table (*Make)()>
const Table& built_once() {
  static const Table t = Make();
  return t;
}

}  // namespace coagent::settings
