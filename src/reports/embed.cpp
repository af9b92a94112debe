#include "reports/embed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "rollouts/sampler.hpp"
#include "training/trained_run.hpp"

namespace htrmrl {

TaskGrouping task_grouping(const std::vector<std::string>& names) {
  const std::set<std::string> distinct(names.begin(), names.end());
  return distinct.size() > 1 && distinct.size() < names.size() ? TaskGrouping::kByName
                                                                : TaskGrouping::kByIndex;
}

std::vector<int> map_tasks(const std::vector<std::string>& names, int groups, int per_group) {
  std::vector<int> chosen;
  if (task_grouping(names) == TaskGrouping::kByIndex) {
    for (int i = 0; i < std::min<int>(groups, names.size()); ++i) chosen.push_back(i);
    return chosen;
  }
  std::vector<std::string> seen;
  std::map<std::string, int> taken;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    if (std::find(seen.begin(), seen.end(), names[i]) == seen.end()) {
      if (static_cast<int>(seen.size()) == groups) continue;
      seen.push_back(names[i]);
    }
    if (taken[names[i]]++ < per_group) chosen.push_back(i);
  }
  return chosen;
}

Embeddings embed_run(const std::string& run_dir, const EmbedOptions& options) {
  if (options.split != "train" && options.split != "test")
    throw Error("--split must be 'train' or 'test', not '" + options.split + "'");
  if (options.trials < 1) throw Error("--trials must be at least 1");
  EvalRunOptions load;
  load.checkpoint = options.checkpoint;
  TrainedRun run = load_trained_run(run_dir, load);
  const RunSetup& setup = run.setup;
  const Config& config = setup.config;
  const std::vector<Task>& tasks =
      options.split == "train" ? setup.benchmark.train_tasks : setup.benchmark.test_tasks;

  std::vector<std::string> names;
  for (const Task& t : tasks) names.push_back(t.name);

  // The chosen tasks, each played `trials` times, every trial on its own seeded stream.
  std::vector<int> chosen(tasks.size());
  std::iota(chosen.begin(), chosen.end(), 0);
  if (options.map_groups > 0) chosen = map_tasks(names, options.map_groups, 5);
  const int episodes = config.env.episodes_per_trial;
  const int per_trial = static_cast<int>(chosen.size()) * episodes;
  const int trials = std::max(options.trials, (options.min_points + per_trial - 1) / per_trial);
  const uint64_t split_tag = options.split == "train" ? 0 : 1;
  std::vector<TrialSpec> all;
  std::vector<int> trial_of;
  for (int i : chosen) {
    for (int j = 0; j < trials; ++j) {
      all.push_back({i, derive_seed(static_cast<uint64_t>(config.seed),
                                    {kTagEmbed, split_tag, static_cast<uint64_t>(i),
                                     static_cast<uint64_t>(j)})});
      trial_of.push_back(j);
    }
  }

  // Batches of the sampler's capacity; the hook files each episode's embedding by its
  // (trial spec, episode) so rows come out in task, trial, episode order.
  const int capacity = std::min<int>(256, static_cast<int>(all.size()));
  Sampler sampler = make_sampler(setup, capacity);
  std::vector<torch::Tensor> rows(all.size() * episodes);
  for (size_t begin = 0; begin < all.size(); begin += capacity) {
    const size_t end = std::min(all.size(), begin + capacity);
    std::vector<TrialSpec> batch(all.begin() + begin, all.begin() + end);
    const EpisodeEndHook hook = [&](int trial, int episode, const torch::Tensor& z) {
      rows[(begin + trial) * episodes + episode] = z.clone();
    };
    sampler.run(*setup.agent, tasks, batch, episodes, config.eval.deterministic, nullptr, &hook);
  }

  Embeddings e;
  e.kind = config.agent.kind;
  e.task_names = names;
  e.grouping = task_grouping(names);
  for (size_t s = 0; s < all.size(); ++s)
    for (int k = 0; k < episodes; ++k) {
      e.task.push_back(all[s].task);
      e.trial.push_back(trial_of[s]);
      e.episode.push_back(k);
    }
  e.z = torch::stack(rows).to(torch::kFloat).contiguous();
  return e;
}

std::string embeddings_csv(const Embeddings& e) {
  const int64_t d = e.z.size(1);
  std::string out = "task,name,trial,episode";
  for (int64_t j = 0; j < d; ++j) out += fmt::format(",z{}", j);
  out += "\n";
  auto z = e.z.accessor<float, 2>();
  for (size_t r = 0; r < e.task.size(); ++r) {
    out += fmt::format("{},{},{},{}", e.task[r], e.task_names[e.task[r]], e.trial[r],
                       e.episode[r]);
    for (int64_t j = 0; j < d; ++j) out += fmt::format(",{:.7g}", z[r][j]);
    out += "\n";
  }
  return out;
}

}  // namespace htrmrl
