// src/io/archive.hpp — the checkpoint container (layout in coagent/checkpoint.hpp):
// magic, format version, payload size, payload, SHA-256 of the payload. Writing is
// atomic (temporary file in the same directory, fsync, rename, fsync of the
// directory): a crash leaves the old or the new file. Reading verifies everything
// and never allocates more than the file holds. Errors are std::runtime_error
// naming the path and the problem. Internal to the library.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace coagent::io {

inline constexpr std::uint32_t kArchiveVersion = 2;

void write_archive(const std::string& path, std::span<const char> payload);
// Returns the verified payload.
std::vector<char> read_archive(const std::string& path);

}  // namespace coagent::io
