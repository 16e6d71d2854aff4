// coagent/experiments.hpp — the paper's Experiment 1 (do local critics track the
// global critic? paper §4.1, §5.1, docs/design.md §4) and the gradient-alignment probe that
// tests Theorem 2.2.4 directly, on top of the DDPG baseline (coagent/ddpg.hpp).
//
// Experiment 1, one seed (run_exp1_seed):
//   phase 1  DDPG trains an actor mu and its critic Q^mu. Alongside, every actor layer
//            l gets a sub-critic Q^l(v_{l-1}, v_l): an MLP whose input is the layer's
//            presynaptic activations concatenated with its output activations, trained
//            by TD on the same minibatches as Q^mu (same replay indices, same reward):
//              y = r + gamma (1 - terminated) Q^l'(v_{l-1}'(s'), v_l'(s'))
//            where v(s) are recomputed with the current actor after its update (the
//            output layer's v_L is the action actually taken, with exploration noise,
//            in scaled space) and v'(s') come from the target actor, mirroring DDPG's
//            Q'(s', mu'(s')); Q^l' is a soft-updated target copy; Adam. DDPG's hidden
//            layers do not explore, so a hidden v_l(s) is a function of s and a hidden
//            Q^l can only learn the behaviour policy's state value; only the output
//            layer's sub-critic sees an action that varies at a fixed state.
//   phase 2  a fresh actor mu' (DdpgAgent::reset_actor) starts against the phase-1
//            critic Q^mu (which keeps training, as does the replay buffer), and fresh
//            sub-critics are trained for mu'.
//   The correlation of dQ_global/dt with dQ_local/dt, per layer (Pearson r):
//     trajectory  along greedy evaluation episodes at the end of a phase, step by step:
//                 Q^mu(s_{t+1}, mu(s_{t+1})) - Q^mu(s_t, mu(s_t)) against
//                 Q^l(v_{l-1}(s_{t+1}), v_l(s_{t+1})) - Q^l(v_{l-1}(s_t), v_l(s_t))
//                 (differences within an episode only, pooled over the episodes);
//     training    the change of the mean Q over a fixed probe set of states (collected
//                 once from uniformly random rollouts) between consecutive checkpoints.
//   The paper reports r = 0.389 on mountain car (kPaperExp1R).
//
// Gradient-alignment probe, one seed (run_gradient_probe): DDPG trains as usual; every
// actor neuron n also runs both local critics of docs/design.md §3 (`linear`, and `compatible`
// with the plain actor step) online on the same transitions — its state is its layer's
// input activations v at s, its action its emitted activation at s (the output neuron's:
// the taken scaled action) — without ever changing the actor. Every `every` steps the
// local step direction d_n(s) (linear: th_a sigma'(z) [v; 1]; compatible:
// phi (phi . w), phi = sigma'(z) [v; 1]) is compared, neuron by neuron, with the true
// g_n(s) = grad_{[K^n; b^n]} Q^mu(s, mu(s)) by backprop through the current critic, over
// a fixed probe set of states. DDPG's hidden units are ReLU, so sigma' is 0 or 1; a
// hidden neuron that does not explore has xi = 0, so its compatible w never learns
// (reported as "no signal") unless `hidden_noise` perturbs hidden activations — which
// then also perturbs the action the environment receives.
//
// Determinism: every result is a pure function of (config, seed); runs for different
// seeds share nothing and may run on different threads at the same time. Functions
// here are thread-safe in that sense (no global state); `stop` is read relaxed.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "coagent/config.hpp"  // Rule
#include "coagent/ddpg.hpp"

namespace coagent {

inline constexpr double kPaperExp1R = 0.389;  // paper §5.1, mountain car

// --- statistics --------------------------------------------------------------------

// Pearson's r of two equally long samples; NaN when they differ in length, have fewer
// than 2 points, or either has zero variance (or a non-finite value).
double pearson_r(std::span<const double> x, std::span<const double> y) noexcept;

// The fraction of indices where x[i] and y[i] have the same sign, over the indices
// where both are non-zero; NaN if there are none or the lengths differ. Pearson's r of
// two derivatives ignores their offsets (a local Q that falls ever more slowly
// correlates with a global Q that rises ever faster); this says whether they move in
// the same direction.
double sign_agreement(std::span<const double> x, std::span<const double> y) noexcept;

// x[i + 1] - x[i].
std::vector<double> successive_differences(std::span<const double> x);

// The p-quantile of Student's t with `dof` degrees of freedom (0 < p < 1, dof >= 1),
// by bisection on the regularised incomplete beta function; |error| < 1e-10.
double student_t_quantile(double p, int dof);

// Mean and two-sided `confidence` interval of the mean, mean +- t_{(1+c)/2, n-1} s/sqrt(n)
// (s: sample standard deviation). Non-finite values are dropped first; with n = 1 the
// interval is [mean, mean] with half_width NaN; with n = 0 everything is NaN.
struct MeanInterval {
  int n = 0;
  double mean = 0.0;
  double half_width = 0.0;
  double low = 0.0;
  double high = 0.0;
};
MeanInterval mean_interval(std::span<const double> values, double confidence = 0.95);

// --- Experiment 1 --------------------------------------------------------------------

// DDPG settings sized for short runs (actor and critic 64-64, 1,000 warm-up steps,
// batch 128, OU noise 0.5, gamma 0.99); everything else as DdpgConfig.
DdpgConfig exp1_default_ddpg();

struct Exp1Config {
  std::string env = "mountaincar";  // any name make_env accepts
  DdpgConfig ddpg = exp1_default_ddpg();
  std::vector<int> sub_critic_hidden = {64, 64};  // ReLU MLP per layer
  double sub_critic_lr = 1e-3;                    // Adam; betas, eps and tau as ddpg
  std::int64_t phase1_steps = 15000;
  std::int64_t phase2_steps = 10000;
  std::int64_t checkpoint_every = 500;  // both phases; a checkpoint also at step 0
  int probe_states = 256;
  int eval_episodes = 3;  // greedy episodes at the end of each phase (trajectory r)

  // Throws std::invalid_argument naming the field, the value and the allowed range.
  void validate() const;
};

// Mean values over the probe set at one checkpoint.
struct Exp1Checkpoint {
  int phase = 1;           // 1 or 2
  std::int64_t step = 0;   // environment steps within the phase
  double global_q = 0.0;   // mean_s Q^mu(s, mu(s))
  std::vector<double> local_q;  // per layer: mean_s Q^l(v_{l-1}(s), v_l(s))
};

struct Exp1SeedResult {
  std::uint64_t seed = 0;
  std::string env;
  std::vector<int> actor_widths;  // input, hidden..., output; layer l maps l-1 -> l
  std::vector<Exp1Checkpoint> checkpoints;  // phase 1 then phase 2, in step order
  // Per actor layer (index 0 = the first layer). index [0] = phase 1, [1] = phase 2.
  std::vector<double> r_trajectory[2];
  std::vector<double> r_training[2];
  // The same differences' sign agreement (see sign_agreement), per layer.
  std::vector<double> same_sign_trajectory[2];
  std::vector<double> same_sign_training[2];
  std::int64_t trajectory_points[2] = {0, 0};  // differences pooled per phase
  double eval_return[2] = {0.0, 0.0};          // mean greedy return at the end of a phase
  double wall_seconds = 0.0;
};

// Runs both phases for one seed. Returns early (with whatever was measured; r values
// NaN) once `*stop` becomes true. Throws std::invalid_argument on a bad config or env.
Exp1SeedResult run_exp1_seed(const Exp1Config& cfg, std::uint64_t seed,
                             const std::atomic<bool>* stop = nullptr);

// One row of Experiment 1's table: one measure, phase and layer over the seeds.
struct Exp1SummaryRow {
  std::string measure;  // "trajectory" or "training" (see run_exp1_seed)
  int phase = 1;        // 1 or 2
  int layer = 0;        // 0 = the first actor layer
  std::vector<double> per_seed;  // Pearson r per seed, in the order of the runs
  MeanInterval m;                // of per_seed (95%)
  MeanInterval same_sign;        // of the per-seed sign agreements (95%)
};

// The rows of Experiment 1's table, measure (trajectory, training) x phase (1, 2) x
// layer, over the seeds of `runs` (all of one configuration); empty without runs.
std::vector<Exp1SummaryRow> summarise_exp1(const std::vector<Exp1SeedResult>& runs);

// --- the gradient-alignment probe ------------------------------------------------------

struct ProbeConfig {
  std::string env = "mountaincar";
  DdpgConfig ddpg = exp1_default_ddpg();
  std::int64_t steps = 20000;
  std::int64_t every = 1000;  // a comparison also at step 0
  int probe_states = 256;
  int eval_episodes = 3;       // greedy episodes at the end (eval_return)
  double alpha_critic = 1e-3;  // linear: th_v, th_a, c; compatible: w
  double alpha_value = 1e-3;   // compatible: u
  // Std of a Gaussian perturbation added to every hidden activation when acting (after
  // warm-up), so hidden neurons explore; it changes the actions the environment sees.
  double hidden_noise = 0.0;

  void validate() const;
};

// One layer, one rule, one comparison.
struct ProbePoint {
  std::int64_t step = 0;
  Rule rule = Rule::linear;  // compatible means the plain actor step here
  int layer = 0;             // 0 = the first actor layer
  // Mean over neurons of cos(mean_s g_n(s), mean_s d_n(s)); a neuron whose true
  // gradient vanishes on every probe state is left out, one whose local direction
  // vanishes counts as 0.
  double cosine = 0.0;
  // Over (neuron, state) pairs where g_n(s) != 0 and d_n(s) != 0: the fraction with
  // d_n(s) . g_n(s) > 0 (NaN without such pairs). Both are multiples of [v; 1] at a
  // state, so this is the agreement in sign of the local credit (th_a, or phi . w)
  // with the true dQ^mu/da_n. Chance level: 0.5.
  double sign_agreement = 0.0;
  // Fraction of the neurons counted in `cosine` whose local direction is non-zero.
  double signal_fraction = 0.0;
  int neurons = 0;  // neurons counted in `cosine`
};

struct ProbeSeedResult {
  std::uint64_t seed = 0;
  std::string env;
  std::vector<int> actor_widths;
  std::vector<ProbePoint> points;  // in step order; per step: rules x layers
  double eval_return = 0.0;        // mean greedy return at the end
  double wall_seconds = 0.0;
};

ProbeSeedResult run_gradient_probe(const ProbeConfig& cfg, std::uint64_t seed,
                                   const std::atomic<bool>* stop = nullptr);

// One row of the probe's table: one rule and layer over the seeds (95% intervals).
// Per seed, "final" is the value at the last comparison and "mean" the mean over the
// comparisons after the warm-up (step > warm_up; all of them if none is).
struct ProbeSummaryRow {
  Rule rule = Rule::linear;
  int layer = 0;
  MeanInterval cos_final, cos_mean, sign_final, sign_mean, signal_final;
};

// Rows in order rule (linear, compatible) x layer; `warm_up` is DDPG's
// learning_starts. Empty without runs.
std::vector<ProbeSummaryRow> summarise_probe(const std::vector<ProbeSeedResult>& runs,
                                             std::int64_t warm_up);

// The mean over seeds at each comparison step (the steps of the first run), for the
// probe's plot: cosine and sign agreement, each indexed rule * layers + layer (rules
// linear then compatible). Comparisons with no finite value give NaN.
struct ProbeStepMeans {
  std::int64_t step = 0;
  std::vector<double> cosine, sign_agreement;
};
std::vector<ProbeStepMeans> probe_means_by_step(const std::vector<ProbeSeedResult>& runs);

}  // namespace coagent
