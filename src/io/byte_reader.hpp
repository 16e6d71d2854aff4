// src/io/byte_reader.hpp — reads the layout ByteWriter writes (byte_writer.hpp), for
// both checkpoint kinds. Every read is bounds-checked before it copies or allocates;
// a failure throws std::runtime_error "<context>: <what went wrong>", where the
// context names the file (or the byte blob). Internal to the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace coagent::io {

class ByteReader {
 public:
  ByteReader(std::span<const char> bytes, std::string context)
      : b_(bytes), context_(std::move(context)) {}

  template <class T>
  T get(std::string_view what = "a value") {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  // A count-prefixed array of any length that fits in the input.
  template <class T>
  std::vector<T> get_vec(std::string_view what = "an array") {
    const auto n = get<std::uint64_t>(what);
    if (n > left() / sizeof(T)) fail(std::string(what) + ": its length runs past the end");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  // A count-prefixed array that must hold exactly `expected` values.
  template <class T>
  void get_exact(T* out, std::size_t expected, std::string_view what) {
    const auto n = get<std::uint64_t>(what);
    if (n != expected)
      fail(std::string(what) + " has " + std::to_string(n) + " values, expected " +
           std::to_string(expected));
    need(n * sizeof(T), what);
    if (n) std::memcpy(out, b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  // Into a vector already sized to what the settings describe.
  template <class T, class A>
  void get_into(std::vector<T, A>& dst, std::string_view what) {
    get_exact(dst.data(), dst.size(), what);
  }
  std::string get_str(std::string_view what = "a string") {
    const auto v = get_vec<char>(what);
    return std::string(v.begin(), v.end());
  }

  std::size_t left() const noexcept { return b_.size() - pos_; }
  bool done() const noexcept { return pos_ == b_.size(); }
  const std::string& context() const noexcept { return context_; }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(context_ + ": " + why);
  }

 private:
  void need(std::size_t n, std::string_view what) const {
    if (n > left()) fail("the data ends early, while reading " + std::string(what));
  }
  std::span<const char> b_;
  std::size_t pos_ = 0;
  std::string context_;
};

}  // namespace coagent::io
