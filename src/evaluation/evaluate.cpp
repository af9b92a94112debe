#include "evaluation/evaluate.hpp"

#include <algorithm>

#include "common/rng.hpp"

namespace htrmrl {

EvalResult evaluate(Agent& agent, Sampler& sampler, const std::vector<Task>& tasks, int trials,
                    int episodes, bool deterministic, uint64_t seed) {
  agent.eval();
  // Every (task, trial) pair with its own stream, run in batches of the sampler's capacity.
  std::vector<TrialSpec> all;
  for (int i = 0; i < static_cast<int>(tasks.size()); ++i)
    for (int j = 0; j < trials; ++j)
      all.push_back({i, derive_seed(seed, {kTagEval, static_cast<uint64_t>(i),
                                           static_cast<uint64_t>(j)})});
  std::vector<TrialResult> results;
  for (size_t begin = 0; begin < all.size(); begin += sampler.capacity()) {
    const size_t end = std::min(all.size(), begin + sampler.capacity());
    std::vector<TrialSpec> batch(all.begin() + begin, all.begin() + end);
    auto part = sampler.run(agent, tasks, batch, episodes, deterministic, nullptr);
    results.insert(results.end(), part.begin(), part.end());
  }
  EvalResult r = summarise(tasks, results, episodes);
  r.trials = trials;
  return r;
}

EvalResult summarise(const std::vector<Task>& tasks, const std::vector<TrialResult>& results,
                     int episodes) {
  EvalResult r;
  r.episodes = episodes;
  const int n = static_cast<int>(tasks.size());
  std::vector<int> count(n, 0);
  r.tasks.resize(n);
  for (int i = 0; i < n; ++i) {
    r.tasks[i].name = tasks[i].name;
    r.tasks[i].params = tasks[i].params;
    r.tasks[i].success_by_episode.assign(episodes, 0.0);
  }
  // Sums per task.
  for (const TrialResult& t : results) {
    TaskEval& e = r.tasks[t.task];
    ++count[t.task];
    r.unstable_steps += t.unstable_steps;
    for (int k = 0; k < episodes; ++k) {
      e.success_by_episode[k] += t.success[k];
      e.mean_return += t.returns[k];
    }
  }
  // Means per task, then over tasks that ran at least one trial.
  r.success_by_episode.assign(episodes, 0.0);
  int used = 0;
  for (int i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    TaskEval& e = r.tasks[i];
    for (auto& s : e.success_by_episode) s /= count[i];
    e.mean_return /= static_cast<double>(count[i]) * episodes;
    for (int k = 0; k < episodes; ++k) {
      e.success += e.success_by_episode[k] / episodes;
      r.success_by_episode[k] += e.success_by_episode[k];
    }
    ++used;
  }
  if (used == 0) return r;
  for (auto& s : r.success_by_episode) s /= used;
  for (int k = 0; k < episodes; ++k) r.mean_success += r.success_by_episode[k] / episodes;
  r.first_episode_success = r.success_by_episode[0];
  if (episodes > 1) {
    for (int k = 1; k < episodes; ++k) r.later_episodes_success += r.success_by_episode[k];
    r.later_episodes_success /= episodes - 1;
  } else {
    r.later_episodes_success = r.first_episode_success;
  }
  return r;
}

nlohmann::json to_json(const EvalResult& result) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskEval& t : result.tasks)
    tasks.push_back({{"name", t.name},
                     {"params", t.params},
                     {"success", t.success},
                     {"mean_return", t.mean_return},
                     {"success_by_episode", t.success_by_episode}});
  return {{"mean_success", result.mean_success},
          {"first_episode_success", result.first_episode_success},
          {"later_episodes_success", result.later_episodes_success},
          {"success_by_episode", result.success_by_episode},
          {"trials_per_task", result.trials},
          {"episodes_per_trial", result.episodes},
          {"unstable_steps", result.unstable_steps},
          {"tasks", tasks}};
}

}  // namespace htrmrl
