// coagent/aligned.hpp — float arrays that start on a cache line, for the per-neuron
// row matrices (K, cv, wk, the eligibility traces) and the frames the kernels read.
//
// Why: rows are padded to whole 16-float blocks (64 bytes), so when a matrix starts
// on a 64-byte boundary every 16-float vector the kernels load or store lies within
// one cache line. glibc's malloc returns blocks 16 bytes past a 64-byte boundary
// (large ones 16 bytes into a page), which put every AVX-512 access of a row across
// two lines: aligned, fused `wide` ran 1.71x and async 1.99x as fast, side by side with
// the commit before (docs/performance.md). Only where the buffer starts changes:
// contents, sizes, comparisons and checkpoints are those of a std::vector<float>.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace coagent {

inline constexpr std::size_t kCacheLine = 64;

template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  CacheAlignedAllocator() noexcept = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{kCacheLine}); }
  template <class U>
  friend bool operator==(const CacheAlignedAllocator&, const CacheAlignedAllocator<U>&) noexcept {
    return true;
  }
};

using AlignedFloats = std::vector<float, CacheAlignedAllocator<float>>;

}  // namespace coagent
