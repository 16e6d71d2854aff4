// src/ddpg/replay_buffer.hpp — a fixed-capacity ring of transitions with uniform
// sampling (with replacement, as SB3's ReplayBuffer) from a caller-owned Pcg32.
//
// Storage is column-per-transition so a sampled batch is a set of column copies
// into matrices that the networks consume directly. Observations are stored raw
// (normalisation, when on, is applied to a sampled batch with the statistics of
// that moment, as SB3 does with VecNormalize). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "mlp.hpp"

namespace coagent::ddpg {

// An unbiased integer in [0, n) (Lemire 2019), n >= 1.
inline std::uint32_t uniform_below(Pcg32& rng, std::uint32_t n) noexcept {
  std::uint64_t m = std::uint64_t{rng.next_u32()} * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = std::uint64_t{rng.next_u32()} * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

// A sampled batch, columns = transitions.
template <class T>
struct ReplayBatch {
  Matrix<T> obs, action, next_obs;
  Matrix<T> reward;          // 1 x batch
  Matrix<T> not_terminated;  // 1 x batch: 1 - terminated (truncation bootstraps)
};

template <class T>
class ReplayBuffer {
 public:
  static constexpr Index kMaxCapacity = Index{1} << 31;

  ReplayBuffer() = default;
  // Storage grows geometrically while the ring fills, so a large capacity costs
  // memory only once it is used.
  ReplayBuffer(Index capacity, int obs_size, int action_size)
      : obs_(obs_size, 0), action_(action_size, 0), next_obs_(obs_size, 0), reward_(1, 0),
        terminated_(1, 0), capacity_(capacity) {
    if (capacity < 1 || capacity > kMaxCapacity)
      throw std::invalid_argument("ReplayBuffer: capacity out of range");
  }

  Index capacity() const noexcept { return capacity_; }
  Index size() const noexcept { return size_; }
  Index position() const noexcept { return pos_; }  // where the next transition goes
  int obs_size() const noexcept { return static_cast<int>(obs_.rows()); }
  int action_size() const noexcept { return static_cast<int>(action_.rows()); }

  // Overwrites the oldest transition once full. Sizes must match (unchecked).
  void add(std::span<const double> obs, std::span<const double> action, double reward,
           std::span<const double> next_obs, bool terminated) {
    if (pos_ >= obs_.cols()) reserve(std::min(capacity_, std::max<Index>(1024, 2 * obs_.cols())));
    for (Index i = 0; i < obs_.rows(); ++i) {
      obs_(i, pos_) = static_cast<T>(obs[i]);
      next_obs_(i, pos_) = static_cast<T>(next_obs[i]);
    }
    for (Index i = 0; i < action_.rows(); ++i) action_(i, pos_) = static_cast<T>(action[i]);
    reward_(0, pos_) = static_cast<T>(reward);
    terminated_(0, pos_) = terminated ? T(1) : T(0);
    pos_ = (pos_ + 1) % capacity_;
    size_ = std::min(size_ + 1, capacity());
  }

  // `batch` indices uniform in [0, size()), with replacement. Requires size() >= 1.
  void sample(Index batch, Pcg32& rng, ReplayBatch<T>& out) const {
    out.obs.resize(obs_.rows(), batch);
    out.next_obs.resize(obs_.rows(), batch);
    out.action.resize(action_.rows(), batch);
    out.reward.resize(1, batch);
    out.not_terminated.resize(1, batch);
    for (Index j = 0; j < batch; ++j) {
      const Index k = uniform_below(rng, static_cast<std::uint32_t>(size_));
      out.obs.col(j) = obs_.col(k);
      out.next_obs.col(j) = next_obs_.col(k);
      out.action.col(j) = action_.col(k);
      out.reward(0, j) = reward_(0, k);
      out.not_terminated(0, j) = T(1) - terminated_(0, k);
    }
  }

  void clear() noexcept { size_ = pos_ = 0; }
  // Makes room for `n` transitions (n <= capacity), keeping the stored ones.
  void reserve(Index n) {
    if (n <= obs_.cols()) return;
    obs_.conservativeResize(Eigen::NoChange, n);
    action_.conservativeResize(Eigen::NoChange, n);
    next_obs_.conservativeResize(Eigen::NoChange, n);
    reward_.conservativeResize(Eigen::NoChange, n);
    terminated_.conservativeResize(Eigen::NoChange, n);
  }
  // For deserialisation: the ring's counters (size <= capacity, pos < capacity,
  // pos == size unless full); storage must hold `size` columns.
  void set_counters(Index size, Index pos) noexcept {
    size_ = size;
    pos_ = pos;
  }

  // Raw storage (columns = transitions; the first size() are valid), for
  // serialisation and tests.
  Matrix<T>& obs() noexcept { return obs_; }
  Matrix<T>& action() noexcept { return action_; }
  Matrix<T>& next_obs() noexcept { return next_obs_; }
  Matrix<T>& reward() noexcept { return reward_; }
  Matrix<T>& terminated() noexcept { return terminated_; }
  const Matrix<T>& obs() const noexcept { return obs_; }
  const Matrix<T>& action() const noexcept { return action_; }
  const Matrix<T>& next_obs() const noexcept { return next_obs_; }
  const Matrix<T>& reward() const noexcept { return reward_; }
  const Matrix<T>& terminated() const noexcept { return terminated_; }

 private:
  Matrix<T> obs_, action_, next_obs_, reward_, terminated_;
  Index capacity_ = 1;
  Index size_ = 0;
  Index pos_ = 0;
};

}  // namespace coagent::ddpg
