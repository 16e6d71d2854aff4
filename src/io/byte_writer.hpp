// src/io/byte_writer.hpp — the little-endian byte layout shared by both checkpoint
// kinds (local-rule and DDPG): trivially copyable values as their bytes, arrays and
// strings as a uint64 count followed by the elements. Internal to the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace coagent::io {

class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const char*>(&v);
    buf_.insert(buf_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_array(const T* data, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(n);
    const auto* p = reinterpret_cast<const char*>(data);
    buf_.insert(buf_.end(), p, p + n * sizeof(T));
  }
  template <class T, class A>
  void put_vec(const std::vector<T, A>& v) {
    put_array(v.data(), v.size());
  }
  void put_str(const std::string& s) { put_array(s.data(), s.size()); }
  std::vector<char>& bytes() { return buf_; }

 private:
  std::vector<char> buf_;
};

}  // namespace coagent::io
