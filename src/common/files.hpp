// Small file helpers shared by the commands. Every write checks its result: a failure (a full
// disk, a read-only directory) throws WriteError "cannot write PATH: <the OS's reason>" and
// leaves the file as it was before the call.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace htrmrl {

// A write that failed; the trainer adds the iteration and the last good checkpoint.
struct WriteError : Error {
  using Error::Error;
};

// Writes text to path through a temporary file, synced and then renamed over path: readers see
// the old file or the new, never half. On failure the old file is intact and the temporary
// file removed.
void write_file_atomic(const std::string& path, const std::string& text);
// The whole file, or htrmrl::Error naming it.
std::string read_file(const std::string& path);

// A file written by appending (metrics.csv, event files, logs). Each append lands whole or not
// at all: a failed write is cut back to the file's previous length before WriteError is
// thrown, so a full disk never leaves half a row for the next reader.
class AppendFile {
 public:
  AppendFile() = default;
  // Opens path for appending, creating it if needed.
  explicit AppendFile(std::string path);
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  ~AppendFile();
  void append(std::string_view bytes);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace htrmrl
