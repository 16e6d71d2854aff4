// Fuzz regressions: every seed-corpus file and every crashing input the fuzzers
// found (tests/fuzz/{corpus,regressions}/NAME/) goes through the fuzz target's own
// entry point, which must return or throw the reader's documented exception type.
// A crash here, or any other exception, is a reader bug come back.
//
// That contract alone would still hold if a reader refused everything, so each
// input is also classified below: which reader must accept it (and then its result
// must round-trip) and which must refuse it, with a message naming the problem.
// An input missing from the tables fails the test: classify it when adding it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "coagent/run.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::fuzz {

// Defined in tests/fuzz/fuzz_*.cpp (compiled here with COAGENT_FUZZ_NO_MAIN).
void fuzz_checkpoint_input(const std::uint8_t* data, std::size_t size);
void fuzz_config_input(const std::uint8_t* data, std::size_t size);
void fuzz_replay_input(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// The files of tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME, sorted;
// names starting with '.' (.gitkeep) are not inputs.
std::vector<fs::path> inputs_of(const std::string& name) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(COAGENT_SOURCE_DIR) / "tests" / "fuzz" / kind / name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
        files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "corpus/config/default.toml" for .../tests/fuzz/corpus/config/default.toml.
std::string key_of(const fs::path& p) {
  return (p.parent_path().parent_path().filename() / p.parent_path().filename() / p.filename())
      .string();
}

std::vector<std::uint8_t> bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the input through `entry`; returns whether it threw `Documented`. Any other
// exception is a failure.
template <class Documented>
bool entry_rejects(const std::function<void(const std::uint8_t*, std::size_t)>& entry,
                   const std::vector<std::uint8_t>& bytes) {
  try {
    entry(bytes.data(), bytes.size());
  } catch (const Documented&) {
    return true;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw " << typeid(e).name() << ": " << e.what();
  }
  return false;
}

// The message of the exception `f` throws ("" if it returns).
template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// What must happen to one input: accepted (message empty) or refused with an error
// containing `message`.
struct Want {
  std::string message;
  bool accept() const { return message.empty(); }
};

// Counts accepted and refused classified inputs; both must be nonzero.
struct Tally {
  int accepted = 0, refused = 0;
};

// --- checkpoints ----------------------------------------------------------------------

const std::map<std::string, Want> kCheckpoints = {
    {"corpus/checkpoint/chain-compatible-2envs.bin", {}},
    {"corpus/checkpoint/chain-h4.bin", {}},
    {"corpus/checkpoint/chain-nohidden.bin", {}},
    {"corpus/checkpoint/ddpg-pendulum-h8.bin", {}},
    {"corpus/checkpoint/ars-pendulum-h4.bin", {}},
    {"corpus/checkpoint/mountaincar-h4.bin", {}},
    {"corpus/checkpoint/mountaincar-perturb-h4-2envs.bin", {}},
    {"corpus/checkpoint/pendulum-h3-async.bin", {}},
    {"corpus/checkpoint/pendulum-dfa-h4.bin", {}},
    {"corpus/checkpoint/synthetic-h2.bin", {}},
    {"corpus/checkpoint/chain-h4-nan-weight.bin", {"weights is nan"}},
    {"regressions/checkpoint/oom-huge-hidden-layers.bin", {"settings describe a network of at least"}},
    {"regressions/checkpoint/oom-many-envs-wide-layer.bin", {"settings describe a network of at least"}},
    {"regressions/checkpoint/oom-ars-huge-policy.bin", {"parameters run past the end"}},
};

// A scratch path, removed at the end of the test.
struct ScratchPath {
  fs::path path = fs::temp_directory_path() /
                  ("coagent-fuzz-rt-" + std::to_string(::getpid()) + ".bin");
  ~ScratchPath() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

TEST(FuzzRegressions, CheckpointInputsLoadOrThrowRuntimeError) {
  const auto files = inputs_of("checkpoint");
  ASSERT_FALSE(files.empty());
  Tally tally;
  ScratchPath scratch;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto it = kCheckpoints.find(key_of(file));
    if (it == kCheckpoints.end()) {
      ADD_FAILURE() << "unclassified input " << key_of(file) << ": add it to kCheckpoints";
      continue;
    }
    const auto bytes = bytes_of(file);
    const bool rejected = entry_rejects<std::runtime_error>(fuzz_checkpoint_input, bytes);
    if (!it->second.accept()) {
      ++tally.refused;
      EXPECT_TRUE(rejected) << "a file that must be refused was accepted";
      const std::string e =
          error_of<std::runtime_error>([&] { load_learner(file.string()); });
      EXPECT_NE(e.find(file.string()), std::string::npos) << "the error names the path: " << e;
      EXPECT_NE(e.find(it->second.message), std::string::npos)
          << "expected '" << it->second.message << "' in: " << e;
      continue;
    }
    ++tally.accepted;
    EXPECT_FALSE(rejected) << "a valid checkpoint was refused: "
                           << error_of<std::runtime_error>([&] { load_learner(file.string()); });
    if (rejected) continue;
    // Round trip: what was loaded saves as the same bytes.
    const auto loaded = load_learner(file.string());
    loaded->save(scratch.path.string());
    const auto again = load_learner(scratch.path.string());
    EXPECT_EQ(again->digest(), loaded->digest());
    EXPECT_EQ(config_to_text(again->config()), config_to_text(loaded->config()));
    EXPECT_EQ(again->steps_done(), loaded->steps_done());
    EXPECT_TRUE(bytes_of(scratch.path) == bytes) << "saving the loaded run changed the file";
  }
  EXPECT_GT(tally.accepted, 0);
  EXPECT_GT(tally.refused, 0);
}

// --- settings -------------------------------------------------------------------------

// Per reader: `coagent train --config` (TOML) and a checkpoint's settings block.
struct ConfigWant {
  Want toml, text;
};

const std::map<std::string, ConfigWant> kConfigs = {
    {"corpus/config/default.toml", {{}, {}}},
    {"corpus/config/mountaincar-compatible.toml", {{}, {}}},
    // TOML arrays, literal strings and comments: one reader (read_settings_text) for both.
    {"corpus/config/comments-and-arrays.toml", {{}, {}}},
    {"corpus/config/multi-layer.toml", {{}, {}}},
    {"corpus/config/bad-values.toml", {{"'hebb'"}, {"'hebb'"}}},
    {"corpus/config/crlf-and-quotes.toml", {{"steps"}, {"steps"}}},
    {"corpus/config/section.toml", {{"train"}, {"line 2"}}},
    // Found by tools/fuzz config: a bare env value with a quote printed as `env = "..""`.
    {"regressions/config/env-with-quote.toml", {{"contains a quote"}, {"contains a quote"}}},
    // and one whose value ends with a blank (readers trim, so it read back without it).
    {"regressions/config/env-with-trailing-blank.toml",
     {{"ends with a blank"}, {"ends with a blank"}}},
};

TEST(FuzzRegressions, ConfigInputsParseOrThrowInvalidArgument) {
  const auto files = inputs_of("config");
  ASSERT_FALSE(files.empty());
  Tally tally;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto it = kConfigs.find(key_of(file));
    if (it == kConfigs.end()) {
      ADD_FAILURE() << "unclassified input " << key_of(file) << ": add it to kConfigs";
      continue;
    }
    const auto bytes = bytes_of(file);
    const std::string text(bytes.begin(), bytes.end());
    const bool rejected = entry_rejects<std::invalid_argument>(fuzz_config_input, bytes);
    EXPECT_EQ(rejected, !it->second.toml.accept() || !it->second.text.accept());
    TrainConfig from_toml;
    const std::string toml_error = error_of<std::invalid_argument>([&] {
      apply_config_toml(text, from_toml, "corpus.toml");
      from_toml.validate();
    });
    TrainConfig from_text;
    const std::string text_error =
        error_of<std::invalid_argument>([&] { from_text = parse_config_text(text); });
    const std::pair<const Want&, const std::string&> readers[] = {{it->second.toml, toml_error},
                                                                  {it->second.text, text_error}};
    for (const auto& [want, error] : readers) {
      if (want.accept()) {
        ++tally.accepted;
        EXPECT_EQ(error, "");
      } else {
        ++tally.refused;
        EXPECT_NE(error.find(want.message), std::string::npos)
            << "expected '" << want.message << "' in: '" << error << "'";
      }
    }
    // An accepted file means what it says, whichever reader read it.
    if (it->second.toml.accept() && it->second.text.accept()) {
      EXPECT_EQ(config_to_text(from_toml), config_to_text(from_text));
    }
    if (it->second.toml.accept()) {
      EXPECT_NE(config_to_text(from_toml), config_to_text(TrainConfig{}))
          << "the file's settings were not applied";
    }
  }
  EXPECT_GT(tally.accepted, 0);
  EXPECT_GT(tally.refused, 0);
}

// --- replay lines ---------------------------------------------------------------------

// Per environment, whether the input is a valid `coagent replay --state LINE1` with
// the other lines as actions: environments listed are the ones that must refuse it,
// with the first error containing the message given; the others must accept it.
using ReplayWant = std::map<std::string, std::string>;

const std::map<std::string, ReplayWant> kReplays = {
    {"corpus/replay/simple.txt", {{"synthetic", "replay: line 1: 1 values, expected 16"}}},
    {"corpus/replay/crlf.txt",
     {{"mountaincar", "mountaincar: state has 1 values, expected 2"},
      {"pendulum", "pendulum: state has 1 values, expected 2"},
      {"synthetic", "synthetic: state has 1 values, expected 64"}}},
    {"corpus/replay/extremes.txt",
     {{"chain", "chain: state has 2 values, expected 1"},
      {"synthetic", "synthetic: state has 2 values, expected 64"}}},
    {"corpus/replay/long.txt",
     {{"chain", "chain: state has 2 values, expected 1"},
      {"synthetic", "synthetic: state has 2 values, expected 64"}}},
    {"corpus/replay/bad.txt",
     {{"chain", "chain: state has 2 values, expected 1"},
      {"mountaincar", "mountaincar: position 3.14"},
      {"pendulum", "replay: line 1: 'nan'"},
      {"synthetic", "synthetic: state has 2 values, expected 64"}}},
};

// The errors `coagent replay` would report for `env` (the fuzz target's loop).
std::vector<std::string> replay_errors(std::string_view text, const std::string& name) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  std::vector<std::string> errors;
  auto env = make_env(name);
  std::vector<double> obs(env->observation_size());
  env->reset(0, obs);
  auto note = [&](const std::function<void()>& f) {
    const std::string e = error_of<std::invalid_argument>(f);
    if (!e.empty()) errors.push_back(e);
  };
  if (!lines.empty() && !lines[0].empty())
    note([&] { env->set_state(parse_state(lines[0], "--state")); });
  for (std::size_t i = 1; i < lines.size(); ++i)
    note([&] {
      const auto a = parse_action_line(lines[i], env->action_size(), static_cast<long>(i));
      if (a.empty()) return;
      const StepResult r = env->step(a, obs);
      if (r.terminated || r.truncated) env->reset(std::nullopt, obs);
    });
  return errors;
}

TEST(FuzzRegressions, ReplayInputsParseOrThrowInvalidArgument) {
  const auto files = inputs_of("replay");
  ASSERT_FALSE(files.empty());
  Tally tally;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto it = kReplays.find(key_of(file));
    if (it == kReplays.end()) {
      ADD_FAILURE() << "unclassified input " << key_of(file) << ": add it to kReplays";
      continue;
    }
    const auto bytes = bytes_of(file);
    const bool rejected = entry_rejects<std::invalid_argument>(fuzz_replay_input, bytes);
    bool valid_everywhere = true;
    for (const auto& name : builtin_env_names()) {
      if (envs::is_mujoco_task(name)) continue;  // as fuzz_replay_input
      const auto errors = replay_errors(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                         bytes.size()),
                                        name);
      const auto refusal = it->second.find(name);
      if (refusal == it->second.end()) {
        ++tally.accepted;
        EXPECT_TRUE(errors.empty()) << name << ": " << (errors.empty() ? "" : errors[0]);
      } else {
        ++tally.refused;
        valid_everywhere = false;
        ASSERT_FALSE(errors.empty()) << name << " accepted an input it must refuse";
        EXPECT_NE(errors[0].find(refusal->second), std::string::npos)
            << name << ": expected '" << refusal->second << "' in: " << errors[0];
      }
    }
    EXPECT_EQ(rejected, !valid_everywhere);
  }
  EXPECT_GT(tally.accepted, 0);
  EXPECT_GT(tally.refused, 0);
}

// bad.txt: each kind of bad action line is refused with a message naming the line.
TEST(FuzzRegressions, ReplayBadLinesAreEachNamed) {
  const auto bytes = bytes_of(fs::path(COAGENT_SOURCE_DIR) / "tests/fuzz/corpus/replay/bad.txt");
  const auto errors =
      replay_errors(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                    "pendulum");
  ASSERT_EQ(errors.size(), 4u);  // nan, inf, "1 2", 0x1p3 (the state line is valid here)
  EXPECT_NE(errors[0].find("replay: line 1: 'nan'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("replay: line 2: 'inf'"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("replay: line 3: 2 values, expected 1"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("replay: line 5: '0x1p3'"), std::string::npos) << errors[3];
}

}  // namespace
}  // namespace coagent::fuzz
