// src/io/sha256.hpp — SHA-256 over OpenSSL's EVP interface (checkpoint checksums and
// the state digests). Internal to the library.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace coagent::io {

inline constexpr std::size_t kSha256Size = 32;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("SHA-256 is unavailable");
  }
  void update(const void* data, std::size_t size) {
    if (size) EVP_DigestUpdate(ctx_.get(), data, size);
  }
  template <class T>
  void update_vec(const std::vector<T>& v) {
    update(v.data(), v.size() * sizeof(T));
  }
  std::array<unsigned char, kSha256Size> finish() {
    std::array<unsigned char, kSha256Size> out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out.data(), &len);
    return out;
  }
  static std::string hex(const std::array<unsigned char, kSha256Size>& h) {
    std::string s;
    for (unsigned char c : h) s += fmt::format("{:02x}", c);
    return s;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// SHA-256 of a byte range, hex encoded.
inline std::string sha256_hex(const void* data, std::size_t size) {
  Sha256 h;
  h.update(data, size);
  return Sha256::hex(h.finish());
}

}  // namespace coagent::io
