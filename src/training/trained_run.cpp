#include "training/trained_run.hpp"

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "common/files.hpp"
#include "rollouts/sampler.hpp"
#include "training/trainer.hpp"

namespace htrmrl {

void apply_eval_options(Config& config, const EvalRunOptions& options) {
  if (options.trials > 0) config.eval.trials = options.trials;
  config.eval.adaptation_episodes =
      options.adaptation_episodes.value_or(config.eval.adaptation_episodes);
  config.eval.evaluation_episodes =
      options.evaluation_episodes.value_or(config.eval.evaluation_episodes);
  config.eval.deterministic = options.deterministic.value_or(config.eval.deterministic);
  if (!options.device.empty()) config.device = options.device;
}

TrainedRun load_trained_run(const std::string& dir, const EvalRunOptions& options) {
  const RunPaths paths{dir};
  if (!std::filesystem::exists(paths.config()))
    throw Error("'" + dir + "' holds no run (no config.toml)");
  Config config = load_run_config(dir);
  apply_eval_options(config, options);
  TrainedRun run{dir, make_setup(config), {}};  // make_setup validates, naming config keys
  run.state = load_checkpoint(options.checkpoint.empty() ? paths.latest() : options.checkpoint,
                              *run.setup.agent, nullptr);
  return run;
}

EvalRecord meta_test_run(TrainedRun& run, const EvalProtocol& protocol) {
  const RunSetup& setup = run.setup;
  // The batch size matters beyond speed: BLAS rounds batches of other sizes differently, and
  // with sampled actions a last-bit difference can flip a trial. Every caller uses this one.
  const int capacity = std::min<int>(
      256, static_cast<int>(setup.benchmark.test_tasks.size()) * protocol.trials);
  Sampler sampler = make_sampler(setup, capacity);
  return {run.state.iteration, run.state.env_steps, "test",
          evaluate(*setup.agent, sampler, setup.benchmark.test_tasks, protocol,
                   static_cast<uint64_t>(setup.config.seed)),
          setup.benchmark.suite_version};
}

EvalRecord evaluate_run(const std::string& dir, const EvalRunOptions& options) {
  TrainedRun run = load_trained_run(dir, options);
  const EvalRecord record = meta_test_run(run, run.setup.config.eval);
  write_file_atomic(RunPaths{dir}.eval(), to_detailed_json(record).dump(2) + "\n");
  return record;
}

}  // namespace htrmrl
