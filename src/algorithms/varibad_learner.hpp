// VariBAD's learner: PPO for the policy and value heads on the detached belief, then the VAE
// on replayed trials for the encoder and reward decoder, each with its own Adam (published:
// 1 to 3 VAE steps after each policy update, lr 1e-3, the encoder's gradient clipped at 1).
// The PPO part is PpoLearner unchanged; its optimiser also holds the encoder's parameters,
// which the RL loss never reaches (zero gradients leave Adam's step at exactly zero).
#pragma once

#include <memory>

#include "algorithms/ppo_learner.hpp"
#include "algorithms/varibad_vae.hpp"

namespace htrmrl {

struct VariBadLearnerOptions {
  PpoLearnerOptions ppo;
  VaeOptions vae;
};

// metrics.csv's columns: PPO's, then vae_loss, vae_reward_loss, vae_kl.
const std::vector<MetricColumn>& varibad_columns();

class VariBadLearner : public Learner {
 public:
  VariBadLearner(VariBadAgent& agent, const VariBadLearnerOptions& options,
                 std::vector<int> task_family, const torch::Device& device);

  const std::vector<MetricColumn>& columns() const override { return varibad_columns(); }
  LearnerStats update(const LearnerBatch& batch) override;
  void require_finite_state() const override;
  // PPO's keys, then "vae_optimizer" and "vae_replay".
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  VariBadAgent& agent_;
  VariBadLearnerOptions options_;
  torch::Device device_;
  PpoLearner ppo_;
  torch::optim::Adam vae_optimizer_;
  VaeReplay replay_;
};

}  // namespace htrmrl
