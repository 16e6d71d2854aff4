// coagent/param_array.hpp — a float array whose buffer starts at a chosen offset
// within a 4 KiB page, for the per-neuron row matrices (K, cv, wk, the eligibility
// traces).
//
// Why: a step's sweep streams through two or three row matrices at once, storing
// into one while loading from the next. Large allocations all start at the same
// offset in a page (glibc maps them), so K[i] and cv[i] share their low 12 address
// bits, and each load is held up behind the store to the other array with those bits
// ("4K aliasing"). On the 2-vCPU AMD EPYC we develop on, a toy sweep of two 8.5 MB
// arrays ran at 0.52-0.57 of the streaming bandwidth with the arrays page-aligned
// alike, and at 0.72-0.76 with the second one 1-2.7 KiB further into its page
// (README, Performance). The offset is a property of the buffer, not of the data:
// contents, sizes, comparisons and checkpoints are those of a std::vector<float>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace coagent {

// Allocates at kPage * k + phase * kPhaseBytes (phase 0, 1 or 2: a third of a page
// apart, each a whole number of 64-byte lines). The allocation's own address is kept
// just before the buffer, so any instance frees any buffer (is_always_equal): a copy
// is allocated at the phase of its source (copy construction) or of its target (copy
// assignment), and a move takes the buffer as it is.
class PageOffsetAllocator {
 public:
  using value_type = float;
  using is_always_equal = std::true_type;
  template <class U>
  struct rebind {
    static_assert(std::is_same_v<U, float>, "PageOffsetAllocator allocates floats only");
    using other = PageOffsetAllocator;
  };
  static constexpr std::size_t kPage = 4096, kPhaseBytes = 1344, kHeader = 64;

  constexpr PageOffsetAllocator() noexcept = default;
  constexpr explicit PageOffsetAllocator(int phase) noexcept
      : offset_(static_cast<std::size_t>(phase % 3) * kPhaseBytes) {}

  float* allocate(std::size_t n) {
    if (n > (SIZE_MAX - kPage - kHeader - 2 * kPhaseBytes) / sizeof(float))
      throw std::bad_array_new_length();
    char* raw = static_cast<char*>(::operator new(n * sizeof(float) + kPage + kHeader + offset_));
    const auto at = reinterpret_cast<std::uintptr_t>(raw) + kHeader;
    char* p = raw + ((at + kPage - 1) / kPage * kPage - reinterpret_cast<std::uintptr_t>(raw)) +
              offset_;
    std::memcpy(p - sizeof raw, &raw, sizeof raw);
    return reinterpret_cast<float*>(p);
  }
  void deallocate(float* p, std::size_t) noexcept {
    char* raw;
    std::memcpy(&raw, reinterpret_cast<char*>(p) - sizeof raw, sizeof raw);
    ::operator delete(raw);
  }
  friend bool operator==(const PageOffsetAllocator&, const PageOffsetAllocator&) noexcept {
    return true;
  }

 private:
  std::size_t offset_ = 0;
};

using ParamArray = std::vector<float, PageOffsetAllocator>;

}  // namespace coagent
