// Per-iteration metrics: one CSV row each, the same values as TensorBoard scalars, and a
// progress display (a live line on a terminal, plain lines otherwise).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/learner.hpp"
#include "common/files.hpp"
#include "training/tensorboard.hpp"

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
  std::vector<double> learner;  // LearnerStats::values: one per column of the run's learner
};

// Column names, in file order: the trainer's counters and success, the learner's columns,
// then the trainer's timings.
std::vector<std::string> metrics_columns(const std::vector<MetricColumn>& learner);
// The TensorBoard tag of each column, in the same order ("area/name": train/, ppo/, perf/,
// env/); empty for env_steps, which is the step itself.
std::vector<std::string> metrics_tags(const std::vector<MetricColumn>& learner);
// Columns that measure time (the perf/ area): they differ between otherwise identical runs.
bool is_timing_column(const std::string& name);

// What a resume keeps of a metrics.csv's text: `header`, then the rows of iterations <=
// keep_until in file order, and the env_steps of the last one kept (0 when none is). An
// unterminated last line is half a row (a kill during its write) and is dropped like the rows
// not kept. A row that does not start with two integers throws htrmrl::Error naming
// `origin` and its line.
struct KeptMetrics {
  std::string text;
  int64_t env_steps = 0;
};
KeptMetrics keep_metrics_rows(const std::string& text, int64_t keep_until,
                              const std::vector<std::string>& header, const std::string& origin);

class MetricsLog {
 public:
  // Opens the metrics.csv at path (the trainer's columns and `learner`'s) for appending,
  // keeping only the rows of iterations <= keep_until (rows written after the last
  // checkpoint of a killed run are dropped and re-run), and starts a new TensorBoard event
  // file beside it. That file opens with a SessionLog START one step past the last row
  // kept, so TensorBoard drops the dropped rows' events from the earlier files too.
  MetricsLog(const std::string& path, int64_t keep_until,
             const std::vector<MetricColumn>& learner);
  // One CSV row, and every column but env_steps as a scalar at step m.env_steps.
  void append(const IterationMetrics& m);
  // Further TensorBoard scalars at step env_steps (e.g. eval/test_success).
  void scalars(int64_t env_steps, const std::vector<std::pair<std::string, double>>& values);

 private:
  std::vector<MetricColumn> columns_;
  int64_t kept_env_steps_;  // env_steps of the last row kept; 0 when none was
  AppendFile out_;
  EventFileWriter events_;
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
