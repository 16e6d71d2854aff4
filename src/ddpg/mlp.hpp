// src/ddpg/mlp.hpp — the DDPG baseline's math: a fully connected network with a
// cached forward pass and its backward pass, Adam, and soft (Polyak) updates.
//
// A network's parameters live in one flat vector [W_1, b_1, W_2, b_2, ...] (each W
// column-major, out x in), so Adam, soft updates, serialisation and hashing treat a
// network as one array; weight(l) and bias(l) are views into it, and a gradient is
// a flat vector with the same layout. Batches are matrices whose columns are
// samples. Plain functions over plain data: no threads, no I/O, the RNG passed in.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "coagent/random.hpp"

namespace coagent::ddpg {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
using Index = Eigen::Index;

enum class Activation : std::uint8_t { identity, relu, tanh };

// What forward() keeps for backward(): layer l (0-based) has pre-activation z[l]
// and output a[l + 1]; a[0] is the input. `delta` is backward()'s scratch.
template <class T>
struct MlpCache {
  std::vector<Matrix<T>> z;
  std::vector<Matrix<T>> a;
  std::vector<Matrix<T>> delta;
  const Matrix<T>& output() const { return a.back(); }
};

template <class T>
class Mlp {
 public:
  Mlp() = default;
  // widths = {input, hidden..., output}; hidden layers use ReLU. Initialised like
  // PyTorch's nn.Linear: W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from
  // `rng` in order W_1 (column-major), b_1, W_2, ...
  Mlp(std::vector<int> widths, Activation output, Pcg32& rng);
  void initialize(Pcg32& rng);

  int num_layers() const noexcept { return static_cast<int>(widths_.size()) - 1; }
  int input_size() const noexcept { return widths_.front(); }
  int output_size() const noexcept { return widths_.back(); }
  const std::vector<int>& widths() const noexcept { return widths_; }
  Activation output_activation() const noexcept { return output_; }
  Activation activation(int l) const noexcept {
    return l + 1 == num_layers() ? output_ : Activation::relu;
  }
  Index num_parameters() const noexcept { return params_.size(); }

  Vector<T>& parameters() noexcept { return params_; }
  const Vector<T>& parameters() const noexcept { return params_; }
  Eigen::Map<Matrix<T>> weight(int l) { return weight_in(params_, l); }
  Eigen::Map<const Matrix<T>> weight(int l) const { return weight_in(params_, l); }
  Eigen::Map<Vector<T>> bias(int l) { return bias_in(params_, l); }
  Eigen::Map<const Vector<T>> bias(int l) const { return bias_in(params_, l); }
  // Views into any flat vector laid out like parameters() (a gradient, a moment).
  Eigen::Map<Matrix<T>> weight_in(Vector<T>& flat, int l) const {
    return {flat.data() + offset_[l], widths_[l + 1], widths_[l]};
  }
  Eigen::Map<const Matrix<T>> weight_in(const Vector<T>& flat, int l) const {
    return {flat.data() + offset_[l], widths_[l + 1], widths_[l]};
  }
  Eigen::Map<Vector<T>> bias_in(Vector<T>& flat, int l) const {
    return {flat.data() + offset_[l] + Index{widths_[l + 1]} * widths_[l], widths_[l + 1]};
  }
  Eigen::Map<const Vector<T>> bias_in(const Vector<T>& flat, int l) const {
    return {flat.data() + offset_[l] + Index{widths_[l + 1]} * widths_[l], widths_[l + 1]};
  }

  // x: input_size x batch. Fills the cache; the output is cache.output().
  void forward(const Eigen::Ref<const Matrix<T>>& x, MlpCache<T>& cache) const;
  // d_out = dLoss/dOutput (output_size x batch) for the batch of the last forward()
  // into `cache`. Writes dLoss/dparameters to *grad (resized) and dLoss/dinput to
  // *d_input (resized) when they are non-null; skips the work for a null one.
  void backward(MlpCache<T>& cache, const Eigen::Ref<const Matrix<T>>& d_out, Vector<T>* grad,
                Matrix<T>* d_input) const;

 private:
  std::vector<int> widths_;
  Activation output_ = Activation::identity;
  std::vector<Index> offset_;  // start of W_l in params_
  Vector<T> params_;
};

struct AdamSettings {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// Adam as torch.optim.Adam (no weight decay, no amsgrad):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t += 1
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
template <class T>
struct Adam {
  Adam() = default;
  Adam(Index n, AdamSettings s) : settings(s), m(Vector<T>::Zero(n)), v(Vector<T>::Zero(n)) {}
  void step(Vector<T>& params, const Vector<T>& grad) noexcept;
  void reset() noexcept {
    m.setZero();
    v.setZero();
    t = 0;
  }

  AdamSettings settings;
  Vector<T> m, v;
  std::int64_t t = 0;
};

// target <- (1 - tau) * target + tau * source, in that order of operations
// (as SB3's polyak_update: target.mul_(1 - tau).add_(source, alpha=tau)).
template <class T>
void soft_update(Vector<T>& target, const Vector<T>& source, double tau) noexcept;

extern template class Mlp<float>;
extern template class Mlp<double>;
extern template struct Adam<float>;
extern template struct Adam<double>;

}  // namespace coagent::ddpg
