// MAML's outer step as a Learner (Finn et al. 2017; facts in ../shared/reference/maml.md).
// Every trial of the iteration is one task's meta-batch entry: its first
// adaptation.episodes episodes were played by the meta-parameters theta (the inner loop's
// data), the rest by the parameters the acting side adapted from them
// (rollouts/gradient_acting.hpp). The update recomputes theta'(theta) per task with the graph
// kept (second order, or first order as an option) and improves theta through it:
//   trpo   the surrogate mean over tasks of ratio x advantage on the post-adaptation episodes,
//          one natural-gradient step within a KL radius (conjugate gradient on the Fisher-
//          vector product, backtracking line search; MAML-TRPO as Meta-World reports it);
//   ppo    ppo.epochs full-batch Adam steps on the clipped surrogate (MAML-PPO).
// Advantages are Monte-Carlo returns minus a linear feature baseline refit per task and
// episode set, standardised (GAE lambda 1, as published).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "algorithms/learner.hpp"
#include "algorithms/maml.hpp"
#include "models/maml_agent.hpp"

namespace htrmrl {

struct MamlLearnerOptions {
  std::string outer = "trpo";  // "trpo" or "ppo"
  bool second_order = true;    // differentiate through the inner steps' gradients
  TrpoOptions trpo;
  // The PPO outer step.
  double lr = 1e-3;
  double adam_eps = 1e-5;
  double clip = 0.5;           // garage's MAML-PPO
  int epochs = 5;
  double max_grad_norm = 0;    // 0: no clip
};

// metrics.csv's MAML columns: the adaptation's effect and the outer step's.
const std::vector<MetricColumn>& maml_columns();

class MamlLearner : public Learner {
 public:
  MamlLearner(MamlAgent& agent, const MamlLearnerOptions& options, const torch::Device& device);

  const std::vector<MetricColumn>& columns() const override { return maml_columns(); }
  LearnerStats update(const LearnerBatch& batch) override;
  void require_finite_state() const override;
  // Key "optimizer": the PPO outer step's Adam (empty for TRPO, which keeps no state).
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // One task's share of an update: its adaptation episodes and the episodes played after
  // adaptation, their advantages, and the log-densities the acting policy gave the latter.
  struct TaskBatch {
    Episodes adaptation, adapted;
    torch::Tensor adaptation_advantages, adapted_advantages, acted_log_prob;
  };

 private:
  // The surrogate (mean over tasks) and, for PPO, its clipped form at theta; also the
  // largest |ratio - 1| when asked (the acting and the recomputed policy must agree).
  torch::Tensor surrogate(const Params& theta, bool clipped, double* ratio_error = nullptr) const;
  torch::Tensor kl_from(const std::vector<PolicyOutput>& before, const Params& theta) const;
  std::vector<PolicyOutput> adapted_policies(const Params& theta) const;

  MamlAgent& agent_;
  MamlLearnerOptions options_;
  torch::Device device_;
  torch::optim::Adam optimizer_;
  std::vector<TaskBatch> tasks_;  // the current update's
};

}  // namespace htrmrl
