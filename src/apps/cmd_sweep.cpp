// htrmrl sweep: every combination of a grid of config values times a list of seeds, each
// one `htrmrl train` run in its own directory, a few at a time, resumable.
#include "apps/commands.hpp"
#include "experiments/sweep.hpp"

namespace htrmrl {

Command add_sweep_command(CLI::App& app) {
  struct Options {
    std::string config, seeds, out;
    std::vector<std::string> grid, sets;
    int jobs = 1;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("sweep", "Run a grid of configs x seeds, N runs at a time");
  cmd->add_option("--config", opts->config, "base TOML config file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--seeds", opts->seeds,
                  "N (seeds 1..N), A-B (seeds A..B) or a list a,b,c")
      ->required();
  cmd->add_option("--grid", opts->grid,
                  "key=v1,v2,...: one run per value (repeatable; the product of all grids)");
  cmd->add_option("--set", opts->sets, "override one key of every run: --set ppo.lr=1e-4 "
                                       "(repeatable)");
  cmd->add_option("--out", opts->out, "sweep directory (an existing one is resumed)")
      ->required();
  cmd->add_option("--jobs", opts->jobs, "runs at a time (default 1)");
  cmd->footer(
      "Each run is base config + --set + its grid values + seed, in OUT/runs/<name> with\n"
      "name = key=value,...,seed=S (grid keys in the order given) and its output in train.log.\n"
      "OUT/sweep.json lists the runs. Running the same command again skips finished runs and\n"
      "resumes stopped ones from their last checkpoints; another sweep in OUT is refused.");

  return {cmd, [opts] {
    SweepRequest request{opts->config, opts->sets, parse_seeds(opts->seeds), {}};
    for (const auto& g : opts->grid) request.grid.push_back(parse_grid(g));
    run_sweep(plan_sweep(request), {opts->out, opts->jobs});
  }};
}

}  // namespace htrmrl
