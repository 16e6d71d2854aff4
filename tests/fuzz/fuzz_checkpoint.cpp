// tests/fuzz/fuzz_checkpoint.cpp — libFuzzer target for the checkpoint reader.
//
// Each input is the bytes of a checkpoint file. load_checkpoint() takes a path, so
// the bytes go to one memfd per process, loaded through /proc/self/fd/N. A file the
// reader accepts must give a run that can continue: a few training steps follow.
// The contract: load_checkpoint() returns or throws std::runtime_error; anything
// else (a crash, a sanitizer report, another exception, an allocation past
// -rss_limit_mb) is a bug.
//
// Most mutations land in the payload, and the checksum would stop nearly all of
// them before the parser, so the custom mutator repairs the header's payload size
// and the trailing SHA-256 after seven mutations in eight: the payload parser is
// what gets fuzzed, and a crashing input is a real file `coagent inspect` loads.
//
// tests/unit/test_fuzz_regressions.cpp runs the corpus and the regressions through
// fuzz_checkpoint_input() (compiled there with COAGENT_FUZZ_NO_MAIN).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "coagent/checkpoint.hpp"
#include "coagent/config.hpp"
#include "coagent/trainer.hpp"

namespace coagent::fuzz {
namespace {

constexpr std::size_t kHeaderSize = 24;  // magic, version, reserved, payload size
constexpr std::size_t kHashSize = 32;
constexpr std::size_t kPayloadSizeOffset = 16;

// The scratch file, one per process, created on first use.
class ScratchFile {
 public:
  ScratchFile() : fd_(::memfd_create("coagent-fuzz-checkpoint", 0)) {
    if (fd_ < 0) throw std::logic_error("fuzz_checkpoint: memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~ScratchFile() { ::close(fd_); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) throw std::logic_error("fuzz_checkpoint: ftruncate failed");
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) throw std::logic_error("fuzz_checkpoint: pwrite failed");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

// Rewrites the payload size and the SHA-256 so they match the bytes in between.
// Does nothing to an input too short to hold a header and a hash.
void repair_checkpoint(std::uint8_t* data, std::size_t size) {
  if (size < kHeaderSize + kHashSize) return;
  const std::uint64_t payload_size = size - kHeaderSize - kHashSize;
  std::memcpy(data + kPayloadSizeOffset, &payload_size, sizeof payload_size);
  const std::string hex = sha256_hex(data + kHeaderSize, payload_size);
  for (std::size_t i = 0; i < kHashSize; ++i)
    data[kHeaderSize + payload_size + i] =
        static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
}

// Loads the bytes as a checkpoint and, if they load, resumes the run for a few
// steps. Throws std::runtime_error for a rejected file, as load_learner does.
void fuzz_checkpoint_input(const std::uint8_t* data, std::size_t size) {
  static ScratchFile file;
  // Any algorithm: a local-rule run, a DDPG agent or an ARS run (`coagent eval --load`
  // reads all three); the last two act once.
  const std::unique_ptr<Learner> learner = load_learner(file.write(data, size));
  (void)learner->digest();
  if (learner->config().algo != Algo::local) {
    auto env = learner->make_environment();
    const std::vector<double> obs(env->observation_size(), 0.0);
    std::vector<double> action(env->action_size());
    learner->greedy_policy()(obs, action);
    return;
  }
  // A loaded run continues where it stopped: a few steps, lockstep on this thread
  // (the settings may ask for thousands of worker threads). A file may hold
  // weights that are not finite; training reports those as a DivergenceError.
  if (learner->steps_done() > 999999999990) return;  // steps must stay within its range (1e12)
  TrainConfig cfg = learner->config();
  cfg.steps = learner->steps_done() + 3;
  cfg.mode = Mode::lockstep;
  cfg.threads = 1;
  learner->update_settings(cfg);
  try {
    learner->train_until(cfg.steps, {});
  } catch (const DivergenceError&) {
  }
}

}  // namespace coagent::fuzz

#ifndef COAGENT_FUZZ_NO_MAIN
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size,
                                        std::size_t max_size);

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 8 != 0) coagent::fuzz::repair_checkpoint(data, size);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    coagent::fuzz::fuzz_checkpoint_input(data, size);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
#endif
