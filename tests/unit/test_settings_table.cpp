// The settings tables, walked: for every key of both tables (so a new key is covered
// without touching this file), a valid non-default value round-trips through
// `coagent train --print-config` and `--config`, and `coagent train --help` shows
// the key's default and range.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "coagent/run.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"

namespace coagent {
namespace {

// `coagent ARGS...`: its exit code and its stdout.
std::pair<int, std::string> coagent(std::vector<std::string> args) {
  args.insert(args.begin(), "coagent");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  const int rc = cli::run(static_cast<int>(argv.size()), argv.data());
  std::fflush(stdout);
  return {rc, testing::internal::GetCapturedStdout()};
}

// The alternatives of "a, b or c".
std::vector<std::string> alternatives(std::string s) {
  std::vector<std::string> out;
  for (std::size_t p; (p = s.find(", ")) != std::string::npos || (p = s.find(" or ")) != std::string::npos;) {
    out.push_back(s.substr(0, p));
    s = s.substr(p + (s[p] == ',' ? 2 : 4));
  }
  out.push_back(s);
  return out;
}

// A valid value other than the default, from the key's range text alone.
template <class Set>
std::string other_value(const SettingInfo& s, const Set& accepts) {
  std::string range = s.range_text;
  const bool per_layer = range.rfind("each ", 0) == 0;
  if (per_layer) range = range.substr(range.find(' ') + 1);
  if (range.rfind("each in ", 0) == 0 || range.rfind("in ", 0) == 0) range = range.substr(range.find('['));
  if (range.rfind("comma-separated widths", 0) == 0) return "5,3";
  if (range == "true or false") return s.default_text == "true" ? "false" : "true";
  if (range.front() == '[') {
    const double lo = std::stod(range.substr(1));
    const double hi = std::stod(range.substr(range.find(',') + 1));
    const double d = per_layer ? std::stod(s.default_text) : std::stod(s.default_text);
    const double in = d >= lo && d <= hi ? d : lo;
    if (accepts(s.key, "0.5") ) {  // a real number: between the default and a bound
      const double v = in < hi ? in + (std::min(hi, in + 1.0) - in) / 2 : (lo + in) / 2;
      return fmt::format("{}", v);
    }
    return fmt::format("{}", static_cast<long long>(in < hi ? in + 1 : in - 1));
  }
  const std::string first = s.default_text.substr(0, s.default_text.find(','));
  for (const auto& a : alternatives(range))
    if (a != first) return a;
  ADD_FAILURE() << s.key << ": no alternative in '" << s.range_text << "'";
  return s.default_text;
}

std::string line_of(const std::string& text, const std::string& key) {
  const std::size_t p = text.find("\n" + key + " = ");
  const std::size_t start = p == std::string::npos ? (text.rfind(key + " = ", 0) == 0 ? 0 : p) : p + 1;
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("coagent-settings-" + std::to_string(::getpid()) + ".toml");
  ~TempFile() { std::filesystem::remove(path); }
};

void expect_round_trip(const std::string& key, std::vector<std::string> flags,
                       const std::vector<std::string>& base, const std::string& printed_key) {
  std::vector<std::string> args = {"train"};
  args.insert(args.end(), base.begin(), base.end());
  const auto [rc0, defaults] = coagent([&] { auto a = args; a.push_back("--print-config"); return a; }());
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--print-config");
  const auto [rc1, first] = coagent(args);
  ASSERT_EQ(rc0, 0);
  ASSERT_EQ(rc1, 0) << key;
  EXPECT_NE(line_of(first, printed_key), "") << key << ": not printed:\n" << first;
  EXPECT_NE(line_of(first, printed_key), line_of(defaults, printed_key)) << key << ": no effect";
  TempFile f;
  std::ofstream(f.path) << first;
  const auto [rc2, second] = coagent({"train", "--config", f.path.string(), "--print-config"});
  ASSERT_EQ(rc2, 0) << key;
  EXPECT_EQ(second, first) << key;
}

TEST(SettingsTable, EveryLocalKeyRoundTripsThroughPrintConfigAndConfig) {
  auto accepts = [](const std::string& key, const char* v) {
    TrainConfig c;
    try { set_config_entry(c, key, v); } catch (const std::invalid_argument&) { return false; }
    return true;
  };
  ASSERT_FALSE(config_settings().empty());
  for (const SettingInfo& s : config_settings()) {
    SCOPED_TRACE(s.key);
    const std::string v = other_value(s, accepts);
    TrainConfig c;  // the library-level round trip as well
    ASSERT_NO_THROW(set_config_entry(c, s.key, v)) << v;
    ASSERT_NO_THROW(c.validate()) << v;
    EXPECT_EQ(config_to_text(parse_config_text(config_to_text(c))), config_to_text(c));
    EXPECT_NE(config_to_text(c), config_to_text(TrainConfig{}));
    expect_round_trip(s.key, {"--" + s.key, v}, {}, s.key);
  }
}

TEST(SettingsTable, EveryDdpgKeyRoundTripsThroughPrintConfigAndConfig) {
  auto accepts = [](const std::string& key, const char* v) {
    DdpgConfig c;
    try { set_ddpg_config_entry(c, key, v); } catch (const std::invalid_argument&) { return false; }
    return true;
  };
  ASSERT_FALSE(ddpg_config_settings().empty());
  for (const SettingInfo& s : ddpg_config_settings()) {
    SCOPED_TRACE(s.key);
    const std::string v = other_value(s, accepts);
    DdpgConfig c;
    ASSERT_NO_THROW(set_ddpg_config_entry(c, s.key, v)) << v;
    ASSERT_NO_THROW(c.validate()) << v;
    expect_round_trip(s.key, {"--ddpg-" + s.key, v}, {"--algo", "ddpg"}, "ddpg-" + s.key);
  }
}

// --algo ddpg prints the shared keys and the ddpg-* keys, nothing local.
TEST(SettingsTable, DdpgPrintConfigHasSharedAndDdpgKeysOnly) {
  const auto [rc, text] = coagent({"train", "--algo", "ddpg", "--print-config"});
  ASSERT_EQ(rc, 0);
  for (const SettingInfo& s : config_settings())
    EXPECT_EQ(line_of(text, s.key).empty(), !setting_applies(s.key, Algo::ddpg)) << s.key << "\n" << text;
  for (const SettingInfo& s : ddpg_config_settings())
    EXPECT_NE(line_of(text, "ddpg-" + s.key), "") << s.key;
}

// Which algorithms read a key, and which keys a resumed run may change, are columns of
// the table: DDPG reads the five shared keys, ARS those and threads, local every key.
TEST(SettingsTable, AlgorithmAndResumeColumns) {
  std::vector<std::string> ddpg, ars, resumable;
  for (const SettingInfo& s : config_settings()) {
    EXPECT_TRUE(setting_applies(s.key, Algo::local)) << s.key;
    if (setting_applies(s.key, Algo::ddpg)) ddpg.push_back(s.key);
    if (setting_applies(s.key, Algo::ars)) ars.push_back(s.key);
    if (resumable_setting(s.key)) resumable.push_back(s.key);
  }
  EXPECT_EQ(ddpg, (std::vector<std::string>{"algo", "env", "steps", "seed", "eval-episodes"}));
  EXPECT_EQ(ars, (std::vector<std::string>{"algo", "env", "steps", "seed", "eval-episodes", "threads"}));
  EXPECT_EQ(resumable,
            (std::vector<std::string>{"steps", "eval-episodes", "mode", "threads", "shard-size"}));
  EXPECT_FALSE(setting_applies("no-such-key", Algo::local));
  EXPECT_EQ(not_resumable_message("gamma"),
            "--gamma cannot be changed when resuming (only --steps, --eval-episodes, --mode, "
            "--threads and --shard-size can)");
}

TEST(SettingsTable, HelpShowsEveryDefaultAndRange) {
  const auto [rc, help] = coagent({"train", "--help"});
  EXPECT_EQ(rc, 0);
  auto expect_listed = [&](const std::string& flag, const SettingInfo& s) {
    const std::size_t p = help.find("  " + flag + " ");
    ASSERT_NE(p, std::string::npos) << flag;
    const std::string line = help.substr(p, help.find('\n', p) - p);
    const std::string d = s.default_text.empty() ? "\"\"" : s.default_text;
    EXPECT_NE(line.find("(default: " + d + "; range: " + s.range_text + ")"), std::string::npos)
        << line;
    EXPECT_FALSE(s.help.empty()) << flag;
  };
  for (const SettingInfo& s : config_settings()) expect_listed("--" + s.key, s);
  for (const SettingInfo& s : ddpg_config_settings()) expect_listed("--ddpg-" + s.key, s);
}

// Per-layer lists: 1 value (every layer), 2 (hidden,output) or one per layer, at any depth.
TEST(SettingsTable, TwoValueListsAreHiddenThenOutput) {
  for (const char* hidden : {"", "4", "4,4", "4,4,4,4"}) {
    TrainConfig c;
    set_config_entry(c, "hidden", hidden);
    set_config_entry(c, "noise-scale", "0.25,0.75");
    set_config_entry(c, "init-scale", "2,1");
    set_config_entry(c, "noise", "gaussian,ou");
    const auto specs = c.layer_specs(1);
    for (std::size_t l = 0; l < specs.size(); ++l) {
      const bool out = l + 1 == specs.size();
      EXPECT_EQ(specs[l].noise_scale, out ? 0.75 : 0.25) << hidden << " layer " << l;
      EXPECT_EQ(specs[l].init_scale, out ? 1.0 : 2.0);
      EXPECT_EQ(specs[l].noise, out ? NoiseKind::ou : NoiseKind::gaussian);
    }
  }
  RunSettings deep = resolve_settings("mountaincar", "", {{"hidden", "32,32,32"}}, {});
  const auto specs = deep.cfg.layer_specs(1);
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[2].noise_scale, specs[0].noise_scale);
  EXPECT_NE(specs[3].noise_scale, specs[0].noise_scale);
}

}  // namespace
}  // namespace coagent
