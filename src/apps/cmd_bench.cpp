// htrmrl bench: throughput of the three costs of meta-training, at the paper's default
// context (K = 25, S = 5, d_model 32, two blocks each) on point-robot-sparse with trials of
// 25 episodes, so that all K context slots are in use.
//   inference  env steps/s of batched policy forward passes (contexts prebuilt)
//   update     samples/s of one PPO epoch over a stored rollout
//   loop       env steps/s of whole iterations: rollout + GAE + update (ppo.epochs)
// Each figure is the median of --repeats timed repetitions after one warm-up.
// `--compare-flat` instead times the flat transformer against HTrMRL (bench_compare.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "apps/bench_compare.hpp"
#include "apps/commands.hpp"
#include "common/files.hpp"
#include "common/rng.hpp"
#include "training/sampler.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(int repeats, F&& body) {
  body();  // warm-up: allocator and thread pools settle
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    body();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<TrialSpec> bench_trials(int n, int num_tasks, uint64_t round) {
  std::vector<TrialSpec> specs(n);
  for (int i = 0; i < n; ++i)
    specs[i] = {i % num_tasks, derive_seed(7, {round, static_cast<uint64_t>(i)})};
  return specs;
}

nlohmann::json run_bench(Config config, int repeats, int batch) {
  config.env.episodes_per_trial = config.agent.episodes;
  config.ppo.trials_per_iter = batch;
  config.ppo.target_kl = 0;  // every minibatch step is taken: the work is the same each time
  RunSetup s = make_setup(config);
  const auto& tasks = s.benchmark.train_tasks;
  Sampler sampler(s.benchmark, config.memory(), s.slots, batch, config.env_threads, s.device);
  const int episodes = config.env.episodes_per_trial;

  // A rollout with every slot in use, reused for the inference and update figures.
  RolloutBuffer buffer;
  sampler.run(*s.agent, tasks, bench_trials(batch, tasks.size(), 0), episodes, false, &buffer);
  compute_gae(buffer, config.ppo.gamma, config.ppo.gae_lambda);

  // Inference: forward passes over `batch` contexts taken from the end of the trials.
  std::vector<int64_t> ids(batch);
  for (int i = 0; i < batch; ++i) ids[i] = (i + 1) * buffer.size() / batch - 1;
  Context context = buffer.gather(ids, 0, batch).to(s.device);
  const double t_inf = median_seconds(repeats, [&] {
    torch::NoGradGuard no_grad;
    for (int k = 0; k < 10; ++k) s.agent->forward(context).mean.to(torch::kCPU);
  });

  // Update: one epoch over the stored rollout.
  torch::optim::Adam optimizer(s.agent->parameters(), torch::optim::AdamOptions(config.ppo.lr));
  PpoOptions one_epoch = config.ppo_options();
  one_epoch.epochs = 1;
  const double t_upd = median_seconds(repeats, [&] {
    ppo_update(*s.agent, optimizer, buffer, one_epoch, 1, s.device);
  });

  // Whole loop: rollout, advantages, update with the configured epochs.
  uint64_t round = 1;
  int64_t loop_steps = 0;
  const double t_loop = median_seconds(std::max(1, repeats / 2), [&] {
    sampler.run(*s.agent, tasks, bench_trials(batch, tasks.size(), round++), episodes, false,
                &buffer);
    compute_gae(buffer, config.ppo.gamma, config.ppo.gae_lambda);
    ppo_update(*s.agent, optimizer, buffer, config.ppo_options(), round, s.device);
    loop_steps = buffer.size();
  });

  return {{"device", config.device},
          {"threads", config.threads},
          {"K", config.agent.episodes},
          {"S", config.agent.seq_len},
          {"d_model", config.agent.d_model},
          {"batch_envs", batch},
          {"repeats", repeats},
          {"inference_env_steps_per_s", 10.0 * batch / t_inf},
          {"update_samples_per_s", buffer.size() / t_upd},
          {"update_minibatches", config.ppo.minibatches},
          {"loop_env_steps_per_s", loop_steps / t_loop},
          {"loop_epochs", config.ppo.epochs},
          {"rollout_bytes_per_step", static_cast<double>(buffer.bytes()) / buffer.size()}};
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  struct Options {
    std::string json;
    std::string device = "cpu";
    int threads = 1, repeats = 5, batch = 16;
    bool compare_flat = false;
    std::string cell;  // internal: one comparison cell, run by --compare-flat in a child
    CompareOptions compare;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench", "Measure inference, update and whole-loop throughput");
  cmd->add_option("--json", opts->json, "also write the results to this JSON file");
  cmd->add_option("--device", opts->device, "cpu or cuda");
  cmd->add_option("--threads", opts->threads, "LibTorch intra-op threads")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--repeats", opts->repeats, "timed repetitions (median reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", opts->batch, "environments (trials) per batch")
      ->check(CLI::PositiveNumber);
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
              o.device = opts->device;
              o.threads = opts->threads;
              o.repeats = opts->repeats;
              nlohmann::json result =
                  opts->cell.empty() ? run_compare_flat(o) : run_compare_cell(o, opts->cell);
              std::cout << result.dump(opts->cell.empty() ? 2 : -1) << "\n";
              if (!opts->json.empty()) write_file_atomic(opts->json, result.dump(2) + "\n");
              return;
            }
            Config config;
            config.device = opts->device;
            config.threads = opts->threads;
            nlohmann::json result = run_bench(config, opts->repeats, opts->batch);
            std::cout << result.dump(2) << "\n";
            if (!opts->json.empty()) write_file_atomic(opts->json, result.dump(2) + "\n");
          }};
}

}  // namespace htrmrl
