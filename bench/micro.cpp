// bench/micro.cpp — Google Benchmark micro-benchmarks: the neuron kernels (both
// rules, emit and learn, at fan-in 64 and 1024; a whole 17 MB layer) and the shard
// mailbox (moodycamel, single and bulk).
// Run: build/coagent_micro. They print; nothing here asserts timing.
#include <benchmark/benchmark.h>
#include <concurrentqueue.h>

#include <cstdint>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

namespace coagent {
namespace {

LayerState make_layer(Rule rule, int fan_in, int width) {
  LayerState L;
  L.params = LayerParams(fan_in, width, rule);
  L.trace.resize(width);
  L.pending.resize(width);
  L.noise.assign(width, 0.0f);
  L.update.assign(width, RowUpdate{});
  Pcg32 rng(1);
  for (int n = 0; n < width; ++n) {
    for (int i = 0; i < fan_in; ++i) L.params.K[n * L.params.stride + i] = 0.1f * static_cast<float>(rng.normal());
  }
  return L;
}

// Steps `width` neurons at `fan_in` through alternating frames, one emit + learn per
// iteration; returns the layer's row-matrix floats (K's size).
std::int64_t step_layer(benchmark::State& state, Rule rule, int fan_in, int width) {
  LayerState L = make_layer(rule, fan_in, width);
  LayerSpec spec;
  spec.noise_scale = 0.1;
  RuleSettings rs{.rule = rule, .gamma = 0.99f, .alpha_actor = 1e-4f, .alpha_critic = 1e-3f,
                  .alpha_value = 1e-3f};
  std::vector<float> a(padded(fan_in), 0.5f), b(padded(fan_in), -0.25f), out(padded(width));
  std::vector<float> kept(a.size());
  neurons_step(spec, rs, L, 0, 0, width, nullptr, a.data(), b.data(), {}, FrameKind::first,
               out.data(), true, NoiseClock{});
  NoiseClock clock;
  bool pending = false;
  for (auto _ : state) {
    ++clock.step;
    // A step: the sweep applies the last step's row updates (along `kept`), emits and
    // takes the critic's dots; learn records this step's.
    neurons_step(spec, rs, L, 0, 0, width, pending ? kept.data() : nullptr, a.data(), b.data(),
                 StepSignal{0.1f, false}, FrameKind::mid, out.data(), true, clock);
    pending = true;
    kept = a;
    std::swap(a, b);
    benchmark::DoNotOptimize(out.data());
  }
  return static_cast<std::int64_t>(L.params.K.size());
}

// One frame through a shard of 64 neurons: emit + learn.
void BM_NeuronStep(benchmark::State& state) {
  const Rule rule = state.range(0) == 0 ? Rule::linear : Rule::compatible;
  step_layer(state, rule, static_cast<int>(state.range(1)), 64);
  state.SetItemsProcessed(state.iterations() * 64);
  state.SetLabel(rule == Rule::linear ? "linear, neurons/s" : "compatible, neurons/s");
}
BENCHMARK(BM_NeuronStep)->ArgsProduct({{0, 1}, {64, 1024}});

// One step of a whole linear layer of 2048 neurons at fan-in 1024 (K and critic rows:
// 17 MB, as `wide`'s two big layers); bytes/s counts both read and written once.
void BM_LayerStep(benchmark::State& state) {
  const std::int64_t floats = step_layer(state, Rule::linear, 1024, 2048);
  state.SetBytesProcessed(state.iterations() * 4 * floats * static_cast<std::int64_t>(sizeof(float)));
}
BENCHMARK(BM_LayerStep)->Unit(benchmark::kMicrosecond);

void BM_NeuronEmitOnly(benchmark::State& state) {
  const int fan_in = static_cast<int>(state.range(0));
  LayerState L = make_layer(Rule::linear, fan_in, 64);
  LayerSpec spec;
  spec.noise_scale = 0.1;
  spec.learn = false;
  std::vector<float> v(padded(fan_in), 0.5f), out(64);
  NoiseClock clock;
  for (auto _ : state) {
    ++clock.step;
    neurons_emit(spec, RuleSettings{}, L, 0, 0, 64, nullptr, nullptr, v.data(), FrameKind::mid,
                 out.data(), true, clock);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_NeuronEmitOnly)->Arg(64)->Arg(1024);

void BM_MailboxSingle(benchmark::State& state) {
  moodycamel::ConcurrentQueue<void*> q;
  void* item = &q;
  void* got = nullptr;
  for (auto _ : state) {
    q.enqueue(item);
    q.try_dequeue(got);
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MailboxSingle);

void BM_MailboxBulk(benchmark::State& state) {
  moodycamel::ConcurrentQueue<void*> q;
  moodycamel::ProducerToken ptok(q);
  moodycamel::ConsumerToken ctok(q);
  const int n = static_cast<int>(state.range(0));
  std::vector<void*> in(n, &q), out(n);
  for (auto _ : state) {
    q.enqueue_bulk(ptok, in.data(), n);
    benchmark::DoNotOptimize(q.try_dequeue_bulk(ctok, out.data(), n));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_MailboxBulk)->Arg(32);

}  // namespace
}  // namespace coagent

BENCHMARK_MAIN();
