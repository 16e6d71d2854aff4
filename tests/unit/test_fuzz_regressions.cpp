// Fuzz regressions: every seed-corpus file and every crashing input the fuzzers
// found (tests/fuzz/{corpus,regressions}/NAME/) goes through the fuzz target's own
// entry point, which must return or throw the reader's documented exception type.
// A crash here, or any other exception, is a reader bug come back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

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

std::vector<std::uint8_t> bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every input of `name` through `entry`; only `Documented` may escape it.
template <class Documented>
void expect_each_input_handled(const std::string& name,
                               const std::function<void(const std::uint8_t*, std::size_t)>& entry) {
  const auto files = inputs_of(name);
  ASSERT_FALSE(files.empty()) << "no inputs under " << COAGENT_SOURCE_DIR << "/tests/fuzz/*/"
                              << name;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto bytes = bytes_of(file);
    try {
      entry(bytes.data(), bytes.size());
    } catch (const Documented&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << " threw " << typeid(e).name() << ": " << e.what();
    }
  }
}

TEST(FuzzRegressions, CheckpointInputsLoadOrThrowRuntimeError) {
  expect_each_input_handled<std::runtime_error>("checkpoint", fuzz_checkpoint_input);
}

TEST(FuzzRegressions, ConfigInputsParseOrThrowInvalidArgument) {
  expect_each_input_handled<std::invalid_argument>("config", fuzz_config_input);
}

TEST(FuzzRegressions, ReplayInputsParseOrThrowInvalidArgument) {
  expect_each_input_handled<std::invalid_argument>("replay", fuzz_replay_input);
}

}  // namespace
}  // namespace coagent::fuzz
