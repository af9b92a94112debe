// htrmrl eval: meta-test a run's checkpoint on its held-out tasks.
#include <fmt/format.h>

#include <iostream>

#include "apps/commands.hpp"
#include "training/trained_run.hpp"

namespace htrmrl {

Command add_eval_command(CLI::App& app) {
  struct Options {
    std::string run;
    EvalRunOptions eval;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("eval", "Meta-test a trained run on its held-out tasks");
  cmd->add_option("--run", opts->run, "run directory")->required();
  cmd->add_option("--checkpoint", opts->eval.checkpoint,
                  "checkpoint file (default: RUN/checkpoints/latest.pt)");
  cmd->add_option("--trials", opts->eval.trials, "trials per test task (default: eval.trials)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--adaptation", opts->eval.adaptation_episodes,
                  "adaptation episodes per trial (default: eval.adaptation_episodes)");
  cmd->add_option("--evaluation", opts->eval.evaluation_episodes,
                  "evaluation episodes per trial, after them (default: eval.evaluation_episodes)");
  cmd->add_option("--device", opts->eval.device,
                  "cpu, cuda or cuda:N (default: the run's device)");
  auto* stochastic = cmd->add_flag_callback(
      "--stochastic", [opts] { opts->eval.deterministic = false; },
      "sample actions instead of taking the mean (overrides eval.deterministic)");
  cmd->add_flag_callback(
         "--mean-action", [opts] { opts->eval.deterministic = true; },
         "take the policy's mean action (overrides eval.deterministic)")
      ->excludes(stochastic);
  cmd->footer("Each test variation gets fresh-memory trials of adaptation then evaluation "
              "episodes. Writes RUN/eval.json: success (mean over test tasks of the success "
              "rate over the evaluation episodes; also as mean_success), success by episode "
              "index within the trial, and per-task success and return.");

  return {cmd, [opts] {
    const EvalRecord record = evaluate_run(opts->run, opts->eval);
    const EvalResult& r = record.result;
    const EvalProtocol& p = r.protocol;
    std::cout << fmt::format(
        "meta-test of iteration {} ({} env steps): {} tasks x {} trials x ({} adaptation + {} "
        "evaluation episodes)\n",
        record.iteration, record.env_steps, r.tasks.size(), p.trials, p.adaptation_episodes,
        p.evaluation_episodes);
    std::cout << "success by episode:";
    for (double s : r.success_by_episode) std::cout << fmt::format(" {:.3f}", s);
    std::cout << fmt::format(
        "\nmean_success {:.3f} (over the evaluation episodes; first episode {:.3f})\n",
        r.mean_success, r.first_episode_success);
  }};
}

}  // namespace htrmrl
