// Meta-training with PPO: the outer loop of the run, its files and its resumption.
//
// A run directory holds:
//   config.toml             the fully resolved configuration
//   metrics.csv             one row per iteration
//   events.out.tfevents.*   the same values as TensorBoard scalars, one file per (re)start
//   evaluations.jsonl       one meta-test record per line (every eval.every iterations and
//                           after the final one; test split, then train if eval.train_split)
//   checkpoints/latest.pt   agent, optimiser and counters (atomic)
//   eval.json               the final test record in detail (train.eval_at_end or
//                           `htrmrl eval`)
//   status.json             {"state": "finished", "iteration", "env_steps"} once the run
//                           has completed (absent while it runs or after a kill)
#pragma once

#include <string>

#include "training/config.hpp"

namespace htrmrl {

struct RunPaths {
  std::string dir;
  std::string config() const { return dir + "/config.toml"; }
  std::string metrics() const { return dir + "/metrics.csv"; }
  std::string checkpoints() const { return dir + "/checkpoints"; }
  std::string latest() const { return dir + "/checkpoints/latest.pt"; }
  std::string eval() const { return dir + "/eval.json"; }
  std::string status() const { return dir + "/status.json"; }
  std::string evaluations() const { return dir + "/evaluations.jsonl"; }
};

// Starts a new run in dir; dir must not exist yet or be empty. Everything is validated
// before the first file is written. Both start and resume throw NonFiniteError
// (common/finite.hpp) at the first NaN or infinity, leaving the last good checkpoint in place.
void train_new(const Config& config, const std::string& dir);
// Continues the run in dir from its last checkpoint (or from scratch if it has none).
void train_resume(const std::string& dir);

}  // namespace htrmrl
