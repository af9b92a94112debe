// Child processes for the sweep: started with their output in a log file, in their own
// process group (a terminal's Ctrl-C reaches the sweep alone, which forwards it), and sent
// SIGTERM by the kernel if the sweep dies first (no orphan keeps writing a run directory).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace htrmrl {

// Starts program with argv (argv[0] included), stdin from /dev/null, stdout and stderr
// appended to log_path. Returns the child's pid (also its process group id); throws
// htrmrl::Error if fork fails.
pid_t spawn_logged(const std::string& program, const std::vector<std::string>& argv,
                   const std::string& log_path);

// The exit status of a child that has ended, or nothing while it runs.
bool try_reap(pid_t pid, int& status);
// "exit code 2", "killed by SIGKILL", ...
std::string describe_exit(int status);

// Catches SIGINT, SIGTERM and SIGCHLD while alive (restoring the previous handlers after),
// so the sweep can sleep until a child ends or the user asks it to stop.
class SignalWatch {
 public:
  SignalWatch();
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;
  // Sleeps until a signal arrives or timeout_ms passes; returns SIGINT or SIGTERM if one of
  // them arrived, else 0.
  int wait(int timeout_ms);
};

}  // namespace htrmrl
