#include "algorithms/ppo_learner.hpp"

#include <algorithm>

#include "common/rng.hpp"

namespace htrmrl {

const std::vector<MetricColumn>& ppo_columns() {
  static const std::vector<MetricColumn> table = {
      {"policy_loss", "ppo/policy_loss"},
      {"value_loss", "ppo/value_loss"},
      {"entropy", "ppo/entropy"},
      {"approx_kl", "ppo/approx_kl"},
      {"clip_fraction", "ppo/clip_fraction"},
      {"grad_norm", "ppo/grad_norm"},
      {"explained_variance", "ppo/explained_variance"},
      {"ratio_error", "ppo/ratio_error"},
      {"minibatch_steps", "ppo/minibatch_steps", true},
      {"learning_rate", "ppo/learning_rate"},
      {"advantage_std", "ppo/advantage_std"},
      {"action_std", "ppo/action_std"},
      {"reward_divisor", "ppo/reward_divisor"},
  };
  return table;
}

PpoLearner::PpoLearner(Agent& agent, const PpoLearnerOptions& options,
                       std::vector<int> task_family, const torch::Device& device,
                       Collective* group)
    : agent_(agent),
      options_(options),
      task_family_(std::move(task_family)),
      device_(device),
      group_(group),
      optimizer_(agent.parameters(),
                 torch::optim::AdamOptions(options.lr).eps(options.adam_eps)),
      reward_scaler_(options.scale_rewards,
                     *std::max_element(task_family_.begin(), task_family_.end()) + 1,
                     options.ppo.gamma) {}

LearnerStats PpoLearner::update(const LearnerBatch& batch) {
  const PpoOptions& o = options_.ppo;
  const uint64_t it = static_cast<uint64_t>(batch.iteration);
  // Rewards scaled by the running return deviation of each trial's task family.
  std::vector<int> trial_family;
  for (const int task : batch.trial_tasks) trial_family.push_back(task_family_[task]);
  const double reward_divisor = reward_scaler_.scale(batch.buffer, trial_family, group_);
  // Advantages: GAE over each trial as one path.
  compute_gae(batch.buffer, o.gamma, o.gae_lambda);
  // Linear annealing is a function of the iteration alone, so a resumed run matches.
  const double lr = options_.anneal_lr
                        ? options_.lr * (1.0 - static_cast<double>(batch.iteration) /
                                                   batch.iterations)
                        : options_.lr;
  for (auto& group : optimizer_.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  // The update, LibTorch's generator seeded per iteration (dropout).
  torch::manual_seed(derive_seed(options_.seed, {kTagTorch, it + 1}));
  const PpoStats s = ppo_update(agent_, optimizer_, batch.buffer, o,
                                derive_seed(options_.seed, {kTagShuffle, it}), device_, group_);
  return {s.samples,
          {s.policy_loss, s.value_loss, s.entropy, s.approx_kl, s.clip_fraction, s.grad_norm,
           s.explained_variance, s.first_ratio_error, static_cast<double>(s.minibatch_steps),
           lr, s.advantage_std, s.action_std, reward_divisor}};
}

void PpoLearner::require_finite_state() const {
  htrmrl::require_finite_state(agent_, optimizer_);
}

void PpoLearner::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive optim;
  optimizer_.save(optim);
  archive.write("optimizer", optim);
  if (reward_scaler_.mode() != RewardScaling::kOff)
    archive.write("reward_statistics", reward_scaler_.state().to(torch::kCPU));
}

void PpoLearner::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive optim;
  archive.read("optimizer", optim);
  optimizer_.load(optim);
  torch::Tensor statistics;
  if (archive.try_read("reward_statistics", statistics)) reward_scaler_.load_state(statistics);
}

}  // namespace htrmrl
