// Checkpoint compatibility: the committed fixtures (tests/fixtures/checkpoints/, written once
// by an earlier coagent) load with the digest, greedy evaluation and continuation their
// expected.txt pins; and the bytes of a fixed small run are pinned, so a change of the format
// that forgets to bump kCheckpointVersion (and add fixtures of the new version) fails here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "coagent/checkpoint.hpp"
#include "coagent/trainer.hpp"

namespace coagent {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(COAGENT_SOURCE_DIR) / "tests" / "fixtures" / "checkpoints";

struct Fixture {
  std::string file, digest;
  double eval5 = 0.0;
  std::int64_t steps = 0;
  std::string digest_after;
};

std::vector<Fixture> fixtures() {
  std::ifstream in(kFixtures / "expected.txt");
  std::vector<Fixture> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    Fixture f;
    row >> f.file >> f.digest >> f.eval5 >> f.steps >> f.digest_after;
    if (!row.fail()) out.push_back(f);
  }
  return out;
}

// Every algorithm and rule the fixtures cover means today what it meant when written: the
// same learned state, the same greedy returns (bit for bit), the same continuation.
TEST(CheckpointFixtures, OldFilesLoadTheSameStateEvaluateAndContinueTheSame) {
  const std::vector<Fixture> all = fixtures();
  ASSERT_EQ(all.size(), 6u) << "expected.txt under " << kFixtures;
  for (const Fixture& f : all) {
    SCOPED_TRACE(f.file);
    std::unique_ptr<Learner> l = load_learner((kFixtures / f.file).string());
    EXPECT_EQ(l->digest(), f.digest);
    EXPECT_EQ(l->evaluate(5, default_eval_seed(l->config().seed)).mean_return, f.eval5);
    TrainConfig more = l->config();
    more.steps = f.steps;
    more.mode = l->config().algo == Algo::local ? Mode::lockstep : more.mode;  // #33: async with
                                                                            // several envs varies
    l->update_settings(more);
    l->train_until(f.steps, {});
    EXPECT_EQ(l->digest(), f.digest_after);
  }
}

// The file a fixed run writes, byte for byte. If this fails, the checkpoint format changed:
// when only a setting was added (the settings travel as text, and an old file without it
// reads the default), check that CheckpointFixtures still passes and update the hash; when
// the layout changed, bump kCheckpointVersion, add fixtures of the new version and make the
// old ones load the same or be refused by name of their version.
TEST(CheckpointFixtures, TheFormatOfAFixedRunIsPinned) {
  EXPECT_EQ(kCheckpointVersion, 3u);
  TrainConfig cfg;
  cfg.env = "chain";
  cfg.hidden = {4};
  cfg.steps = 300;
  cfg.seed = 1;
  Trainer t(cfg);
  t.train();
  const fs::path path = fs::temp_directory_path() / ("coagent-format-" + std::to_string(::getpid()) + ".ckpt");
  t.save(path.string());
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  fs::remove(path);
  EXPECT_EQ(sha256_hex(bytes.data(), bytes.size()), "d8a984fecb2cb00d094ee29ed20967cbaecebcb419aa6024c57773524b54b911");
}

}  // namespace
}  // namespace coagent
