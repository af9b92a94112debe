// htrmrl bench: throughput of inference, update and whole loop, each beside the naive path
// it replaces (bench_throughput.hpp), by default at the paper's context (K = 25, S = 5,
// d_model 32, two blocks each) on point-robot-sparse with trials of 25 episodes, so that all
// K context slots are in use; `--config` benches a run's configuration instead.
// `--compare-flat` times the flat transformer against HTrMRL (bench_compare.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "apps/bench_compare.hpp"
#include "apps/bench_throughput.hpp"
#include "apps/commands.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {

Command add_bench_command(CLI::App& app) {
  struct Options {
    std::string json;
    std::string device;  // empty: the config's (cpu for the built-in one)
    std::string config;
    std::vector<std::string> sets;
    int threads = 0, repeats = 5, batch = 16;  // threads 0: the config's (1 built in)
    bool compare_flat = false, skip_naive = false;
    std::string cell;  // internal: one comparison cell, run by --compare-flat in a child
    CompareOptions compare;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench", "Measure inference, update and whole-loop throughput");
  cmd->add_option("--json", opts->json, "also write the results to this JSON file");
  cmd->add_option("--device", opts->device, "cpu or cuda (default: the config's, cpu)");
  cmd->add_option("--threads", opts->threads,
                  "LibTorch intra-op threads (default: the config's, 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--repeats", opts->repeats, "timed repetitions (median reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", opts->batch, "environments (trials) per batch")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--config", opts->config,
                  "bench this run configuration as it is (trials, episodes, epochs, threads)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", opts->sets,
                  "override one key of the bench config (built-in or --config): "
                  "--set ppo.epochs=4");
  cmd->add_flag("--skip-naive", opts->skip_naive,
                "measure only the fast paths (no full re-encoding, no per-sample update)");
  cmd->add_flag("--compare-flat", opts->compare_flat,
                "time one PPO minibatch step and peak memory of the flat transformer against "
                "HTrMRL for K in {5,25,50} x S in {5,25,50}, all slots full");
  cmd->add_option("--contexts", opts->compare.contexts,
                  "--compare-flat: contexts per minibatch (default 64)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--memory-limit-gb", opts->compare.memory_limit_gb,
                  "--compare-flat: address-space budget per cell on the CPU; a cell needing "
                  "more is reported as out of memory (default 6, 0 = none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cell", opts->cell, "internal: one --compare-flat cell")->group("");
  return {cmd, [opts] {
            if (opts->compare_flat || !opts->cell.empty()) {
              CompareOptions o = opts->compare;
              if (!opts->device.empty()) o.device = opts->device;
              if (opts->threads > 0) o.threads = opts->threads;
              o.repeats = opts->repeats;
              nlohmann::json result =
                  opts->cell.empty() ? run_compare_flat(o) : run_compare_cell(o, opts->cell);
              std::cout << result.dump(opts->cell.empty() ? 2 : -1) << "\n";
              if (!opts->json.empty()) write_file_atomic(opts->json, result.dump(2) + "\n");
              return;
            }
            // The built-in bench config, or a run's; --device and --threads override either.
            Config config = opts->config.empty() ? Config{} : load_config(opts->config);
            for (const auto& set : opts->sets) {
              // The built-in config fixes these two itself: refuse rather than ignore them.
              const std::string key = set.substr(0, set.find('='));
              if (opts->config.empty() &&
                  (key == "ppo.trials_per_iter" || key == "env.episodes_per_trial"))
                throw Error("--set " + key + ": the built-in bench sets it (use --batch, or "
                            "--config with a run configuration)");
              apply_override(config, set);
            }
            if (!opts->device.empty()) config.device = opts->device;
            if (opts->threads > 0) config.threads = opts->threads;
            validate(config);
            ThroughputOptions o;
            o.repeats = opts->repeats;
            o.batch = opts->batch;
            o.from_config = !opts->config.empty();
            o.skip_naive = opts->skip_naive;
            nlohmann::json result = run_throughput_bench(config, o);
            std::cout << result.dump(2) << "\n";
            if (!opts->json.empty()) write_file_atomic(opts->json, result.dump(2) + "\n");
          }};
}

}  // namespace htrmrl
