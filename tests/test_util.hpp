// Helpers shared by the test programs.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "algorithms/ppo_learner.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "training/config.hpp"
#include "training/metrics.hpp"
#include "training/setup.hpp"
#include "training/trained_run.hpp"
#include "training/trainer.hpp"

namespace htrmrl {

// The message of the exception of type E (an htrmrl::Error unless told) that f throws, or ""
// if it throws none.
template <typename E = Error, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// The agent keys of TrMRL as published (trmrl.md): the current episode only, causal, no layer
// norm, T-Fixup, policy on the encoder output alone, value on the state.
inline void set_published_trmrl(Config& c) {
  c.agent.kind = "trmrl";
  c.agent.episodes = 1;
  c.agent.causal = true;
  c.agent.layer_norm = "none";
  c.agent.init = "t_fixup";
  c.agent.use_state = false;
  c.agent.value_input = "state";
}

// `trials` trials played and recorded by the setup's agent: trial i on train task i % tasks,
// from the stream seed + i.
inline RolloutBuffer collect_trials(RunSetup& s, const Config& c, int trials, uint64_t seed) {
  Sampler sampler(s.benchmark, c.memory(), s.slots, trials, s.device);
  std::vector<TrialSpec> specs;
  for (int i = 0; i < trials; ++i)
    specs.push_back({static_cast<int>(i % s.benchmark.train_tasks.size()), seed + i});
  RolloutBuffer buffer;
  sampler.run(*s.agent, s.benchmark.train_tasks, specs, c.env.episodes_per_trial, false, &buffer);
  return buffer;
}

// Rows of a metrics.csv with the timing columns left out: what must repeat exactly. `learner`:
// the columns of the run's learner (PPO's unless given).
inline std::vector<std::string> stable_metrics_rows(
    const std::string& file, const std::vector<MetricColumn>& learner = ppo_columns()) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  const auto columns = metrics_columns(learner);
  std::vector<std::string> rows;
  while (std::getline(in, line)) {
    std::string kept;
    size_t p = 0;
    for (const auto& c : columns) {
      size_t q = line.find(',', p);
      if (q == std::string::npos) q = line.size();
      if (!is_timing_column(c)) kept += line.substr(p, q - p) + ",";
      p = q + 1;
    }
    rows.push_back(kept);
  }
  return rows;
}

// Trains `c` (a budget of three iterations) twice in dir/a and dir/b, and for two iterations
// in dir/part, then raises part's budget back and resumes it: both repeats and the resumed
// run must write the same stable rows (the learner's state and every stream carry over).
inline void expect_repeat_and_resume(const Config& c, const std::filesystem::path& dir,
                                     const std::vector<MetricColumn>& learner) {
  train_new(c, (dir / "a").string());
  train_new(c, (dir / "b").string());
  const auto rows = stable_metrics_rows((dir / "a" / "metrics.csv").string(), learner);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows, stable_metrics_rows((dir / "b" / "metrics.csv").string(), learner));
  Config early = c;
  early.train.total_env_steps = c.train.total_env_steps * 2 / 3;
  train_new(early, (dir / "part").string());
  write_file_atomic((dir / "part" / "config.toml").string(), to_toml(c));
  train_resume((dir / "part").string());
  EXPECT_EQ(stable_metrics_rows((dir / "part" / "metrics.csv").string(), learner), rows);
}

// text with its one occurrence of from replaced by to; a failure if from is missing.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// An empty directory named after the running test, removed at the end.
struct ScratchDir {
  ScratchDir() {
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    // Suite and name: tests of different suites share names, and ctest -j runs them at once.
    root = std::filesystem::temp_directory_path() /
           (std::string("htrmrl_") + test->test_suite_name() + "_" + test->name());
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
  }
  ~ScratchDir() { std::filesystem::remove_all(root); }
  std::string path(const std::string& name) const { return (root / name).string(); }
  std::filesystem::path root;
};

// An agent's meta-test on the held-out tasks (its config's protocol, the run seed's streams),
// in the figures the learning tests compare: success in the trial's first episode, in its
// later ones and in its evaluation episodes, and the evaluation episodes' return; means over
// the held-out tasks.
struct HeldOut {
  double first_success = 0, later_success = 0, success = 0, mean_return = 0;
};

inline HeldOut held_out(TrainedRun& run) {
  const EvalResult r = meta_test_run(run, run.setup.config.eval).result;
  HeldOut h{r.first_episode_success, r.later_episodes_success, r.mean_success, 0};
  for (const TaskEval& t : r.tasks) h.mean_return += t.mean_return / r.tasks.size();
  std::cout << "held-out success by episode:";
  for (double s : r.success_by_episode) std::cout << " " << s;
  std::cout << "; evaluation episodes' return " << h.mean_return << "\n";
  return h;
}

// Config c's agent as initialised, before any training: where a policy that learnt nothing
// stands (a random policy of the agent's own kind).
inline HeldOut untrained_held_out(const Config& c) {
  TrainedRun run{"", make_setup(c), {}};
  return held_out(run);
}

// c meta-trained in dir, its final agent meta-tested the same way.
inline HeldOut trained_held_out(const Config& c, const std::string& dir) {
  train_new(c, dir);
  TrainedRun run = load_trained_run(dir, {});
  return held_out(run);
}

struct Outcome {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing stdout and stderr together.
inline Outcome shell(const std::string& command) {
  Outcome o;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) o.output.append(buf, n);
  const int status = pclose(pipe);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// Blocks until ready() holds, checking it whenever a file in dir changes (inotify) instead of
// on a clock: on a loaded machine a check is late by scheduling latency, never by a sleep's
// length. A second-long poll covers dir not existing yet. Returns whether ready() held
// before the limit.
template <typename Ready>
bool wait_for_files(const std::string& dir, Ready ready,
                    std::chrono::seconds limit = std::chrono::seconds(120)) {
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  bool watching = false;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool held = ready();
  while (!held && std::chrono::steady_clock::now() < deadline) {
    if (!watching)
      watching = inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_MOVED_TO | IN_CREATE) >= 0;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, watching ? 1000 : 50) > 0) {
      char events[4096];
      while (read(fd, events, sizeof events) > 0) {
      }
    }
    held = ready();
  }
  close(fd);
  return held;
}

#ifdef HTRMRL_BINARY
// Runs `htrmrl ARGS` through the shell.
inline Outcome htrmrl(const std::string& args) {
  return shell(std::string(HTRMRL_BINARY) + " " + args);
}

// Starts `htrmrl ARGS` (output discarded), waits until ready() holds (wait_for_files on
// watch_dir) and then `delay` longer, and kills it with SIGKILL; or after two minutes.
template <typename Ready>
void run_htrmrl_and_kill_when(const std::string& args, const std::string& watch_dir, Ready ready,
                              std::chrono::microseconds delay = {}) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd = std::string("exec ") + HTRMRL_BINARY + " " + args + " >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  wait_for_files(watch_dir, ready);
  std::this_thread::sleep_for(delay);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}
#endif

}  // namespace htrmrl
