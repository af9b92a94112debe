// A finished or stopped run's agent, loaded and meta-tested the way `htrmrl eval` does it. The
// command, `htrmrl embed` and the Python module (python/) all load through here, so they
// build the same agent and report the same numbers.
#pragma once

#include <optional>
#include <string>

#include "evaluation/evaluate.hpp"
#include "training/checkpoint.hpp"
#include "training/setup.hpp"

namespace htrmrl {

// What `htrmrl eval` may change of the config's meta-test.
struct EvalRunOptions {
  std::string checkpoint;        // empty: the run's latest
  int trials = 0;                // <= 0: eval.trials
  std::optional<int> adaptation_episodes;  // unset: eval.adaptation_episodes
  std::optional<int> evaluation_episodes;  // unset: eval.evaluation_episodes
  std::optional<bool> deterministic;  // unset: eval.deterministic (mean action or sampled)
  std::string device;            // empty: the run's (a GPU run can be tested on a CPU)
};

// A run's agent with its checkpoint loaded.
struct TrainedRun {
  std::string dir;
  RunSetup setup;    // the run's config, options applied
  TrainState state;  // the checkpoint's counters (iteration, env steps)
};

// Applies the options' meta-test overrides and device to config (not validated here).
void apply_eval_options(Config& config, const EvalRunOptions& options);

// Loads dir's config.toml with the options applied (validated, errors naming config keys)
// and the checkpoint (options.checkpoint, or dir's latest).
TrainedRun load_trained_run(const std::string& dir, const EvalRunOptions& options);

// Meta-tests the run's agent on its test variations under the protocol, with the streams of
// the run seed; the record carries the checkpoint's iteration and env steps.
EvalRecord meta_test_run(TrainedRun& run, const EvalProtocol& protocol);

// `htrmrl eval`: loads, meta-tests under the config's protocol (options applied), writes
// dir/eval.json and returns the record.
EvalRecord evaluate_run(const std::string& dir, const EvalRunOptions& options);

}  // namespace htrmrl
