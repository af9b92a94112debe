#include "common/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace htrmrl {
namespace {

[[noreturn]] void fail(const std::string& path, int err) {
  throw WriteError("cannot write " + path + ": " + std::strerror(err));
}

// Test hook: HTRMRL_FAIL_WRITE=<part of a path>:<k> makes the k-th write to a file whose path
// holds that part write half its bytes and then fail with ENOSPC, as a disk that fills up
// mid-write does. It lets the tests reach every writer's failure path without a small file
// system (mounting one needs privileges CI may lack).
bool injected_failure(const std::string& path) {
  static const auto rule = [] {
    std::pair<std::string, long> r{"", 0};
    if (const char* spec = std::getenv("HTRMRL_FAIL_WRITE")) {
      const std::string s = spec;
      const size_t colon = s.rfind(':');
      if (colon != std::string::npos) r = {s.substr(0, colon), std::atol(s.c_str() + colon + 1)};
    }
    return r;
  }();
  static std::atomic<long> seen{0};
  return !rule.first.empty() && path.find(rule.first) != std::string::npos &&
         ++seen == rule.second;
}

// Writes all of bytes to fd; returns 0 or the errno of the failure.
int write_all(int fd, const std::string& path, std::string_view bytes) {
  const bool inject = injected_failure(path);
  const size_t size = inject ? bytes.size() / 2 : bytes.size();
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, bytes.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<size_t>(n);
  }
  return inject ? ENOSPC : 0;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, errno);
  int err = write_all(fd, path, text);
  // Some file systems (NFS, quotas) report a full disk only at fsync or close; the sync also
  // makes the rename publish data that is on disk.
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(path, err);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

AppendFile::AppendFile(std::string path)
    : path_(std::move(path)),
      fd_(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) fail(path_, errno);
}

AppendFile::AppendFile(AppendFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

AppendFile& AppendFile::operator=(AppendFile&& other) noexcept {
  std::swap(path_, other.path_);
  std::swap(fd_, other.fd_);
  return *this;
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::append(std::string_view bytes) {
  struct stat before {};
  if (::fstat(fd_, &before) != 0) fail(path_, errno);
  if (const int err = write_all(fd_, path_, bytes); err != 0) {
    // Cut the partial record off. Should even that fail, the readers drop an unterminated
    // last row (metrics.csv) or stop at a truncated record (event files), as after a kill.
    [[maybe_unused]] const int cut = ::ftruncate(fd_, before.st_size);
    fail(path_, err);
  }
}

}  // namespace htrmrl
