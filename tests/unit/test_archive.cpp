// The checkpoint container (src/io/archive.hpp): round trips, atomic replacement
// (a failed write leaves the old file and no temporary file), and every kind of bad
// file is a std::runtime_error naming the path and the problem, without allocating
// what a corrupt header claims.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "coagent/checkpoint.hpp"
#include "io/archive.hpp"

namespace coagent {
namespace {

namespace fs = std::filesystem;
using io::read_archive;
using io::write_archive;

constexpr std::size_t kHeader = 24, kHash = 32;

class Archive : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("coagent_archive_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name = "run.ckpt") const { return (dir_ / name).string(); }

  static std::vector<char> bytes_of(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void put_bytes(const std::string& p, const std::vector<char>& b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  }
  // Files in the directory other than `keep` (left-over temporary files).
  std::vector<std::string> strays(const std::string& keep = "run.ckpt") const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != keep) out.push_back(e.path().filename().string());
    return out;
  }
  // read_archive must throw a runtime_error naming the path and containing `problem`.
  static void expect_read_error(const std::string& p, const std::string& problem) {
    try {
      read_archive(p);
      ADD_FAILURE() << "reading " << p << " did not throw (expected: " << problem << ")";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("'" + p + "'"), std::string::npos) << what;
      EXPECT_NE(what.find(problem), std::string::npos) << what;
    }
  }
  static std::vector<char> payload(std::size_t n, unsigned seed = 1) {
    std::mt19937 g(seed);
    std::vector<char> v(n);
    for (auto& c : v) c = static_cast<char>(g());
    return v;
  }

  fs::path dir_;
};

TEST_F(Archive, RoundTripsPayloadsOfAnySize) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{3} << 20}) {
    const auto p = payload(n, static_cast<unsigned>(n));
    write_archive(path(), p);
    EXPECT_EQ(read_archive(path()), p) << n << " bytes";
    EXPECT_EQ(fs::file_size(path()), kHeader + n + kHash);
  }
  EXPECT_TRUE(strays().empty());
  EXPECT_EQ(fs::status(path()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST_F(Archive, HeaderLayoutIsTheDocumentedOne) {
  write_archive(path(), payload(5));
  const auto b = bytes_of(path());
  ASSERT_EQ(b.size(), kHeader + 5 + kHash);
  EXPECT_EQ(std::string(b.data(), 8), std::string("COAGENT\n"));
  std::uint32_t version, reserved;
  std::uint64_t size;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&reserved, b.data() + 12, 4);
  std::memcpy(&size, b.data() + 16, 8);
  EXPECT_EQ(version, kCheckpointVersion);
  EXPECT_EQ(reserved, 0u);
  EXPECT_EQ(size, 5u);
}

TEST_F(Archive, OverwriteReplacesTheOldFile) {
  write_archive(path(), payload(100, 1));
  write_archive(path(), payload(10, 2));
  EXPECT_EQ(read_archive(path()), payload(10, 2));
  EXPECT_TRUE(strays().empty());
}

TEST_F(Archive, RelativePathInTheWorkingDirectory) {
  const auto cwd = fs::current_path();
  fs::current_path(dir_);
  write_archive("rel.ckpt", payload(9));
  EXPECT_EQ(read_archive("rel.ckpt"), payload(9));
  fs::current_path(cwd);
  EXPECT_TRUE(fs::exists(dir_ / "rel.ckpt"));
}

// A write that fails half-way (here: the file size limit makes write() fail with
// EFBIG) leaves the old file byte-identical and no temporary file behind.
TEST_F(Archive, FailedWriteLeavesTheOldFileAndNoTemporary) {
  write_archive(path(), payload(1000, 7));
  const auto old = bytes_of(path());
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string what;
  try {
    write_archive(path(), payload(1 << 20, 8));
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(what.empty()) << "the write did not fail";
  EXPECT_NE(what.find("cannot write checkpoint '" + path() + "'"), std::string::npos) << what;
  EXPECT_EQ(bytes_of(path()), old);
  EXPECT_TRUE(strays().empty()) << strays().front();
  EXPECT_EQ(read_archive(path()), payload(1000, 7));
}

// 0: the write failed with the message naming the path; 1: it wrote; 2: another error.
int write_into_unwritable(const std::string& path) {
  try {
    write_archive(path, std::vector<char>(60, 'x'));
    return 1;
  } catch (const std::runtime_error& e) {
    return std::string(e.what()).find("cannot write checkpoint '" + path + "'") !=
                   std::string::npos ? 0 : 2;
  }
}

// Root ignores directory permissions, so as root (CI) the write is tried by a child that
// has dropped to the unprivileged user `nobody` (65534): the test runs everywhere.
TEST_F(Archive, UnwritableDirectoryLeavesTheOldFile) {
  write_archive(path(), payload(50));
  const auto old = bytes_of(path());
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  int outcome = -1;
  if (::geteuid() != 0) {
    outcome = write_into_unwritable(path());
  } else {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      ::_exit(write_into_unwritable(path()));
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    outcome = WEXITSTATUS(status);
  }
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_EQ(outcome, 0) << "1: wrote into a read-only directory; 2: a message without the "
                           "path; 3: could not drop root";
  EXPECT_EQ(bytes_of(path()), old);
  EXPECT_TRUE(strays().empty());
}

TEST_F(Archive, WriteIntoAMissingDirectoryFails) {
  const auto p = (dir_ / "no" / "such" / "dir.ckpt").string();
  try {
    write_archive(p, payload(3));
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write checkpoint '" + p + "'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

TEST_F(Archive, WriteOverADirectoryFails) {
  fs::create_directory(path());
  try {
    write_archive(path(), payload(3));
    ADD_FAILURE() << "wrote over a directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'" + path() + "': it is a directory"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_directory(path()));
  EXPECT_TRUE(strays().empty());
}

TEST_F(Archive, MissingFile) { expect_read_error(path("absent.ckpt"), "does not exist"); }

TEST_F(Archive, PathIsADirectory) {
  fs::create_directory(path());
  expect_read_error(path(), "is not a regular file");
}

TEST_F(Archive, EmptyFile) {
  put_bytes(path(), {});
  expect_read_error(path(), "corrupt or truncated (0 bytes)");
}

TEST_F(Archive, TruncatedFiles) {
  write_archive(path(), payload(200));
  const auto good = bytes_of(path());
  // Inside the header, inside the payload, inside the checksum.
  for (std::size_t keep : {std::size_t{5}, kHeader, kHeader + 100, good.size() - 1}) {
    put_bytes(path(), std::vector<char>(good.begin(), good.begin() + static_cast<long>(keep)));
    expect_read_error(path(), "corrupt or truncated");
  }
  // One byte too many is as wrong as one too few.
  auto longer = good;
  longer.push_back('x');
  put_bytes(path(), longer);
  expect_read_error(path(), "header says 200 payload bytes, file has 201");
}

TEST_F(Archive, FlippedByteFailsTheChecksum) {
  write_archive(path(), payload(200));
  const auto good = bytes_of(path());
  for (std::size_t at : {kHeader, kHeader + 99, kHeader + 199, good.size() - 1}) {
    auto b = good;
    b[at] ^= 0x01;
    put_bytes(path(), b);
    expect_read_error(path(), "corrupt (checksum mismatch)");
  }
}

TEST_F(Archive, WrongMagic) {
  write_archive(path(), payload(10));
  auto b = bytes_of(path());
  b[0] = 'X';
  put_bytes(path(), b);
  expect_read_error(path(), "not a coagent checkpoint (bad magic)");
  // A text file of the right length is not a checkpoint either.
  put_bytes(path(), std::vector<char>(100, 'a'));
  expect_read_error(path(), "bad magic");
}

TEST_F(Archive, WrongVersion) {
  write_archive(path(), payload(10));
  auto b = bytes_of(path());
  const std::uint32_t v = kCheckpointVersion + 97;
  std::memcpy(b.data() + 8, &v, 4);
  put_bytes(path(), b);
  expect_read_error(path(), "unsupported format version " + std::to_string(v) +
                                " (this build reads " + std::to_string(kCheckpointVersion) + ")");
}

// A format-2 file (per-neuron random streams, before the counter-based noise) is refused
// with a message that says what it is and what to do.
TEST_F(Archive, FormatTwoFileIsRefusedByName) {
  write_archive(path(), payload(10));
  auto b = bytes_of(path());
  const std::uint32_t v = 2;
  std::memcpy(b.data() + 8, &v, 4);
  put_bytes(path(), b);
  expect_read_error(path(), "has format version 2, from a coagent before counter-based noise");
  expect_read_error(path(), "retrain, or resume it with the older build");
}

TEST_F(Archive, NonZeroReservedField) {
  write_archive(path(), payload(10));
  auto b = bytes_of(path());
  b[12] = 1;
  put_bytes(path(), b);
  expect_read_error(path(), "corrupt or truncated (header says 10 payload bytes");
}

// A header that declares an enormous payload is refused from the file size alone:
// nothing of the declared size is ever allocated (this would throw bad_alloc or be
// killed if it were).
TEST_F(Archive, HugeDeclaredSizeAllocatesNothing) {
  write_archive(path(), payload(10));
  auto b = bytes_of(path());
  for (std::uint64_t huge : {std::uint64_t{1} << 40, ~std::uint64_t{0}, std::uint64_t{11}}) {
    std::memcpy(b.data() + 16, &huge, 8);
    put_bytes(path(), b);
    expect_read_error(path(), "header says " + std::to_string(huge) + " payload bytes, file has 10");
  }
}

}  // namespace
}  // namespace coagent
