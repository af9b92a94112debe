// htrmrl eval: meta-test a run's checkpoint on its held-out tasks.
#include <fmt/format.h>

#include <iostream>

#include "apps/commands.hpp"
#include "training/trainer.hpp"

namespace htrmrl {

Command add_eval_command(CLI::App& app) {
  struct Options {
    std::string run, checkpoint;
    int trials = 0;
    bool stochastic = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("eval", "Meta-test a trained run on its held-out tasks");
  cmd->add_option("--run", opts->run, "run directory")->required();
  cmd->add_option("--checkpoint", opts->checkpoint,
                  "checkpoint file (default: RUN/checkpoints/latest.pt)");
  cmd->add_option("--trials", opts->trials, "trials per test task (default: eval.trials)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--stochastic", opts->stochastic,
                "sample actions instead of taking the mean (overrides eval.deterministic)");
  cmd->footer("Writes RUN/eval.json: mean_success (mean over test tasks), success by episode "
              "index within the trial, and per-task success and return.");

  return {cmd, [opts] {
    EvalResult r = evaluate_run(opts->run, opts->checkpoint, opts->trials, opts->stochastic);
    std::cout << fmt::format("meta-test: {} tasks x {} trials x {} episodes\n", r.tasks.size(),
                             r.trials, r.episodes);
    std::cout << "success by episode:";
    for (double s : r.success_by_episode) std::cout << fmt::format(" {:.3f}", s);
    std::cout << fmt::format("\nmean_success {:.3f} (later episodes {:.3f})\n", r.mean_success,
                             r.later_episodes_success);
  }};
}

}  // namespace htrmrl
