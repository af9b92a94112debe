#include "experiments/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace htrmrl {
namespace {

// The self-pipe the signal handler writes to (one SignalWatch at a time).
int g_pipe[2] = {-1, -1};
constexpr int kWatched[] = {SIGINT, SIGTERM, SIGCHLD};
struct sigaction g_previous[3];

void on_signal(int signal) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] const ssize_t n = write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

pid_t spawn_logged(const std::string& program, const std::vector<std::string>& argv,
                   const std::string& log_path) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigset_t none;
  sigemptyset(&none);
  const pid_t parent = getpid();
  static const char kExecFailed[] = "htrmrl sweep: cannot execute the child process\n";

  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("cannot start a child process: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    // Die with the sweep; if it is already gone, do not start at all.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    for (int s : kWatched) sigaction(s, &default_action, nullptr);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in = open("/dev/null", O_RDONLY);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || log < 0) _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv(program.c_str(), args.data());
    [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before the parent signals it
  return pid;
}

bool try_reap(pid_t pid, int& status) { return waitpid(pid, &status, WNOHANG) == pid; }

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

SignalWatch::SignalWatch() {
  if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kWatched[i], &action, &g_previous[i]);
}

SignalWatch::~SignalWatch() {
  for (int i = 0; i < 3; ++i) sigaction(kWatched[i], &g_previous[i], nullptr);
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

int SignalWatch::wait(int timeout_ms) {
  pollfd fd{g_pipe[0], POLLIN, 0};
  if (poll(&fd, 1, timeout_ms) <= 0) return 0;
  int stop = 0;
  unsigned char byte = 0;
  while (read(g_pipe[0], &byte, 1) == 1)
    if (byte == SIGINT || byte == SIGTERM) stop = byte;
  return stop;
}

}  // namespace htrmrl
