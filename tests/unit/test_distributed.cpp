// Mode mpi's runtime (rank link, frame assembly, state exchange) without MPI: R ranks
// are R threads of this process joined by an in-memory Wire, so the distributed
// runtime runs in every build and under ThreadSanitizer and ASan. Against lockstep,
// swept over ranks, shard sizes and rules; several environments; resume on another
// rank count; an error on one rank reaching all of them.
#include <gtest/gtest.h>

#include <barrier>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "coagent/checkpoint.hpp"
#include "coagent/trainer.hpp"
#include "runtime_test_support.hpp"

namespace coagent {
namespace {

using testing::kAllRules;
using testing::make_executor;
using testing::with_watchdog;
using testing::tweak;

// The ranks' shared state: a mailbox per rank and a barrier for the collectives.
struct Hub {
  explicit Hub(int n) : ranks(n), boxes(n), sync(n), flags(n) {}
  struct Box {
    std::mutex mu;
    std::deque<std::pair<int, WireBytes>> q;
  };
  int ranks;
  std::vector<Box> boxes;
  std::barrier<> sync;
  WireBytes shared;
  std::vector<int> flags;
};

class LoopbackWire final : public Wire {
 public:
  LoopbackWire(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.ranks; }
  void send(int to, std::shared_ptr<const WireBytes> m) override {
    std::lock_guard lock(hub_.boxes[to].mu);
    hub_.boxes[to].q.emplace_back(rank_, *m);
  }
  bool try_receive(int& from, WireBytes& m) override {
    std::lock_guard lock(hub_.boxes[rank_].mu);
    auto& q = hub_.boxes[rank_].q;
    if (q.empty()) return false;
    from = q.front().first;
    m = std::move(q.front().second);
    q.pop_front();
    return true;
  }
  bool sends_pending() override { return false; }
  void broadcast(WireBytes& bytes, int root) override {
    if (rank_ == root) hub_.shared = bytes;
    hub_.sync.arrive_and_wait();
    if (rank_ != root) bytes = hub_.shared;
    hub_.sync.arrive_and_wait();
  }
  int first(bool flag) override {
    hub_.flags[rank_] = flag;
    hub_.sync.arrive_and_wait();
    int r = -1;
    for (int q = hub_.ranks - 1; q >= 0; --q)
      if (hub_.flags[q]) r = q;
    hub_.sync.arrive_and_wait();
    return r;
  }

 private:
  Hub& hub_;
  int rank_;
};

TrainConfig config(Rule rule, std::uint64_t seed = 3) {
  TrainConfig c;
  c.env = rule == Rule::dfa ? "pendulum" : "mountaincar";
  c.rule = rule;
  c.hidden = {16, 12};
  c.steps = 600;
  c.seed = seed;
  c.noise_scale = {0.1, 0.05, 0.5};
  return c;
}

// Runs body(trainer) on R thread-ranks, each with a trainer from `make()` joined to the
// others by a loopback wire and its own executor; rethrows the first rank's error.
template <class Make, class Body>
void on_ranks(int R, Make make, Body body, int workers = 2) {
  Hub hub(R);
  std::vector<std::exception_ptr> errors(R);
  std::vector<std::thread> ranks;
  for (int r = 0; r < R; ++r)
    ranks.emplace_back([&, r] {
      try {
        std::unique_ptr<Trainer> t = make();
        t->use_wire(std::make_shared<LoopbackWire>(hub, r));
        t->use_executor(make_executor(false, workers));
        body(r, *t);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& th : ranks) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Trains `make()`'s trainer on R thread-ranks until `until` (its budget if negative);
// returns every rank's digest.
template <class Make>
std::vector<std::string> run_ranks(int R, Make make, std::int64_t until = -1) {
  std::vector<std::string> digests(R);
  on_ranks(R, make, [&](int r, Trainer& t) {
    t.train_until(until < 0 ? t.config().steps : until, {});
    digests[r] = t.digest();
  });
  return digests;
}

class DistributedEqualsLockstep : public ::testing::TestWithParam<std::tuple<int, int, Rule>> {};

// Every rank's shards take the frames in lockstep's order of (step, environment),
// whichever rank's environment and slices come first: the same state for any number
// of environments and ranks.
TEST_P(DistributedEqualsLockstep, SameDigestOnEveryRank) {
  const auto [R, shard, rule] = GetParam();
  for (int envs : {1, 4}) {
    SCOPED_TRACE("envs " + std::to_string(envs));
    TrainConfig ref_cfg = config(rule);
    ref_cfg.mode = Mode::lockstep;
    ref_cfg.envs = envs;
    Trainer ref(ref_cfg);
    ref.train();
    with_watchdog("distributed run", [&, R = R, shard = shard] {
      const auto digests = run_ranks(R, [&] {
        TrainConfig c = ref_cfg;
        c.mode = Mode::mpi;
        c.shard_size = shard;
        return std::make_unique<Trainer>(c);
      });
      for (int r = 0; r < R; ++r) EXPECT_EQ(digests[r], ref.digest()) << "rank " << r;
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Sweep, DistributedEqualsLockstep,
                         ::testing::Combine(::testing::Values(1, 2, 3, 5), ::testing::Values(0, 3),
                                            ::testing::ValuesIn(kAllRules)));

TEST(Distributed, ManyEnvironmentsAgreeAcrossRanksAndCountEverything) {
  TrainConfig c = config(Rule::perturb);
  c.envs = 6;
  c.steps = 3000;
  c.mode = Mode::lockstep;
  Trainer ref(c);
  ref.train();
  with_watchdog("distributed, 6 environments", [&] {
    c.mode = Mode::mpi;
    std::vector<std::int64_t> steps(3), episodes(3);
    std::vector<std::string> digests(3);
    on_ranks(3, [&] { return std::make_unique<Trainer>(c); }, [&](int r, Trainer& t) {
      t.train_until(1700, {});
      t.train_until(3000, {});  // a second run over the same wire: nothing left over
      steps[r] = t.steps_done();
      episodes[r] = t.episodes_done();
      digests[r] = t.digest();
    });
    for (int r = 0; r < 3; ++r) {
      EXPECT_EQ(steps[r], 3000);
      EXPECT_EQ(episodes[r], ref.episodes_done());
      EXPECT_EQ(digests[r], ref.digest()) << "rank " << r << " holds another state";
    }
  });
}

// A stop requested on one rank (rank 0, or another one) with several environments in
// flight: every rank ends at the same step, with lockstep's state at that step (no
// step is left out, so nothing waits forever), and the run continues on 2 ranks to
// lockstep's state at its budget.
TEST(Distributed, AStopOnAnyRankEndsEveryRankAtOneCleanStep) {
  for (int stopper : {0, 2}) {
    SCOPED_TRACE("stop requested on rank " + std::to_string(stopper));
    TrainConfig c = config(Rule::dfa);
    c.envs = 5;
    c.steps = 2000000;
    c.mode = Mode::mpi;
    std::vector<Trainer*> trainers(3, nullptr);
    std::barrier ready(3);
    std::vector<std::int64_t> steps(3);
    std::vector<std::string> digests(3);
    const std::string path = ::testing::TempDir() + "distributed_stop.ckpt";
    with_watchdog("distributed stop", [&] {
      on_ranks(3, [&] { return std::make_unique<Trainer>(c); }, [&](int r, Trainer& t) {
        trainers[r] = &t;
        ready.arrive_and_wait();
        if (r == 0)  // episodes are recorded on rank 0
          t.set_episode_callback([&](const EpisodeRecord& e) {
            if (e.episode == 4) trainers[stopper]->request_stop();
          });
        t.train();
        steps[r] = t.steps_done();
        digests[r] = t.digest();
        t.save(path);
      });
    });
    ASSERT_LT(steps[0], c.steps);
    for (int r = 0; r < 3; ++r) {
      EXPECT_EQ(steps[r], steps[0]) << "rank " << r;
      EXPECT_EQ(digests[r], digests[0]) << "rank " << r;
    }
    TrainConfig ref_cfg = c;
    ref_cfg.mode = Mode::lockstep;
    ref_cfg.steps = steps[0];
    Trainer ref(ref_cfg);
    ref.train();
    EXPECT_EQ(digests[0], ref.digest()) << "the stopped state is not lockstep's at step " << steps[0];
    tweak(ref, [&](TrainConfig& k) { k.steps = steps[0] + 700; });
    ref.train();
    with_watchdog("resume after the stop", [&] {
      const auto resumed = run_ranks(2, [&] {
        auto l = load_learner(path);
        return std::unique_ptr<Trainer>(dynamic_cast<Trainer*>(l.release()));
      }, steps[0] + 700);
      for (const auto& d : resumed) EXPECT_EQ(d, ref.digest());
    });
    std::remove(path.c_str());
  }
}

TEST(Distributed, ResumesOnAnotherRankCountExactly) {
  TrainConfig c = config(Rule::perturb);
  c.mode = Mode::lockstep;
  Trainer ref(c);
  ref.train();
  with_watchdog("resume 3 -> 2 ranks", [&] {
    const std::string path = ::testing::TempDir() + "distributed_resume.ckpt";
    c.mode = Mode::mpi;
    on_ranks(3, [&] { return std::make_unique<Trainer>(c); }, [&](int, Trainer& t) {
      t.train_until(250, {});
      t.save(path);  // rank 0 writes
    }, 1);
    const auto digests = run_ranks(2, [&] {
      auto l = load_learner(path);
      return std::unique_ptr<Trainer>(dynamic_cast<Trainer*>(l.release()));
    }, c.steps);
    for (const auto& d : digests) EXPECT_EQ(d, ref.digest());
  });
}

TEST(Distributed, AnErrorOnOneRankReachesEveryRank) {
  with_watchdog("distributed error", [] {
    TrainConfig c = config(Rule::linear);
    c.env = "pendulum";
    c.alpha_critic = 10;
    c.alpha_actor = 10;
    c.reward_scale = 1e6;
    c.envs = 2;
    c.steps = 100000;
    c.mode = Mode::mpi;
    std::vector<std::string> what(2);
    on_ranks(2, [&] { return std::make_unique<Trainer>(c); }, [&](int r, Trainer& t) {
      try {
        t.train();
      } catch (const DivergenceError& e) {
        what[r] = e.what();
      }
    }, 1);
    for (int r = 0; r < 2; ++r) EXPECT_NE(what[r].find("diverged"), std::string::npos) << "rank " << r;
  });
}

TEST(Distributed, ModeMpiWithoutAWireSaysHow) {
  TrainConfig c = config(Rule::linear);
  c.mode = Mode::mpi;
  Trainer t(c);
  try {
    t.train();
    FAIL() << "trained without a wire";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mpirun"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace coagent
