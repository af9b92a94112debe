// A sweep directory as the report reads it: sweep.json (written by `htrmrl sweep`) and, per
// run, config.toml, metrics.csv, evaluations.jsonl and eval.json (docs/architecture.md).
// Damaged files are errors naming the file; runs that have not produced their files yet are
// kept with a note saying what they lack.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/statistics.hpp"
#include "training/config.hpp"

namespace htrmrl {

// One task's figures in an evaluation.
struct TaskSuccess {
  std::string name;
  double success = 0;
  std::vector<double> success_by_episode;
};

// One line of evaluations.jsonl: one split evaluated once.
struct Evaluation {
  int64_t iteration = 0;
  int64_t env_steps = 0;
  std::string split;  // "train" or "test"
  int adaptation_episodes = 0;
  int evaluation_episodes = 0;
  double success = 0;
  std::vector<double> success_by_episode;
  std::vector<TaskSuccess> tasks;
};

// The final meta-test of eval.json (written by `htrmrl eval` or at the end of training).
struct FinalEval {
  double mean_success = 0;
  std::vector<double> success_by_episode;
};

struct RunData {
  std::string name, dir, method;  // dir: absolute or relative to the working directory
  int64_t seed = 0;
  std::map<std::string, std::string> overrides;
  std::optional<Config> config;       // absent until the run has started
  Series rollout_success;             // metrics.csv: env_steps -> train_success
  std::vector<Evaluation> evaluations;  // evaluations.jsonl, in file order
  std::optional<FinalEval> final_eval;  // eval.json
  std::string missing;                // why the run has no data yet; empty when it has some

  // The run's evaluations of one split, in env-step order.
  std::vector<const Evaluation*> split(const std::string& name) const;
};

struct GridKey {
  std::string key;
  std::vector<std::string> values;
};

struct SweepData {
  std::string dir;
  std::string config;              // the config file the sweep was given
  std::vector<std::string> sets;   // its --set overrides
  std::vector<int64_t> seeds;
  std::vector<GridKey> grid;
  std::vector<std::string> methods;  // in order of first appearance among the runs
  std::vector<RunData> runs;

  std::vector<const RunData*> runs_of(const std::string& method) const;
};

// Reads SWEEP/sweep.json and every run it lists.
SweepData load_sweep(const std::string& dir);

// A method's name for legends: the grid values, with each key's last component when there
// are several keys ("htrmrl"; "episodes=5, seq_len=25"); "default" without a grid.
std::string method_label(const SweepData& sweep, const std::string& method);

// Parsers for single files, exposed for tests and fuzzing; errors name `path`.
std::vector<Evaluation> parse_evaluations(const std::string& text, const std::string& path);
Series parse_rollout_success(const std::string& text, const std::string& path);
FinalEval parse_final_eval(const std::string& text, const std::string& path);
// sweep.json's text: the sweep and its runs' entries, no run's files read (dir: the sweep's).
SweepData parse_sweep_manifest(const std::string& text, const std::string& dir,
                               const std::string& path);

}  // namespace htrmrl
