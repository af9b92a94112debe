// PEARL's learner: soft actor-critic on transitions replayed per task, with the task latent
// z inferred from a context batch of the same task, as published (Rakelly et al. 2019; facts in
// ../shared/reference/pearl.md). After each rollout the iteration's trials join their tasks'
// replays; then pearl.gradient_steps steps, each on pearl.meta_batch tasks drawn from those
// with data, each task with
//   - an RL batch: pearl.batch transitions drawn uniformly from all its kept trials;
//   - a context batch: pearl.context_batch transitions drawn from its newest trial's first
//     pearl.context_episodes episodes (the published encoder buffer holds the task's latest
//     prior-z data only);
// z ~ q(z | context) reparameterised. One step, in order (pearl_learner.cpp):
//   1. Q and encoder: Bellman error of both Q against reward_scale * r + gamma * V_target(s',
//      z), plus kl_weight x KL(q(z | c) || N(0, I)) summed over the tasks; the encoder learns
//      from these alone (V and the policy read z detached);
//   2. V toward min(Q1, Q2)(s, a~pi, z) - alpha log pi, then the target V tracks it (tau);
//   3. the policy: alpha log pi - min Q, plus 1e-3 x (mean^2 + log_std^2);
//   4. with pearl.entropy = "auto", log alpha toward entropy -act_dim (SAC v2); with "fixed",
//      alpha = 1 and the reward scale is the inverse temperature (published).
// Every episode of the suite ends by truncation (no environment terminates), so every target
// bootstraps. Every draw comes from the iteration's stream, so a resumed run replays it.
#pragma once

#include <string>
#include <vector>

#include "algorithms/learner.hpp"
#include "algorithms/pearl_options.hpp"
#include "memory/trial_replay.hpp"
#include "models/pearl_agent.hpp"

namespace htrmrl {

// metrics.csv's columns: means over the iteration's steps.
const std::vector<MetricColumn>& pearl_columns();

class PearlLearner : public Learner {
 public:
  PearlLearner(PearlAgent& agent, const PearlOptions& options, int tasks, uint64_t seed,
               const torch::Device& device);

  const std::vector<MetricColumn>& columns() const override { return pearl_columns(); }
  LearnerStats update(const LearnerBatch& batch) override;
  void require_finite_state() const override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // One SAC step on replayed data drawn from rng (update() runs pearl.gradient_steps of
  // them); returns the step's statistics in pearl_columns() order. Needs a task with data.
  std::vector<double> step(Rng& rng);
  const TrialReplay& replay() const { return replay_; }

 private:
  // One step's data: RL transitions [meta_batch * batch, dim] (task-major) and context
  // features [meta_batch, context_batch, context_dim], on the device.
  struct StepBatch {
    Transitions rl;
    torch::Tensor context;
  };
  StepBatch draw(Rng& rng);
  double alpha() const;

  PearlAgent& agent_;
  PearlOptions options_;
  uint64_t seed_;
  torch::Device device_;
  TrialReplay replay_;
  std::vector<int> tasks_with_data_;  // ascending
  torch::Tensor log_alpha_;
  torch::optim::Adam policy_optimizer_, q_optimizer_, v_optimizer_, encoder_optimizer_,
      alpha_optimizer_;
};

}  // namespace htrmrl
