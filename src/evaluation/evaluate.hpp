// Meta-testing under the protocol of evaluation/protocol.hpp: every task variation gets
// fresh-memory trials of adaptation then evaluation episodes; an episode succeeds if the
// success flag was set at any step (Meta-World's rule). Reports per task, per episode index
// and the mean over tasks.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/collective.hpp"
#include "evaluation/protocol.hpp"
#include "rollouts/sampler.hpp"

namespace htrmrl {

struct TaskEval {
  std::string name;
  std::vector<double> params;               // the task's parameter vector (e.g. the goal)
  double success = 0;                       // mean over trials and evaluation episodes
  double mean_return = 0;                   // mean return of the evaluation episodes
  std::vector<double> success_by_episode;   // mean over trials, per episode index (A + E)
};

struct EvalResult {
  EvalProtocol protocol;                    // trials per task, A + E episodes per trial
  double mean_success = 0;                  // the headline: mean over tasks of TaskEval::success
  double first_episode_success = 0;         // mean over tasks, the trial's episode 0
  double later_episodes_success = 0;        // mean over tasks, the trial's episodes 1..A+E-1
  std::vector<double> success_by_episode;   // mean over tasks, per episode index (A + E)
  int64_t unstable_steps = 0;               // steps after a physics divergence, all trials
  std::vector<TaskEval> tasks;
};

// One meta-test of a run: the split it tested, and when.
struct EvalRecord {
  int64_t iteration = 0;   // training iterations completed
  int64_t env_steps = 0;   // training env steps consumed (meta-test steps not counted)
  std::string split;       // "test" (held-out variations) or "train"
  EvalResult result;
  std::string suite_version;  // the benchmark's (Benchmark::suite_version); eval.json keeps it
};

// Runs protocol.trials trials per task; trial j of task i draws from the stream derived from
// (seed, i, j), so the result does not depend on how trials are batched, nor on when it runs.
// With a group, every rank calls it together, plays its block of the trials and gets the
// result of all of them (the same as one process's).
EvalResult evaluate(Agent& agent, Sampler& sampler, const std::vector<Task>& tasks,
                    const EvalProtocol& protocol, uint64_t seed, Collective* group = nullptr);

// Folds finished trials (protocol.episodes() episodes each) into per-task and overall
// figures; tasks without a trial are left out of the means.
EvalResult summarise(const std::vector<Task>& tasks, const std::vector<TrialResult>& results,
                     const EvalProtocol& protocol);

// One line of evaluations.jsonl: iteration, env_steps, split, adaptation_episodes,
// evaluation_episodes, trials_per_task, success, success_by_episode and per task name,
// success, success_by_episode.
nlohmann::json to_json(const EvalRecord& record);
// eval.json: the same fields plus mean_success (= success), first_episode_success,
// later_episodes_success, episodes_per_trial, deterministic, unstable_steps and per task
// params and mean_return.
nlohmann::json to_detailed_json(const EvalRecord& record);

}  // namespace htrmrl
