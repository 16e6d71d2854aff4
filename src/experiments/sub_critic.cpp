// src/experiments/sub_critic.cpp — the sub-critic's TD update (see sub_critic.hpp).
#include "experiments/sub_critic.hpp"

#include <stdexcept>
#include <string>

namespace coagent::experiments {

template <class T>
SubCritic<T>::SubCritic(int input_size, const SubCriticSettings& s, std::uint64_t seed)
    : settings_(s) {
  if (input_size < 1)
    throw std::invalid_argument("sub-critic: input size " + std::to_string(input_size) +
                                " is not positive");
  std::vector<int> widths{input_size};
  widths.insert(widths.end(), s.hidden.begin(), s.hidden.end());
  widths.push_back(1);
  Pcg32 rng(seed);
  net_ = ddpg::Mlp<T>(widths, ddpg::Activation::identity, rng);
  target_ = net_;
  opt_ = ddpg::Adam<T>(net_.num_parameters(), s.adam);
}

template <class T>
T SubCritic<T>::td_loss(const Matrix<T>& input, const Matrix<T>& reward,
                        const Matrix<T>& not_terminated, const Matrix<T>& next_input,
                        ddpg::Vector<T>* grad) const {
  const auto n = input.cols();
  target_.forward(next_input, target_cache_);
  const T gamma = static_cast<T>(settings_.gamma);
  y_ = reward + gamma * not_terminated.cwiseProduct(target_cache_.output());
  net_.forward(input, cache_);
  d_out_ = cache_.output() - y_;
  const T loss = d_out_.squaredNorm() / static_cast<T>(n);
  if (grad) {
    d_out_ *= T(2) / static_cast<T>(n);
    net_.backward(cache_, d_out_, grad, nullptr);
  }
  return loss;
}

template <class T>
T SubCritic<T>::update(const Matrix<T>& input, const Matrix<T>& reward,
                       const Matrix<T>& not_terminated, const Matrix<T>& next_input) {
  const T loss = td_loss(input, reward, not_terminated, next_input, &grad_);
  opt_.step(net_.parameters(), grad_);
  ddpg::soft_update(target_.parameters(), net_.parameters(), settings_.tau);
  return loss;
}

template <class T>
const Matrix<T>& SubCritic<T>::values(const Matrix<T>& input) const {
  net_.forward(input, cache_);
  return cache_.output();
}

template class SubCritic<float>;
template class SubCritic<double>;

}  // namespace coagent::experiments
