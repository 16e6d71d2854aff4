// src/ddpg/mlp.cpp — Mlp forward/backward, Adam and soft updates (see mlp.hpp).
#include "mlp.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace coagent::ddpg {

template <class T>
Mlp<T>::Mlp(std::vector<int> widths, Activation output, Pcg32& rng)
    : widths_(std::move(widths)), output_(output) {
  if (widths_.size() < 2)
    throw std::invalid_argument("Mlp: need at least an input and an output width");
  Index n = 0;
  for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
    if (widths_[l] < 1 || widths_[l + 1] < 1)
      throw std::invalid_argument("Mlp: layer width " + std::to_string(widths_[l]) +
                                  " is not positive");
    offset_.push_back(n);
    n += Index{widths_[l + 1]} * (widths_[l] + 1);
  }
  params_.resize(n);
  initialize(rng);
}

template <class T>
void Mlp<T>::initialize(Pcg32& rng) {
  for (int l = 0; l < num_layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(widths_[l]));
    auto w = weight(l);
    for (Index j = 0; j < w.cols(); ++j)
      for (Index i = 0; i < w.rows(); ++i) w(i, j) = static_cast<T>(rng.uniform(-bound, bound));
    auto b = bias(l);
    for (Index i = 0; i < b.size(); ++i) b(i) = static_cast<T>(rng.uniform(-bound, bound));
  }
}

template <class T>
void Mlp<T>::forward(const Eigen::Ref<const Matrix<T>>& x, MlpCache<T>& c) const {
  const int L = num_layers();
  c.z.resize(L);
  c.a.resize(L + 1);
  c.a[0] = x;
  for (int l = 0; l < L; ++l) {
    Matrix<T>& z = c.z[l];
    z.noalias() = weight(l) * c.a[l];
    z.colwise() += bias(l);
    switch (activation(l)) {
      case Activation::relu: c.a[l + 1] = z.cwiseMax(T(0)); break;
      case Activation::tanh: c.a[l + 1] = z.array().tanh().matrix(); break;
      case Activation::identity: c.a[l + 1] = z; break;
    }
  }
}

template <class T>
void Mlp<T>::backward(MlpCache<T>& c, const Eigen::Ref<const Matrix<T>>& d_out, Vector<T>* grad,
                      Matrix<T>* d_input) const {
  const int L = num_layers();
  c.delta.resize(L);
  // delta[l] = dLoss/dz[l]: the incoming gradient times the activation's derivative.
  auto through_activation = [&](int l) {
    Matrix<T>& d = c.delta[l];
    switch (activation(l)) {
      case Activation::relu:
        d = (c.z[l].array() > T(0)).select(d.array(), T(0)).matrix();
        break;
      case Activation::tanh:
        d.array() *= (T(1) - c.a[l + 1].array().square());
        break;
      case Activation::identity: break;
    }
  };
  c.delta[L - 1] = d_out;
  through_activation(L - 1);
  if (grad) grad->resize(num_parameters());
  for (int l = L - 1; l >= 0; --l) {
    if (grad) {
      weight_in(*grad, l).noalias() = c.delta[l] * c.a[l].transpose();
      bias_in(*grad, l) = c.delta[l].rowwise().sum();
    }
    if (l > 0) {
      c.delta[l - 1].noalias() = weight(l).transpose() * c.delta[l];
      through_activation(l - 1);
    } else if (d_input) {
      d_input->noalias() = weight(0).transpose() * c.delta[0];
    }
  }
}

template <class T>
void Adam<T>::step(Vector<T>& params, const Vector<T>& grad) noexcept {
  ++t;
  const double bc1 = 1.0 - std::pow(settings.beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(settings.beta2, static_cast<double>(t));
  const T b1 = static_cast<T>(settings.beta1), b2 = static_cast<T>(settings.beta2);
  const T step_size = static_cast<T>(settings.lr / bc1);
  const T bc2_sqrt = static_cast<T>(std::sqrt(bc2));
  const T eps = static_cast<T>(settings.eps);
  m = b1 * m + (T(1) - b1) * grad;
  v = b2 * v + (T(1) - b2) * grad.cwiseProduct(grad);
  params.array() -= step_size * m.array() / (v.array().sqrt() / bc2_sqrt + eps);
}

template <class T>
void soft_update(Vector<T>& target, const Vector<T>& source, double tau) noexcept {
  target = target * static_cast<T>(1.0 - tau) + source * static_cast<T>(tau);
}

template class Mlp<float>;
template class Mlp<double>;
template struct Adam<float>;
template struct Adam<double>;
template void soft_update<float>(Vector<float>&, const Vector<float>&, double) noexcept;
template void soft_update<double>(Vector<double>&, const Vector<double>&, double) noexcept;

}  // namespace coagent::ddpg
