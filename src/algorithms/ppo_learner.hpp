// PPO as a Learner: one iteration's update is the algorithm's whole outer step, in CleanRL's
// order: rewards scaled (ppo.scale_rewards), GAE over each trial, the learning rate annealed,
// then ppo_update's epochs of clipped-surrogate minibatches on one Adam optimiser.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "algorithms/learner.hpp"
#include "algorithms/ppo.hpp"
#include "algorithms/reward_scaling.hpp"
#include "common/collective.hpp"

namespace htrmrl {

// PPO's options plus what its outer step needs around ppo_update.
struct PpoLearnerOptions {
  PpoOptions ppo;
  double lr = 1e-3;
  double adam_eps = 1e-5;
  bool anneal_lr = true;  // linear decay of lr to 0 over the run's iterations
  RewardScaling scale_rewards = RewardScaling::kOff;
  uint64_t seed = 1;      // the run seed: minibatch order and LibTorch's generator per iteration
};

// metrics.csv's PPO columns: policy_loss ... reward_divisor (the README's list).
const std::vector<MetricColumn>& ppo_columns();

class PpoLearner : public Learner {
 public:
  // task_family[i]: the reward-scaling group of training task i (its family's index).
  PpoLearner(Agent& agent, const PpoLearnerOptions& options, std::vector<int> task_family,
             const torch::Device& device, Collective* group = nullptr);

  const std::vector<MetricColumn>& columns() const override { return ppo_columns(); }
  LearnerStats update(const LearnerBatch& batch) override;
  void require_finite_state() const override;
  // Keys "optimizer" (Adam's state) and, when rewards are scaled, "reward_statistics".
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  Agent& agent_;
  PpoLearnerOptions options_;
  std::vector<int> task_family_;
  torch::Device device_;
  Collective* group_;
  torch::optim::Adam optimizer_;
  RewardScaler reward_scaler_;
};

}  // namespace htrmrl
