// The meta-training loop, read top to bottom:
//   1. rollout: each of ppo.trials_per_iter slots plays one trial (env.episodes_per_trial
//      episodes, fresh memory) on a train task drawn from the iteration's stream;
//   2-3. the learner's update (algorithms/learner.hpp; PPO's: rewards scaled, GAE over each
//      trial as one path, the learning rate annealed, then ppo.epochs passes of
//      ppo.minibatches minibatches, contexts rebuilt from the stored tokens and windows so
//      the first ratio is exactly 1, stopped early past ppo.target_kl);
//   4. the observation normaliser absorbs the iteration's observations, after the update;
//   5. a metrics row and the progress line;
//   6. every eval.every iterations and after the final one, a meta-test (test variations,
//      and training variations if eval.train_split) appended to evaluations.jsonl;
//   7. every train.checkpoint_every iterations (and after the final one) an atomic
//      checkpoint. It comes after the meta-test, so a run killed during one re-runs it.
// A NaN or infinity stops the run where it first appears (the rollout's numbers, a PPO
// minibatch step, the state after the update, a meta-test) with one message naming it, the
// iteration and the last good checkpoint, which no later checkpoint has replaced.
// Every random draw of iteration i comes from streams derived from (seed, i), so a resumed
// run replays exactly what the uninterrupted run would have done. Meta-tests draw from their
// own streams (seed, split, task, trial) and change no training state: evaluating or not
// leaves training identical.
//
// Data-parallel (a World of several ranks, training/distributed.hpp): every rank computes the
// same trial specs, plays its contiguous block of them, and takes part in a PPO update,
// normaliser update, metrics and meta-test defined by all the trials (docs/design.md). Rank 0
// alone writes the run directory.
#include "training/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/finite.hpp"
#include "common/rng.hpp"
#include "evaluation/evaluate.hpp"
#include "evaluation/evaluation_log.hpp"
#include "training/checkpoint.hpp"
#include "training/distributed.hpp"
#include "training/metrics.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Trial slots of one iteration: a uniformly drawn train task and a private stream each.
std::vector<TrialSpec> iteration_trials(const Config& c, int num_tasks, int64_t iteration) {
  const uint64_t seed = static_cast<uint64_t>(c.seed), it = static_cast<uint64_t>(iteration);
  Rng assign(derive_seed(seed, {kTagAssign, it}));
  std::vector<TrialSpec> specs(c.ppo.trials_per_iter);
  for (int i = 0; i < c.ppo.trials_per_iter; ++i)
    specs[i] = {static_cast<int>(assign.below(num_tasks)),
                derive_seed(seed, {kTagSlot, it, static_cast<uint64_t>(i)})};
  return specs;
}

// Every observation the rollout saw, [tokens, obs_dim], for the normaliser.
torch::Tensor rollout_observations(const RolloutBuffer& buffer) {
  const int d = buffer.layout.size(), o = buffer.layout.obs_dim;
  int64_t rows = 0;
  for (const auto& t : buffer.trials) rows += static_cast<int64_t>(t.tokens.size()) / d;
  auto obs = torch::empty({rows, o});
  float* out = obs.data_ptr<float>();
  for (const auto& t : buffer.trials)
    for (size_t r = 0; r < t.tokens.size(); r += d, out += o) std::copy_n(&t.tokens[r], o, out);
  return obs;
}

// Refuses a world the configuration cannot be shared across; returns the config this rank
// builds (its own CUDA device).
Config rank_config(const Config& config, const World& world) {
  if (world.size > config.ppo.trials_per_iter)
    throw Error(fmt::format("ppo.trials_per_iter = {} is smaller than the world size {}: every "
                            "rank plays at least one trial per iteration",
                            config.ppo.trials_per_iter, world.size));
  Config c = config;
  c.device = rank_device(world, config.device);
  return c;
}

class Trainer {
 public:
  Trainer(const Config& config, const std::string& dir, const World& world)
      : paths_{dir},
        world_(world),
        setup_(make_setup(rank_config(config, world))),
        sampler_(make_sampler(setup_, trials_of_rank(config))) {
    if (world.distributed()) {
      spdlog::set_pattern(fmt::format("[%H:%M:%S] [rank {}/{}] %v", world.rank, world.size));
      group_ = connect(world, config.dist.timeout_s, setup_.device);
      check_same_config(*group_, to_toml(config));
    }
    learner_ = make_learner(setup_, group_.get());
  }

  // The group of ranks; null for a single process.
  Collective* group() const { return group_.get(); }
  // The benchmark's suite version (Benchmark::suite_version) this run is made on.
  const std::string& suite_version() const { return setup_.benchmark.suite_version; }
  // Whether this process writes the run's files (rank 0, or the only process).
  bool writes_files() const { return world_.rank == 0; }

  // Loads the last checkpoint if there is one. Every rank loads it before rank 0 may write the
  // next one.
  void restore() {
    if (fs::exists(paths_.latest())) {
      state_ = load_checkpoint(paths_.latest(), *setup_.agent, learner_.get());
      checkpoint_iteration_ = state_.iteration;
    }
    if (group_) group_->barrier();
  }

  void run() {
    const Config& c = setup_.config;
    const int64_t steps_per_iter = static_cast<int64_t>(c.ppo.trials_per_iter) *
                                   c.env.episodes_per_trial *
                                   setup_.benchmark.spec.max_episode_steps;
    const int64_t iterations = (c.train.total_env_steps + steps_per_iter - 1) / steps_per_iter;
    // Rank 0 alone writes the run's files.
    Outputs out;
    if (writes_files()) {
      fs::create_directories(paths_.checkpoints());
      out.log.emplace(paths_.metrics(), state_.iteration, learner_->columns());
      out.evaluations.emplace(paths_.evaluations(), state_.iteration);
      out.progress.emplace(iterations);
    }
    spdlog::info("training {} on {}: {} iterations of {} env steps, from iteration {}",
                 c.agent.kind, c.env.benchmark, iterations, steps_per_iter, state_.iteration);
    while (state_.iteration < iterations) {
      const int64_t it = state_.iteration;
      // Nothing after the first NaN means anything, and a write that failed (a full disk, a
      // read-only directory) leaves the run's files at the last checkpoint: stop, saying
      // where to resume from.
      const auto stopped = [&](const std::exception& e) {
        if (out.progress) out.progress->finish();
        return fmt::format("iteration {}: {}; {}", it + 1, e.what(), last_good_checkpoint());
      };
      try {
        iterate(iterations, out);
      } catch (const NonFiniteError& e) {
        throw NonFiniteError(stopped(e));
      } catch (const WriteError& e) {
        throw WriteError(stopped(e));
      }
    }
    if (out.progress) out.progress->finish();
  }

 private:
  // The files rank 0 writes while the run goes on.
  struct Outputs {
    std::optional<MetricsLog> log;
    std::optional<EvaluationLog> evaluations;
    std::optional<Progress> progress;
  };

  // One iteration, steps 1-7 of the file comment. A NaN or infinity throws NonFiniteError
  // where it first appears: in the rollout, a minibatch step of the update, the state after
  // the update (before any checkpoint), or a meta-test.
  void iterate(int64_t iterations, Outputs& out) {
    const Config& c = setup_.config;
    const int64_t it = state_.iteration;
    IterationMetrics m;
    auto t0 = Clock::now();

    // 1. Rollout: this rank's block of the iteration's trials (all of them alone).
    const auto specs = rank_trials(
        iteration_trials(c, static_cast<int>(setup_.benchmark.train_tasks.size()), it));
    auto results = sampler_.run(*setup_.agent, setup_.benchmark.train_tasks, specs,
                                c.env.episodes_per_trial, false, &buffer_);
    m.rollout_seconds = seconds_since(t0);

    // 2-3. The learner's update from the iteration's trials.
    auto t1 = Clock::now();
    std::vector<int> trial_tasks;
    for (const TrialSpec& spec : specs) trial_tasks.push_back(spec.task);
    const LearnerStats learned = learner_->update({buffer_, trial_tasks, it, iterations});
    m.learner = learned.values;

    // 4. Normaliser update, only now: the update must see the statistics the rollout saw
    // (every rank's observations, in trial order).
    auto observations = rollout_observations(buffer_);
    if (group_ && setup_.agent->normalizer()->enabled())
      observations = gather_rows(*group_, observations);
    setup_.agent->normalizer()->update(observations.to(setup_.device));
    learner_->require_finite_state();
    m.update_seconds = seconds_since(t1);

    // 5. Bookkeeping over every rank's trials (the update counted every rank's steps).
    if (group_) results = gather_results(*group_, results, c.env.episodes_per_trial);
    state_.iteration = it + 1;
    state_.env_steps += learned.samples;
    state_.wall_seconds += seconds_since(t0);
    record(m, results, learned.samples / seconds_since(t0));
    if (out.log) out.log->append(m);
    if (out.progress) out.progress->update(m);

    // 6. Meta-test, before the checkpoint of the same iteration.
    const bool last = state_.iteration == iterations;
    if ((c.eval.every > 0 && state_.iteration % c.eval.every == 0) ||
        (last && c.train.eval_at_end)) {
      if (out.progress) out.progress->finish();  // ends a live progress line before the log line
      for (const EvalRecord& r : meta_test(last)) {
        if (!writes_files()) continue;
        out.evaluations->append(r);
        out.log->scalars(r.env_steps, {{"eval/" + r.split + "_success", r.result.mean_success}});
      }
    }

    // 7. Checkpoint.
    if (state_.iteration % c.train.checkpoint_every == 0 || last) {
      if (writes_files()) save_checkpoint(paths_.latest(), *setup_.agent, learner_.get(), state_);
      checkpoint_iteration_ = state_.iteration;
    }
  }

  // Where a stopped run can resume from: the last checkpoint written or loaded.
  std::string last_good_checkpoint() const {
    if (checkpoint_iteration_ < 0) return "no checkpoint has been written yet";
    return fmt::format("the last good checkpoint is iteration {} ({})", checkpoint_iteration_,
                       paths_.latest());
  }

  // This rank's share of the iteration's trials: a contiguous block, in trial order.
  int trials_of_rank(const Config& c) const {
    const auto [first, last] = rank_block(c.ppo.trials_per_iter, world_.rank, world_.size);
    return static_cast<int>(last - first);
  }
  std::vector<TrialSpec> rank_trials(std::vector<TrialSpec> specs) const {
    if (!group_) return specs;
    const auto [first, last] = rank_block(static_cast<int64_t>(specs.size()), world_.rank,
                                          world_.size);
    return {specs.begin() + first, specs.begin() + last};
  }

  void record(IterationMetrics& m, const std::vector<TrialResult>& results, double rate) {
    m.iteration = state_.iteration;
    m.env_steps = state_.env_steps;
    m.wall_seconds = state_.wall_seconds;
    m.steps_per_second = rate;
    // Means over trials (not tasks): every trial of the iteration weighs the same.
    double all = 0, first = 0, later = 0, ret = 0;
    const int e = setup_.config.env.episodes_per_trial;
    m.unstable_steps = 0;
    for (const TrialResult& t : results) {
      m.unstable_steps += t.unstable_steps;
      for (int k = 0; k < e; ++k) {
        all += t.success[k];
        (k == 0 ? first : later) += t.success[k];
        ret += t.returns[k];
      }
    }
    const double n = static_cast<double>(results.size());
    m.train_success = all / (n * e);
    m.train_success_first = first / n;
    m.train_success_later = e > 1 ? later / (n * (e - 1)) : m.train_success_first;
    m.train_return = ret / (n * e);
  }

  // Meta-tests the agent as it is now: the test variations, then (eval.train_split) the
  // training ones under their own streams; every rank plays its block of the trials. After
  // the final iteration rank 0 writes the test record as eval.json.
  std::vector<EvalRecord> meta_test(bool final_iteration) {
    const Config& c = setup_.config;
    const uint64_t seed = static_cast<uint64_t>(c.seed);
    const auto t0 = Clock::now();
    std::vector<EvalRecord> records;
    auto run_split = [&](const char* split, const std::vector<Task>& tasks, uint64_t stream) {
      records.push_back({state_.iteration, state_.env_steps, split,
                         evaluate(*setup_.agent, sampler_, tasks, c.eval, stream, group_.get()),
                         setup_.benchmark.suite_version});
    };
    run_split("test", setup_.benchmark.test_tasks, seed);
    if (c.eval.train_split)
      run_split("train", setup_.benchmark.train_tasks, derive_seed(seed, {kTagEvalTrain}));
    if (final_iteration && writes_files())
      write_file_atomic(paths_.eval(), to_detailed_json(records.front()).dump(2) + "\n");
    spdlog::info("meta-test at iteration {} ({} env steps), success over the last {} of {} "
                 "episodes: test {:.3f}{} [{:.1f} s]",
                 state_.iteration, state_.env_steps, c.eval.evaluation_episodes,
                 c.eval.episodes(), records.front().result.mean_success,
                 c.eval.train_split
                     ? fmt::format(", train {:.3f}", records.back().result.mean_success)
                     : std::string(),
                 seconds_since(t0));
    // Success by episode within the trial: what adaptation looks like.
    for (const EvalRecord& r : records)
      spdlog::info("  {} variations, success by episode in the trial: {:.2f}", r.split,
                   fmt::join(r.result.success_by_episode, " "));
    return records;
  }

  RunPaths paths_;
  World world_;
  RunSetup setup_;
  Sampler sampler_;
  std::unique_ptr<Learner> learner_;
  RolloutBuffer buffer_;
  TrainState state_;
  int64_t checkpoint_iteration_ = -1;  // of the last checkpoint written or loaded; -1: none
  std::unique_ptr<Collective> group_;
};

}  // namespace

namespace {

// Marks a completed run (a sweep skips it): the counters of the last metrics row, which after
// Trainer::run are the final iteration's.
void write_finished_status(const RunPaths& paths) {
  std::ifstream in(paths.metrics());
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  int64_t iteration = 0, env_steps = 0;
  if (!last.empty() && last.rfind("iteration", 0) != 0) {  // a row, not the header
    std::istringstream row(last);
    char comma = 0;
    row >> iteration >> comma >> env_steps;
  }
  nlohmann::ordered_json status = {
      {"state", "finished"}, {"iteration", iteration}, {"env_steps", env_steps}};
  write_file_atomic(paths.status(), status.dump(2) + "\n");
}

}  // namespace

void train_new(const Config& config, const std::string& dir) {
  const RunPaths paths{dir};
  const World world = world_from_environment();
  const auto refuse_existing = [&] {
    if (fs::exists(paths.config()))
      throw Error("'" + dir + "' already holds a run; continue it with --resume " + dir);
    if (fs::exists(dir) && !fs::is_empty(dir))
      throw Error("output directory '" + dir + "' exists and is not empty");
  };
  // Alone, refuse before building anything; in a group, rank 0 checks below.
  if (!world.distributed()) refuse_existing();
  // Build everything first: a config that cannot run leaves no directory behind.
  Trainer trainer(config, dir, world);
  // Rank 0 creates the directory and writes the config while the other ranks wait.
  on_rank0(trainer.group(), [&] {
    if (world.distributed()) refuse_existing();
    fs::create_directories(dir);
    // The resolved config, with the suite version the run is made on.
    Config recorded = config;
    recorded.env.suite_version = trainer.suite_version();
    write_file_atomic(paths.config(), to_toml(recorded));
  });
  trainer.run();
  if (trainer.writes_files()) write_finished_status(paths);
}

void train_resume(const std::string& dir) {
  const RunPaths paths{dir};
  const World world = world_from_environment();
  if (!fs::exists(paths.config()))
    throw Error("'" + dir + "' holds no run to resume (no config.toml)");
  Trainer trainer(load_run_config(dir), dir, world);
  trainer.restore();
  trainer.run();
  if (trainer.writes_files()) write_finished_status(paths);
}

}  // namespace htrmrl
