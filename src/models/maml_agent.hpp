// MAML as an agent (agent.kind = "maml"): a Gaussian MLP policy on the current observation
// alone (MamlPolicy, explicit parameter lists), with no memory of the trial. It adapts by
// gradient, not by reading a context: after the first `adaptation.episodes` episodes of a
// trial, the acting side (rollouts/gradient_acting.hpp) takes `adaptation.steps` policy-
// gradient steps from the meta-parameters on those episodes and plays the rest of the trial
// with the adapted parameters. The learner (algorithms/maml_learner.hpp) differentiates
// through the same steps. It has no value function: MAML's baseline is fitted per task.
#pragma once

#include <torch/torch.h>

#include <string>

#include "models/agent.hpp"
#include "models/maml_policy.hpp"

namespace htrmrl {

// The baseline fitted to each task's returns: rllab's linear feature baseline (published with
// MAML), or a small value network (garage's Meta-World examples).
enum class MamlBaseline { linear, mlp };

// The inner loop, as acting and learning both run it.
struct MamlAdaptation {
  int episodes = 10;    // adaptation episodes at the start of every trial (Meta-World: 10)
  double lr = 0.1;      // the inner step size (published for Meta-World: 0.1)
  int steps = 1;        // inner steps, each on the same adaptation episodes (published: 1)
  double gamma = 0.99;  // the discount of the inner loop's returns
  MamlBaseline baseline = MamlBaseline::linear;
  uint64_t baseline_seed = 0;  // the value-network baseline's initial weights (the run's seed)
};

struct MamlAgentOptions {
  MamlPolicyOptions policy;
  MamlAdaptation adaptation;
  bool normalize_obs = false;
};

class MamlAgent : public Agent {
 public:
  explicit MamlAgent(const MamlAgentOptions& options);

  // The meta-policy (unadapted) at each context's current state, the last token of its last
  // slot; value zeros.
  PolicyOutput forward(const Context& context) override;
  // The meta-policy's features at each context's current state.
  torch::Tensor embed(const Context& context) override;
  ObsNormalizer& normalizer() override { return normalizer_; }
  std::string kind() const override { return "maml"; }

  MamlPolicy& policy() { return policy_; }
  const MamlAdaptation& adaptation() const { return options_.adaptation; }
  // Observations [..., obs_dim] as the policy reads them (normalised when enabled).
  torch::Tensor policy_input(const torch::Tensor& obs) { return normalizer_(obs); }

 private:
  torch::Tensor current_observations(const Context& context) const;

  MamlAgentOptions options_;
  MamlPolicy policy_;
  ObsNormalizer normalizer_;
};

}  // namespace htrmrl
