// src/envs/mujoco/numpy_math.hpp — NumPy's arithmetic, operation for operation, where
// Gymnasium's MuJoCo tasks compute rewards and observations with it (measured against
// NumPy 2.4 on x86-64 by tests/python/test_mujoco.py):
//   numpy_sum          np.sum of a contiguous array: NumPy's pairwise summation
//                      (numpy/_core/src/umath/loops_utils.h.src, pairwise_sum): below 8
//                      values a plain loop; up to 128 eight accumulators, combined as
//                      ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder; above, the
//                      halves (split at a multiple of 8) recursively. In the array's dtype:
//                      float for float32 (Gymnasium's actions), double for float64.
//   numpy_norm         np.linalg.norm of a float64 vector: sqrt(x.dot(x)), and the dot is
//                      BLAS's ddot. NumPy's OpenBLAS, on CPUs with FMA (its Haswell and
//                      later kernels), sums short vectors as s = fma(x_i, x_i, s), so the
//                      squares are not rounded on their own; so does this.
//   numpy_power2       `x ** 2` on an np.float64 scalar: libm's pow(x, 2.0), which is not
//                      always x * x rounded (glibc's pow is off by one ulp for a few
//                      arguments in 10^4); compilers turn pow(x, 2.0) into x * x, so the
//                      exponent is opaque to them here.
#pragma once

#include <cstddef>
#include <span>

namespace coagent::envs {

float numpy_sum(std::span<const float> a) noexcept;
double numpy_sum(std::span<const double> a) noexcept;
double numpy_norm(std::span<const double> x) noexcept;
double numpy_power2(double x) noexcept;

// np.sum(np.square(a)) of a float32 array (Gymnasium's control costs).
float numpy_sum_of_squares(std::span<const float> a) noexcept;

}  // namespace coagent::envs
