// Meta-testing: every task gets fresh-memory trials; an episode succeeds if the success flag
// was set at any step (Meta-World's rule). Reports per task and per episode index.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "training/sampler.hpp"

namespace htrmrl {

struct TaskEval {
  std::string name;
  std::vector<double> params;               // the task's parameter vector (e.g. the goal)
  double success = 0;                       // mean over trials and episodes
  double mean_return = 0;                   // mean episode return
  std::vector<double> success_by_episode;   // mean over trials, per episode index
};

struct EvalResult {
  int trials = 0;                           // trials per task
  int episodes = 0;                         // episodes per trial
  double mean_success = 0;                  // mean over tasks of TaskEval::success
  double first_episode_success = 0;         // mean over tasks, episode 0 only
  double later_episodes_success = 0;        // mean over tasks, episodes 1.. (adaptation)
  std::vector<double> success_by_episode;   // mean over tasks
  int64_t unstable_steps = 0;               // steps after a physics divergence, all trials
  std::vector<TaskEval> tasks;
};

// Runs `trials` trials per task; trial j of task i draws from seed-derived stream (i, j),
// so the result does not depend on how trials are batched.
EvalResult evaluate(Agent& agent, Sampler& sampler, const std::vector<Task>& tasks, int trials,
                    int episodes, bool deterministic, uint64_t seed);

// Folds finished trials into per-task and overall figures.
EvalResult summarise(const std::vector<Task>& tasks, const std::vector<TrialResult>& results,
                     int episodes);

nlohmann::json to_json(const EvalResult& result);

}  // namespace htrmrl
