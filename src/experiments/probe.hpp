// src/experiments/probe.hpp — the gradient-alignment probe's parts: every actor
// neuron's two local critics of docs/design.md §3 (`linear`; `compatible` with the plain actor
// step), learning online from transitions of a DDPG actor they never change, and the
// comparison of their step directions with the true grad_{[K^n; b^n]} Q^mu(s, mu(s)).
//
// A layer's neurons are the rows of its matrices (row n is neuron n and reads only row
// n); the math is the per-neuron rule written for a whole layer at once, in double
// precision. Unlike src/rules/ (tanh neurons), sigma' here is the derivative of the
// DDPG actor's own activation: ReLU (0 or 1) in hidden layers, tanh at the output.
// Plain data, no threads, no I/O.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "coagent/ddpg.hpp"
#include "coagent/experiments.hpp"
#include "experiments/common.hpp"

namespace coagent::experiments {

using MatrixD = Eigen::MatrixXd;
using VectorD = Eigen::VectorXd;

// One layer's neurons at one state, as each of them sees it.
struct NeuronFrame {
  VectorD v;   // presynaptic voltages (fan_in)
  VectorD y;   // sigma(z), the deterministic output (width)
  VectorD sp;  // sigma'(z)
  VectorD a;   // the emitted voltage (the output layer: the action taken)
  VectorD xi;  // a - y, the exploration
};

// Both local critics of every neuron of one layer.
struct LocalCriticLayer {
  LocalCriticLayer() = default;
  LocalCriticLayer(int fan_in, int width);

  int fan_in = 0;
  int width = 0;
  // linear:     Q(v, a) = th_v . v + th_a a + c
  MatrixD th_v;  // width x fan_in
  VectorD th_a, c;
  // compatible: Q(v, a) = (a - y(v)) phi(v) . w + u . [v; 1],  phi = sigma'(z) [v; 1]
  MatrixD w, u;  // width x (fan_in + 1)

  // TD(0) from transition t: `now` at s_t, the next state's voltages v' and greedy
  // outputs y' at s_{t+1}; bootstraps unless `terminated`.
  //   linear:     delta = r + gamma Q(v', y') - Q(v, a);  th_v += ac delta v,
  //               th_a += ac delta a, c += ac delta
  //   compatible: delta = r + gamma u.[v';1] - Q(v, a);  w += ac delta xi phi,
  //               u += av delta [v; 1]
  void learn(const NeuronFrame& now, const VectorD& v_next, const VectorD& y_next, double reward,
             bool terminated, double gamma, double alpha_critic, double alpha_value);

  // The local credit dQ^n/da of neuron n at a state: th_a (linear) or phi . w
  // (compatible). The actor step direction is sp * credit * [v; 1].
  double credit(Rule rule, int n, const VectorD& v, double sp) const;
};

// Alignment of every layer's local directions with the true gradient over `states`
// (raw observations), for both rules, at the agent's current actor and critic. Rows:
// for each rule (linear, compatible), for each layer.
std::vector<ProbePoint> probe_alignment(const DdpgAgent& agent,
                                        const std::vector<LocalCriticLayer>& critics,
                                        const States& states, std::int64_t step);

}  // namespace coagent::experiments
