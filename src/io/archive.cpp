// src/io/archive.cpp — the checkpoint container: header, payload, SHA-256; written to a
// temporary file, fsynced and renamed (see io/archive.hpp).
#include "io/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "io/byte_writer.hpp"
#include "io/sha256.hpp"

namespace coagent::io {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'A', 'G', 'E', 'N', 'T', '\n'};
constexpr std::size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr std::size_t kHashSize = kSha256Size;

template <class T>
T get_at(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(
          fmt::format("cannot write checkpoint '{}': {}", path, std::strerror(errno)));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void write_archive(const std::string& path, std::span<const char> payload) {
  Sha256 h;
  h.update(payload.data(), payload.size());
  const auto hash = h.finish();
  ByteWriter header;
  for (char c : kMagic) header.put(c);
  header.put<std::uint32_t>(kArchiveVersion);
  header.put<std::uint32_t>(0);
  header.put<std::uint64_t>(payload.size());

  namespace fs = std::filesystem;
  const fs::path target(path);
  if (fs::is_directory(target))
    throw std::runtime_error(fmt::format("cannot write checkpoint '{}': it is a directory", path));
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / (target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot write checkpoint '{}': {}", path, std::strerror(errno)));
  try {
    write_all(fd, header.bytes().data(), header.bytes().size(), path);
    write_all(fd, payload.data(), payload.size(), path);
    write_all(fd, reinterpret_cast<const char*>(hash.data()), hash.size(), path);
    if (::fsync(fd) != 0)
      throw std::runtime_error(
          fmt::format("cannot sync checkpoint '{}': {}", path, std::strerror(errno)));
    ::fchmod(fd, 0644);
    ::close(fd);
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error(
        fmt::format("cannot write checkpoint '{}': {}", path, std::strerror(err)));
  }
  // Make the rename itself durable.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string regular_file_problem(const std::string& path, std::string_view noun) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return fmt::format("{} '{}' does not exist", noun, path);
  if (!fs::is_regular_file(path, ec))
    return fmt::format("{} '{}' is not a regular file", noun, path);
  return {};
}

std::vector<char> read_archive(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (std::string why = regular_file_problem(path, "checkpoint"); !why.empty())
    throw std::runtime_error(why);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot open checkpoint '{}'", path));
  const auto size = fs::file_size(path, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot read checkpoint '{}'", path));
  if (size > (std::uint64_t{1} << 36))
    throw std::runtime_error(fmt::format("checkpoint '{}' is implausibly large", path));
  std::vector<char> bytes(size);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in) throw std::runtime_error(fmt::format("cannot read checkpoint '{}'", path));

  if (size < kHeaderSize + kHashSize)
    throw std::runtime_error(
        fmt::format("checkpoint '{}' is corrupt or truncated ({} bytes)", path, size));
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(fmt::format(
        "checkpoint '{}' is corrupt or not a coagent checkpoint (bad magic)", path));
  const auto version = get_at<std::uint32_t>(bytes.data() + 8);
  const auto reserved = get_at<std::uint32_t>(bytes.data() + 12);
  const auto payload_size = get_at<std::uint64_t>(bytes.data() + 16);
  if (version == 2)  // format 2: per-neuron random streams and 8-float rows
    throw std::runtime_error(fmt::format(
        "checkpoint '{}' has format version 2, from a coagent before counter-based noise and "
        "16-float rows; this build reads version {} only: retrain, or resume it with the "
        "older build",
        path, kArchiveVersion));
  if (version != kArchiveVersion)
    throw std::runtime_error(fmt::format(
        "checkpoint '{}' is corrupt or has unsupported format version {} (this build reads {})",
        path, version, kArchiveVersion));
  if (reserved != 0 || payload_size != size - kHeaderSize - kHashSize)
    throw std::runtime_error(fmt::format(
        "checkpoint '{}' is corrupt or truncated (header says {} payload bytes, file has {})",
        path, payload_size, size - std::min<std::uint64_t>(size, kHeaderSize + kHashSize)));
  const char* payload = bytes.data() + kHeaderSize;
  Sha256 h;
  h.update(payload, payload_size);
  const auto hash = h.finish();
  if (std::memcmp(hash.data(), payload + payload_size, kHashSize) != 0)
    throw std::runtime_error(
        fmt::format("checkpoint '{}' is corrupt (checksum mismatch)", path));

  return std::vector<char>(payload, payload + payload_size);
}

}  // namespace coagent::io
