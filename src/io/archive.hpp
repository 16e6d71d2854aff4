// src/io/archive.hpp — the checkpoint container, independent of what the payload holds
// (internal to the library; the layout is documented in coagent/checkpoint.hpp):
//   magic "COAGENT\n" (8 bytes) | format version u32 (kCheckpointVersion) | reserved u32 |
//   payload size u64 | payload | SHA-256 of the payload (32 bytes)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coagent::io {

// The container format version (coagent/checkpoint.hpp's kCheckpointVersion).
inline constexpr std::uint32_t kArchiveVersion = 3;

// Writes the container to a temporary file in the target's directory, fsyncs it and
// renames it over `path` (then fsyncs the directory): a crash or an error at any point
// leaves the old file, if any, intact, and no temporary file behind. Throws
// std::runtime_error naming the path and the problem.
void write_archive(const std::string& path, std::span<const char> payload);

// Reads and verifies the container (size, magic, version, declared payload size,
// checksum) and returns the payload. Never reads more than the file holds (files over
// 64 GiB are refused before allocating). Throws std::runtime_error naming the path and
// the problem: missing, not a regular file, truncated, bad magic, unsupported version,
// checksum mismatch.
std::vector<char> read_archive(const std::string& path);

// Why `path` cannot be read as a `noun` file ("config", "checkpoint"): "<noun> '<path>'
// does not exist" or "<noun> '<path>' is not a regular file"; empty when it is one.
std::string regular_file_problem(const std::string& path, std::string_view noun);

}  // namespace coagent::io
