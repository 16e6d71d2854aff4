// src/io/config.cpp — validation, parsing and printing of TrainConfig.
#include "coagent/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "coagent/env.hpp"
#include "coagent/random.hpp"

namespace coagent {
namespace {

[[noreturn]] void bad(std::string_view what, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(
      fmt::format("{}: '{}' is not valid, expected {}", what, value, expected));
}

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

void check_range(std::string_view what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw std::invalid_argument(
        fmt::format("{}: {} is out of range, expected a value in [{}, {}]", what, v, lo, hi));
}

template <class T>
std::string join(const std::vector<T>& v) {
  return fmt::format("{}", fmt::join(v, ","));
}

std::string join_kinds(const std::vector<NoiseKind>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += to_string(v[i]);
  }
  return s;
}

bool parse_bool(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  if (t == "true" || t == "1" || t == "on" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "off" || t == "no") return false;
  bad(what, text, "true or false");
}

// Resolves a per-layer list to one value per layer.
template <class T>
std::vector<T> per_layer(const std::vector<T>& list, int layers, T hidden_default,
                         T output_default, std::string_view what) {
  std::vector<T> out(layers);
  if (list.empty()) {
    for (int l = 0; l < layers; ++l) out[l] = l + 1 == layers ? output_default : hidden_default;
  } else if (list.size() == 1) {
    std::fill(out.begin(), out.end(), list[0]);
  } else if (static_cast<int>(list.size()) == layers) {
    out = list;
  } else {
    throw std::invalid_argument(fmt::format(
        "{}: {} values given, expected 1 (every layer) or {} (one per layer: hidden "
        "layers, then the output layer)",
        what, list.size(), layers));
  }
  return out;
}

}  // namespace

std::string_view to_string(Rule r) noexcept {
  switch (r) {
    case Rule::linear: return "linear";
    case Rule::compatible: return "compatible";
    case Rule::perturb: return "perturb";
  }
  return "?";
}
std::string_view to_string(ActorStep s) noexcept {
  return s == ActorStep::natural ? "natural" : "plain";
}
std::string_view to_string(NoiseKind k) noexcept {
  return k == NoiseKind::gaussian ? "gaussian" : "ou";
}
std::string_view to_string(Mode m) noexcept { return m == Mode::lockstep ? "lockstep" : "async"; }
std::string_view to_string(Algo a) noexcept { return a == Algo::local ? "local" : "ddpg"; }
std::string_view to_string(ExploreSchedule s) noexcept {
  return s == ExploreSchedule::all ? "all" : "episode";
}
ExploreSchedule parse_explore_schedule(std::string_view s) {
  if (s == "all") return ExploreSchedule::all;
  if (s == "episode") return ExploreSchedule::episode;
  bad("explore-schedule", s, "all or episode");
}
Algo parse_algo(std::string_view s) {
  if (s == "local") return Algo::local;
  if (s == "ddpg") return Algo::ddpg;
  bad("algo", s, "local or ddpg");
}

Rule parse_rule(std::string_view s) {
  if (s == "linear") return Rule::linear;
  if (s == "compatible") return Rule::compatible;
  if (s == "perturb") return Rule::perturb;
  bad("rule", s, "linear, compatible or perturb");
}
ActorStep parse_actor_step(std::string_view s) {
  if (s == "natural") return ActorStep::natural;
  if (s == "plain") return ActorStep::plain;
  bad("actor-step", s, "natural or plain");
}
NoiseKind parse_noise_kind(std::string_view s) {
  if (s == "gaussian") return NoiseKind::gaussian;
  if (s == "ou") return NoiseKind::ou;
  bad("noise", s, "gaussian or ou");
}
Mode parse_mode(std::string_view s) {
  if (s == "lockstep") return Mode::lockstep;
  if (s == "async") return Mode::async;
  bad("mode", s, "lockstep or async");
}

double parse_double(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v))
    bad(what, text, "a finite number");
  return v;
}

std::int64_t parse_int(std::string_view text, std::string_view what) {
  const auto t = trim(text);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    bad(what, text, "an integer");
  return v;
}

std::vector<int> parse_widths(std::string_view text, std::string_view what) {
  std::vector<int> out;
  if (trim(text).empty()) return out;  // no hidden layer
  for (auto part : split(text, ',')) {
    const std::int64_t w = parse_int(part, what);
    if (w < 1 || w > 65536)
      bad(what, text, "comma-separated layer widths, each in [1, 65536]");
    out.push_back(static_cast<int>(w));
  }
  if (out.size() > 16) bad(what, text, "at most 16 hidden layers");
  return out;
}

std::vector<double> parse_double_list(std::string_view text, std::string_view what) {
  std::vector<double> out;
  for (auto part : split(text, ',')) out.push_back(parse_double(part, what));
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

void TrainConfig::validate() const {
  for (int w : hidden) check_range("hidden", w, 1, 65536);
  if (hidden.size() > 16) throw std::invalid_argument("hidden: at most 16 hidden layers");
  check_range("steps", static_cast<double>(steps), 1, 1e12);
  check_range("gamma", gamma, 0.0, 1.0);
  check_range("alpha-actor", alpha_actor, 0.0, 10.0);
  check_range("alpha-critic", alpha_critic, 0.0, 10.0);
  check_range("alpha-value", alpha_value, 0.0, 10.0);
  check_range("reward-scale", reward_scale, 1e-9, 1e6);
  if (alpha_hidden >= 0.0 || !std::isfinite(alpha_hidden)) check_range("alpha-hidden", alpha_hidden, 0.0, 10.0);
  check_range("max-weight-norm", max_weight_norm, 0.0, 1e6);
  check_range("trace-lambda", trace_lambda, 0.0, 1.0);
  check_range("output-episodes", output_episodes, 0.0, 1.0);
  check_range("critic-features", critic_features, 1, 16384);
  check_range("critic-bandwidth", critic_bandwidth, 1e-6, 1e6);
  check_range("alpha-env-critic", alpha_env_critic, 0.0, 10.0);
  check_range("critic-lambda", critic_lambda, 0.0, 1.0);
  check_range("ou-theta", ou_theta, 0.0, 1.0);
  check_range("ou-dt", ou_dt, 1e-6, 1.0);
  check_range("envs", envs, 1, 4096);
  check_range("eval-episodes", eval_episodes, 1, 1000000);
  check_range("threads", threads, 0, 4096);
  check_range("shard-size", shard_size, 0, 1 << 20);
  const int layers = static_cast<int>(hidden.size()) + 1;
  for (double v : per_layer(noise_scale, layers, kHiddenNoiseDefault, kOutputNoiseDefault, "noise-scale"))
    check_range("noise-scale", v, 0.0, 100.0);
  for (double v : per_layer(explore_fraction, layers, 1.0, 1.0, "explore-fraction"))
    check_range("explore-fraction", v, 0.0, 1.0);
  for (double v : per_layer(init_scale, layers, 1.0, 1.0, "init-scale"))
    check_range("init-scale", v, 0.0, 100.0);
  per_layer(noise, layers, NoiseKind::gaussian, NoiseKind::gaussian, "noise");
}

std::vector<LayerSpec> TrainConfig::layer_specs(int action_size) const {
  validate();
  const int layers = static_cast<int>(hidden.size()) + 1;
  const auto kinds = per_layer(noise, layers, NoiseKind::gaussian, NoiseKind::gaussian, "noise");
  const auto scales =
      per_layer(noise_scale, layers, kHiddenNoiseDefault, kOutputNoiseDefault, "noise-scale");
  const auto fractions = per_layer(explore_fraction, layers, 1.0, 1.0, "explore-fraction");
  const auto inits = per_layer(init_scale, layers, 1.0, 1.0, "init-scale");
  std::vector<LayerSpec> specs(layers);
  for (int l = 0; l < layers; ++l) {
    LayerSpec& s = specs[l];
    s.width = l + 1 == layers ? action_size : hidden[l];
    s.noise = kinds[l];
    s.noise_scale = scales[l];
    s.ou_theta = ou_theta;
    s.ou_dt = ou_dt;
    s.explore_fraction = fractions[l];
    s.init_scale = inits[l];
    s.alpha_actor = l + 1 < layers && alpha_hidden >= 0.0 ? alpha_hidden : -1.0;
    s.learn = !(freeze_hidden && l + 1 < layers);
  }
  return specs;
}

std::uint32_t TrainConfig::explore_mask(int env_index, std::int64_t episode) const noexcept {
  const int layers = static_cast<int>(hidden.size()) + 1;
  const std::uint32_t all = layers >= 32 ? ~0u : (1u << layers) - 1u;
  if (explore_schedule == ExploreSchedule::all || layers == 1) return all;
  Pcg32 rng(derive_seed(seed, kFamilySchedule + static_cast<std::uint64_t>(env_index),
                        static_cast<std::uint64_t>(episode)));
  const std::uint32_t output = 1u << (layers - 1);
  return rng.uniform() < output_episodes ? output : all & ~output;
}

int shard_size_for(int shard_size, int width, int fan_in, int threads, int envs) noexcept {
  if (shard_size > 0) return shard_size;
  // At most ~64k weights (256 KB of K) per task: tens of microseconds of work per
  // frame against about 1 us for a task hop between threads (on `wide`, 64- and
  // 128-neuron shards beat 16); and at least two shards per worker in each layer,
  // so that every thread finds work (on `small` with 8 envs, whole-layer shards
  // reach 1.55x at 2 threads, 16-neuron shards 1.81x). Measured with coagent bench.
  // With one environment only one frame is in flight, so tasks must also carry at
  // least ~4k weights (on small, 16-neuron shards at 1 env: 0.68x at 2 threads;
  // whole layers: 1.4x).
  const int f = std::max(1, fan_in);
  const int by_weights = kAutoShardWeights / f;
  const int by_threads = (width + 2 * std::max(1, threads) - 1) / (2 * std::max(1, threads));
  int size = std::min(by_weights, by_threads);
  if (envs <= 1) size = std::max(size, 4096 / f);
  return std::clamp(size, 1, std::max(1, width));
}

std::vector<std::pair<std::string, std::string>> config_entries(const TrainConfig& c) {
  const int layers = static_cast<int>(c.hidden.size()) + 1;
  auto q = [](std::string_view s) { return fmt::format("\"{}\"", s); };
  auto num = [](double v) { return fmt::format("{}", v); };
  return {
      {"algo", q(to_string(c.algo))},
      {"env", q(c.env)},
      {"rule", q(to_string(c.rule))},
      {"actor-step", q(to_string(c.actor_step))},
      {"hidden", q(join(c.hidden))},
      {"steps", fmt::format("{}", c.steps)},
      {"seed", fmt::format("{}", c.seed)},
      {"gamma", num(c.gamma)},
      {"alpha-actor", num(c.alpha_actor)},
      {"alpha-critic", num(c.alpha_critic)},
      {"alpha-value", num(c.alpha_value)},
      {"reward-scale", num(c.reward_scale)},
      {"alpha-hidden", num(c.alpha_hidden)},
      {"max-weight-norm", num(c.max_weight_norm)},
      {"trace-lambda", num(c.trace_lambda)},
      {"critic-features", fmt::format("{}", c.critic_features)},
      {"critic-bandwidth", num(c.critic_bandwidth)},
      {"alpha-env-critic", num(c.alpha_env_critic)},
      {"critic-lambda", num(c.critic_lambda)},
      {"noise", q(join_kinds(per_layer(c.noise, layers, NoiseKind::gaussian,
                                       NoiseKind::gaussian, "noise")))},
      {"noise-scale", q(join(per_layer(c.noise_scale, layers, kHiddenNoiseDefault,
                                       kOutputNoiseDefault, "noise-scale")))},
      {"explore-fraction",
       q(join(per_layer(c.explore_fraction, layers, 1.0, 1.0, "explore-fraction")))},
      {"init-scale", q(join(per_layer(c.init_scale, layers, 1.0, 1.0, "init-scale")))},
      {"ou-theta", num(c.ou_theta)},
      {"ou-dt", num(c.ou_dt)},
      {"explore-schedule", q(to_string(c.explore_schedule))},
      {"output-episodes", num(c.output_episodes)},
      {"freeze-hidden", c.freeze_hidden ? "true" : "false"},
      {"obs-norm", c.obs_norm ? "true" : "false"},
      {"envs", fmt::format("{}", c.envs)},
      {"eval-episodes", fmt::format("{}", c.eval_episodes)},
      {"mode", q(to_string(c.mode))},
      {"threads", fmt::format("{}", c.threads)},
      {"shard-size", fmt::format("{}", c.shard_size)},
  };
}

void set_config_entry(TrainConfig& c, std::string_view key, std::string_view raw) {
  std::string_view value = trim(raw);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  const std::string k(key);
  auto count = [&](std::string_view what, double lo, double hi) {
    const std::int64_t v = parse_int(value, what);
    check_range(what, static_cast<double>(v), lo, hi);
    return v;
  };
  if (k == "algo") c.algo = parse_algo(value);
  else if (k == "env") c.env = std::string(value);
  else if (k == "rule") c.rule = parse_rule(value);
  else if (k == "actor-step") c.actor_step = parse_actor_step(value);
  else if (k == "hidden") c.hidden = parse_widths(value, "hidden");
  else if (k == "steps") c.steps = count("steps", 1, 1e12);
  else if (k == "seed") c.seed = static_cast<std::uint64_t>(count("seed", 0, 9.2e18));
  else if (k == "gamma") c.gamma = parse_double(value, "gamma");
  else if (k == "alpha-actor") c.alpha_actor = parse_double(value, "alpha-actor");
  else if (k == "alpha-critic") c.alpha_critic = parse_double(value, "alpha-critic");
  else if (k == "alpha-value") c.alpha_value = parse_double(value, "alpha-value");
  else if (k == "reward-scale") c.reward_scale = parse_double(value, "reward-scale");
  else if (k == "alpha-hidden") c.alpha_hidden = parse_double(value, "alpha-hidden");
  else if (k == "max-weight-norm") c.max_weight_norm = parse_double(value, "max-weight-norm");
  else if (k == "trace-lambda") c.trace_lambda = parse_double(value, "trace-lambda");
  else if (k == "critic-features") c.critic_features = static_cast<int>(count("critic-features", 1, 16384));
  else if (k == "critic-bandwidth") c.critic_bandwidth = parse_double(value, "critic-bandwidth");
  else if (k == "alpha-env-critic") c.alpha_env_critic = parse_double(value, "alpha-env-critic");
  else if (k == "critic-lambda") c.critic_lambda = parse_double(value, "critic-lambda");
  else if (k == "noise") {
    c.noise.clear();
    for (auto part : split(value, ',')) c.noise.push_back(parse_noise_kind(part));
  } else if (k == "noise-scale") c.noise_scale = parse_double_list(value, "noise-scale");
  else if (k == "explore-fraction") c.explore_fraction = parse_double_list(value, "explore-fraction");
  else if (k == "init-scale") c.init_scale = parse_double_list(value, "init-scale");
  else if (k == "ou-theta") c.ou_theta = parse_double(value, "ou-theta");
  else if (k == "ou-dt") c.ou_dt = parse_double(value, "ou-dt");
  else if (k == "explore-schedule") c.explore_schedule = parse_explore_schedule(value);
  else if (k == "output-episodes") c.output_episodes = parse_double(value, "output-episodes");
  else if (k == "freeze-hidden") c.freeze_hidden = parse_bool(value, "freeze-hidden");
  else if (k == "obs-norm") c.obs_norm = parse_bool(value, "obs-norm");
  else if (k == "envs") c.envs = static_cast<int>(count("envs", 1, 4096));
  else if (k == "eval-episodes") c.eval_episodes = static_cast<int>(count("eval-episodes", 1, 1e6));
  else if (k == "mode") c.mode = parse_mode(value);
  else if (k == "threads") c.threads = static_cast<int>(count("threads", 0, 4096));
  else if (k == "shard-size") c.shard_size = static_cast<int>(count("shard-size", 0, 1 << 20));
  else throw std::invalid_argument(fmt::format("unknown setting '{}'", key));
}

std::string config_to_text(const TrainConfig& c) {
  std::string out;
  for (const auto& [k, v] : config_entries(c)) out += fmt::format("{} = {}\n", k, v);
  return out;
}

TrainConfig parse_config_text(std::string_view text) {
  TrainConfig c;
  int line_no = 0;
  for (auto line : split(text, '\n')) {
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      throw std::invalid_argument(fmt::format("line {}: expected 'key = value', got '{}'",
                                              line_no, line));
    set_config_entry(c, trim(line.substr(0, eq)), line.substr(eq + 1));
  }
  c.validate();
  return c;
}

}  // namespace coagent
