// Per-iteration metrics: one CSV row each, and a progress display (a live line on a
// terminal, plain lines otherwise).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "algorithms/ppo.hpp"

namespace htrmrl {

struct IterationMetrics {
  int64_t iteration = 0;
  int64_t env_steps = 0;
  double wall_seconds = 0;
  double steps_per_second = 0;
  double train_success = 0;         // all episodes of the iteration's trials
  double train_success_first = 0;   // first episode of each trial
  double train_success_later = 0;   // the trial's later episodes
  double train_return = 0;          // mean episode return
  int64_t unstable_steps = 0;       // env steps after a physics divergence (all trials)
  double rollout_seconds = 0;
  double update_seconds = 0;
  double learning_rate = 0;
  PpoStats ppo;
};

// Column names, in file order.
std::vector<std::string> metrics_columns();
// Columns that measure time: they differ between otherwise identical runs.
bool is_timing_column(const std::string& name);

class MetricsLog {
 public:
  // Opens path for appending; keeps only the rows of iterations <= keep_until (rows written
  // after the last checkpoint of a killed run are dropped and re-run).
  MetricsLog(const std::string& path, int64_t keep_until);
  void append(const IterationMetrics& m);

 private:
  std::ofstream out_;
};

class Progress {
 public:
  explicit Progress(int64_t total_iterations);
  void update(const IterationMetrics& m);
  void finish();

 private:
  int64_t total_;
  bool tty_;
};

}  // namespace htrmrl
