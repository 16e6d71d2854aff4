// src/experiments/sub_critic.hpp — Experiment 1's sub-critic Q^l(v_{l-1}, v_l): a ReLU
// MLP over a layer's presynaptic and output activations, trained by TD like DDPG's
// critic (a soft-updated target copy, Adam, mean squared TD error on a minibatch):
//   y = r + gamma (1 - terminated) Q'(next_input);  L = mean (Q(input) - y)^2
// Batches are matrices whose columns are transitions. Plain data, no threads, no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "ddpg/mlp.hpp"

namespace coagent::experiments {

using ddpg::Matrix;
using ddpg::Vector;

struct SubCriticSettings {
  std::vector<int> hidden = {64, 64};
  ddpg::AdamSettings adam;
  double gamma = 0.99;
  double tau = 0.005;
};

template <class T>
class SubCritic {
 public:
  SubCritic() = default;
  // A fresh network over `input_size` values, initialised like nn.Linear from `seed`.
  SubCritic(int input_size, const SubCriticSettings& s, std::uint64_t seed);

  int input_size() const noexcept { return net_.input_size(); }

  // The mean squared TD error of the batch against the current target network;
  // with a non-null `grad`, also its gradient with respect to the parameters.
  T td_loss(const Matrix<T>& input, const Matrix<T>& reward, const Matrix<T>& not_terminated,
            const Matrix<T>& next_input, ddpg::Vector<T>* grad = nullptr) const;
  // One Adam step on td_loss, then the soft update of the target. Returns the loss
  // before the step.
  T update(const Matrix<T>& input, const Matrix<T>& reward, const Matrix<T>& not_terminated,
           const Matrix<T>& next_input);
  // Q for every column of `input` (1 x batch).
  const Matrix<T>& values(const Matrix<T>& input) const;

  const ddpg::Mlp<T>& network() const noexcept { return net_; }
  const ddpg::Mlp<T>& target() const noexcept { return target_; }

 private:
  SubCriticSettings settings_;
  ddpg::Mlp<T> net_, target_;
  ddpg::Adam<T> opt_;
  // Scratch (not state).
  mutable ddpg::MlpCache<T> cache_, target_cache_;
  mutable Matrix<T> y_, d_out_;
  mutable ddpg::Vector<T> grad_;
};

extern template class SubCritic<float>;
extern template class SubCritic<double>;

}  // namespace coagent::experiments
