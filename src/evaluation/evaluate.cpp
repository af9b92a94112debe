#include "evaluation/evaluate.hpp"

#include <algorithm>

#include "common/rng.hpp"

namespace htrmrl {

EvalResult evaluate(Agent& agent, Sampler& sampler, const std::vector<Task>& tasks,
                    const EvalProtocol& protocol, uint64_t seed, Collective* group) {
  agent.eval();
  // Every (task, trial) pair with its own stream, run in batches of the sampler's capacity.
  std::vector<TrialSpec> all;
  for (int i = 0; i < static_cast<int>(tasks.size()); ++i)
    for (int j = 0; j < protocol.trials; ++j)
      all.push_back({i, derive_seed(seed, {kTagEval, static_cast<uint64_t>(i),
                                           static_cast<uint64_t>(j)})});
  // This rank's block of them (all of them alone); the results of every block, in order.
  const auto [first, last] = group ? rank_block(static_cast<int64_t>(all.size()), group->rank(),
                                                group->size())
                                   : std::pair<int64_t, int64_t>{0, all.size()};
  std::vector<TrialResult> results;
  for (int64_t begin = first; begin < last; begin += sampler.capacity()) {
    const int64_t end = std::min(last, begin + sampler.capacity());
    std::vector<TrialSpec> batch(all.begin() + begin, all.begin() + end);
    auto part = sampler.run(agent, tasks, batch, protocol.episodes(), protocol.deterministic,
                            nullptr);
    results.insert(results.end(), part.begin(), part.end());
  }
  if (group) results = gather_results(*group, results, protocol.episodes());
  return summarise(tasks, results, protocol);
}

EvalResult summarise(const std::vector<Task>& tasks, const std::vector<TrialResult>& results,
                     const EvalProtocol& protocol) {
  EvalResult r;
  r.protocol = protocol;
  const int episodes = protocol.episodes(), first_eval = protocol.adaptation_episodes;
  const int n = static_cast<int>(tasks.size());
  std::vector<int> count(n, 0);
  r.tasks.resize(n);
  for (int i = 0; i < n; ++i) {
    r.tasks[i].name = tasks[i].name;
    r.tasks[i].params = tasks[i].params;
    r.tasks[i].success_by_episode.assign(episodes, 0.0);
  }
  // Sums per task: success at every episode index, returns of the evaluation episodes.
  for (const TrialResult& t : results) {
    TaskEval& e = r.tasks[t.task];
    ++count[t.task];
    r.unstable_steps += t.unstable_steps;
    for (int k = 0; k < episodes; ++k) e.success_by_episode[k] += t.success[k];
    for (int k = first_eval; k < episodes; ++k) e.mean_return += t.returns[k];
  }
  // Means per task (the headline over the evaluation episodes), then over tasks that ran at
  // least one trial.
  r.success_by_episode.assign(episodes, 0.0);
  int used = 0;
  for (int i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    TaskEval& e = r.tasks[i];
    for (auto& s : e.success_by_episode) s /= count[i];
    e.mean_return /= static_cast<double>(count[i]) * protocol.evaluation_episodes;
    for (int k = first_eval; k < episodes; ++k)
      e.success += e.success_by_episode[k] / protocol.evaluation_episodes;
    for (int k = 0; k < episodes; ++k) r.success_by_episode[k] += e.success_by_episode[k];
    r.mean_success += e.success;
    ++used;
  }
  if (used == 0) return r;
  for (auto& s : r.success_by_episode) s /= used;
  r.mean_success /= used;
  // Episode 0 (no experience yet) against the rest of the trial.
  r.first_episode_success = r.success_by_episode[0];
  if (episodes > 1) {
    for (int k = 1; k < episodes; ++k) r.later_episodes_success += r.success_by_episode[k];
    r.later_episodes_success /= episodes - 1;
  } else {
    r.later_episodes_success = r.first_episode_success;
  }
  return r;
}

nlohmann::json to_json(const EvalRecord& record) {
  const EvalResult& r = record.result;
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskEval& t : r.tasks)
    tasks.push_back(
        {{"name", t.name}, {"success", t.success}, {"success_by_episode", t.success_by_episode}});
  return {{"iteration", record.iteration},
          {"env_steps", record.env_steps},
          {"split", record.split},
          {"adaptation_episodes", r.protocol.adaptation_episodes},
          {"evaluation_episodes", r.protocol.evaluation_episodes},
          {"trials_per_task", r.protocol.trials},
          {"success", r.mean_success},
          {"success_by_episode", r.success_by_episode},
          {"tasks", tasks}};
}

nlohmann::json to_detailed_json(const EvalRecord& record) {
  const EvalResult& r = record.result;
  nlohmann::json j = to_json(record);
  // mean_success is the name eval.json has always used for its headline figure.
  j["mean_success"] = r.mean_success;
  j["first_episode_success"] = r.first_episode_success;
  j["later_episodes_success"] = r.later_episodes_success;
  j["episodes_per_trial"] = r.protocol.episodes();
  j["deterministic"] = r.protocol.deterministic;
  j["unstable_steps"] = r.unstable_steps;
  if (!record.suite_version.empty()) j["suite_version"] = record.suite_version;
  for (size_t i = 0; i < r.tasks.size(); ++i) {
    j["tasks"][i]["params"] = r.tasks[i].params;
    j["tasks"][i]["mean_return"] = r.tasks[i].mean_return;
  }
  return j;
}

}  // namespace htrmrl
