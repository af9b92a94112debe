// Running a sweep: the directory checks, the scheduler (at most `jobs` children of this
// binary, each `htrmrl train --resume runs/<name>`), the progress display and the stop on a
// signal. A run is finished when its status.json says so; anything else is (re)started.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "experiments/process.hpp"
#include "experiments/sweep.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kLogLinesOnFailure = 12;

bool is_finished(const RunPaths& run) {
  if (!fs::exists(run.status())) return false;
  try {
    return nlohmann::json::parse(read_file(run.status())).value("state", "") == "finished";
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// The last `count` lines of a file.
std::vector<std::string> last_lines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

// Iteration and env steps of the newest metrics row, or zeros before the first.
std::pair<int64_t, int64_t> latest_progress(const std::string& metrics) {
  const auto lines = last_lines(metrics, 1);
  int64_t iteration = 0, env_steps = 0;
  if (lines.empty() || lines[0].empty() || !std::isdigit(static_cast<unsigned char>(lines[0][0])))
    return {iteration, env_steps};  // no file yet, or the header alone
  char* rest = nullptr;
  iteration = std::strtoll(lines[0].c_str(), &rest, 10);
  if (*rest == ',') env_steps = std::strtoll(rest + 1, nullptr, 10);
  return {iteration, env_steps};
}

std::string duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

const char* signal_name(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

// Holds an exclusive lock on the sweep directory: two sweeps must not run the same runs.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& dir)
      : fd_(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (fd_ >= 0) close(fd_);
    throw Error("another htrmrl sweep is running in '" + dir + "'");
  }
  ~DirectoryLock() { close(fd_); }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_;
};

// Progress: one line per event; on a terminal also a status line redrawn in place.
class SweepDisplay {
 public:
  SweepDisplay() : tty_(isatty(STDERR_FILENO) != 0) {}

  void event(const std::string& line) {
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", line.c_str());
    std::fprintf(stderr, "%s", status_.c_str());
    std::fflush(stderr);
  }

  // Redraws the status line, cut to the terminal's width so that it stays one line.
  void status(std::string line) {
    if (!tty_) return;
    winsize size{};
    const size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0
                             ? size.ws_col : 120;
    if (line.size() >= width) line = line.substr(0, width - 4) + "...";
    status_ = line;
    std::fprintf(stderr, "\r\033[K%s", status_.c_str());
    std::fflush(stderr);
  }

  void finish() {
    if (tty_ && !status_.empty()) std::fprintf(stderr, "\n");
    status_.clear();
  }

 private:
  bool tty_;
  std::string status_;
};

// Refuses, before anything is written, a directory that holds something else than this
// sweep: another sweep, other files, or a run whose config is not the one planned.
void check_directory(const SweepPlan& plan, const std::string& out) {
  const std::string manifest = out + "/sweep.json";
  if (fs::exists(manifest)) {
    nlohmann::json stored;
    try {
      stored = nlohmann::json::parse(read_file(manifest));
    } catch (const nlohmann::json::exception& e) {
      throw Error("'" + manifest + "' is not a sweep manifest: " + e.what());
    }
    check_same_sweep(stored, plan, manifest);
  } else if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out))) {
    throw Error("'" + out + "' exists and holds no sweep (no sweep.json)");
  }
  for (const auto& run : plan.runs) {
    const RunPaths paths{out + "/" + run.dir()};
    if (!fs::exists(paths.config())) continue;
    // A started run records its suite version; the plan leaves it to the build (empty). A
    // run of another version is refused by name when it resumes.
    const Config stored = load_run_config(paths.dir);
    Config planned = run.config;
    if (planned.env.suite_version.empty()) planned.env.suite_version = stored.env.suite_version;
    if (to_toml(stored) != to_toml(planned))
      throw Error("'" + paths.config() + "' is not the config this sweep gives run " +
                  run.name + "; move that run away to rerun it");
  }
}

class Scheduler {
 public:
  Scheduler(const SweepPlan& plan, const SweepOptions& options)
      : plan_(plan), options_(options), start_(Clock::now()) {}

  void run() {
    size_t skipped = 0;
    for (size_t i = 0; i < plan_.runs.size(); ++i) {
      if (is_finished(paths(i))) ++skipped;
      else pending_.push_back(i);
    }
    finished_ = skipped;
    display_.event(fmt::format("sweep: {} runs in {}: {} finished already, {} to run, {} at a time",
                               plan_.runs.size(), options_.out, skipped, pending_.size(),
                               options_.jobs));
    int stop = 0;
    if (!pending_.empty()) {
      SignalWatch signals;
      while (!pending_.empty() || !running_.empty()) {
        while (!stop && !pending_.empty() && static_cast<int>(running_.size()) < options_.jobs) {
          start(pending_.front());
          pending_.pop_front();
        }
        if (const int signal = signals.wait(1000)) {
          stop = forward(signal, stop);
          pending_.clear();
        }
        reap(stop != 0);
        display_.status(status_line());
      }
      display_.finish();
    }
    conclude(stop);
  }

 private:
  struct Child {
    size_t run;
    pid_t pid;
    Clock::time_point started;
  };

  RunPaths paths(size_t run) const { return {options_.out + "/" + plan_.runs[run].dir()}; }
  std::string log_path(size_t run) const { return paths(run).dir + "/train.log"; }

  // A run starts as `train --resume` on the config.toml written here: the same command
  // for a fresh run (no checkpoint: from iteration 0) and for a stopped one.
  void start(size_t run) {
    const RunPaths p = paths(run);
    fs::create_directories(p.dir);
    const bool fresh = !fs::exists(p.config());
    if (fresh) write_file_atomic(p.config(), to_toml(plan_.runs[run].config));
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    AppendFile(log_path(run))
        .append(fmt::format("=== htrmrl sweep: {} at {} ===\n", fresh ? "starting" : "resuming",
                            stamp));
    // This very binary, even if the file was rebuilt since the sweep started.
    const pid_t pid =
        spawn_logged("/proc/self/exe", {"htrmrl", "train", "--resume", p.dir}, log_path(run));
    running_.push_back({run, pid, Clock::now()});
    display_.event(fmt::format("sweep: {} {} (log: {})", fresh ? "started" : "resumed",
                               plan_.runs[run].name, log_path(run)));
  }

  // Passes a stop request on to every child (a second one kills them outright); returns the
  // signal the sweep stops for.
  int forward(int signal, int stop) {
    const int sent = stop ? SIGKILL : signal;
    display_.event(fmt::format("sweep: {} received: {} {} running run(s); rerun the same "
                               "command to resume",
                               signal_name(signal), stop ? "killing" : "stopping",
                               running_.size()));
    for (const Child& c : running_) kill(-c.pid, sent);
    return stop ? stop : signal;
  }

  // Collects the children that ended and reports each.
  void reap(bool stopping) {
    for (auto it = running_.begin(); it != running_.end();) {
      int status = 0;
      if (!try_reap(it->pid, status)) {
        ++it;
        continue;
      }
      const auto& run = plan_.runs[it->run];
      const double seconds = std::chrono::duration<double>(Clock::now() - it->started).count();
      if (is_finished(paths(it->run))) {
        ++finished_;
        const auto [iteration, env_steps] = latest_progress(paths(it->run).metrics());
        display_.event(fmt::format("sweep: finished {} in {} ({} iterations, {} env steps) "
                                   "[{}/{} finished]",
                                   run.name, duration(seconds), iteration, env_steps, finished_,
                                   plan_.runs.size()));
      } else if (stopping) {
        display_.event(fmt::format("sweep: stopped {} ({})", run.name, describe_exit(status)));
      } else {
        failed_.push_back(run.name);
        std::string tail;
        for (const auto& line : last_lines(log_path(it->run), kLogLinesOnFailure))
          tail += "\n    | " + line;
        display_.event(fmt::format("sweep: FAILED {} ({}) after {}; last lines of {}:{}",
                                   run.name, describe_exit(status), duration(seconds),
                                   log_path(it->run), tail));
      }
      it = running_.erase(it);
    }
  }

  std::string status_line() const {
    std::string line = fmt::format(
        "sweep: {}/{} finished, {} running, {} failed, {}", finished_, plan_.runs.size(),
        running_.size(), failed_.size(),
        duration(std::chrono::duration<double>(Clock::now() - start_).count()));
    for (const Child& c : running_) {
      const auto& run = plan_.runs[c.run];
      const auto [iteration, env_steps] = latest_progress(paths(c.run).metrics());
      line += fmt::format(" | {} iter {} ({:.0f}%)", run.name, iteration,
                          100.0 * env_steps / run.config.train.total_env_steps);
    }
    return line;
  }

  // The sweep's outcome: a stop or failed runs are errors that say how to go on.
  void conclude(int stop) {
    const size_t total = plan_.runs.size();
    if (stop)
      throw Error(fmt::format("sweep interrupted by {}: {}/{} runs finished; the others "
                              "resume from their last checkpoints when the same command is run "
                              "again",
                              signal_name(stop), finished_, total));
    if (!failed_.empty()) {
      std::string names;
      for (const auto& n : failed_) names += "\n  " + n;
      throw Error(fmt::format("{} of {} runs failed (see their train.log; rerunning the same "
                              "command retries them):{}",
                              failed_.size(), total, names));
    }
    display_.event(fmt::format("sweep: all {} runs finished in {}", total, options_.out));
  }

  const SweepPlan& plan_;
  const SweepOptions& options_;
  Clock::time_point start_;
  SweepDisplay display_;
  std::deque<size_t> pending_;
  std::vector<Child> running_;
  std::vector<std::string> failed_;
  size_t finished_ = 0;
};

}  // namespace

void run_sweep(const SweepPlan& plan, const SweepOptions& options) {
  if (options.jobs < 1) throw Error("--jobs must be >= 1, got " + std::to_string(options.jobs));
  check_directory(plan, options.out);
  fs::create_directories(options.out + "/runs");
  DirectoryLock lock(options.out);
  const std::string manifest = options.out + "/sweep.json";
  if (!fs::exists(manifest)) write_file_atomic(manifest, sweep_manifest(plan).dump(2) + "\n");
  Scheduler(plan, options).run();
}

}  // namespace htrmrl
