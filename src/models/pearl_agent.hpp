// PEARL (Rakelly et al. 2019): a soft actor-critic conditioned on a task latent z, whose
// posterior q(z | c) a permutation-invariant encoder infers from a set of transitions c.
// Each transition (s, a, r[, s']) maps through an MLP to a Gaussian factor N(mu_i, sigma_i^2);
// the posterior is their product, sigma^2 = 1 / sum(1 / sigma_i^2), mu = sigma^2 sum(mu_i /
// sigma_i^2), and with no transition the prior N(0, I). The policy is a tanh-squashed Gaussian
// on (s, z); twin Q on (s, a, z); V and a slowly tracking target V on (s, z): the published
// networks (3 ReLU layers of agent.hidden; the encoder 3 of pearl.encoder_hidden; output
// layers initialised uniformly within +-3e-3). The learner (algorithms/pearl_learner.hpp)
// trains them; acting (rollouts/posterior_acting.hpp) draws z once per episode.
#pragma once

#include <vector>

#include "memory/transitions.hpp"
#include "models/agent.hpp"

namespace htrmrl {

struct PearlAgentOptions {
  int latent = 5;             // agent.latent_dim (published: 5; Meta-World 7)
  int hidden = 300;           // agent.hidden: policy, Q and V widths
  int encoder_hidden = 200;   // pearl.encoder_hidden
  bool next_obs_in_context = false;  // pearl.next_obs_in_context
  // Episodes at each trial's start that act with z from the prior (pearl.prior_episodes); the
  // rest act with z from the posterior of the trial's transitions so far.
  int prior_episodes = 1;
  bool normalize_obs = false;  // every network's view of states (ppo.normalize_obs)
};

// A diagonal Gaussian over z, [..., latent] each.
struct Posterior {
  torch::Tensor mean, var;
};

class PearlAgent : public Agent {
 public:
  PearlAgent(const PearlAgentOptions& options, TokenLayout layout);
  std::string kind() const override { return "pearl"; }
  const ActionDistribution& distribution() const override;
  ObsNormalizer& normalizer() override { return normalizer_; }

  // The encoder's input rows [..., context_dim] for transitions [..., dim].
  torch::Tensor context_features(const Transitions& transitions);
  int64_t context_dim() const;
  // Each transition's Gaussian factor N(mu_i, sigma_i^2): context [..., context_dim] ->
  // [..., latent] each.
  Posterior factors(const torch::Tensor& context);
  // q(z | c) of context [T, N, context_dim] with mask [T, N] (1 = a real transition); a row
  // with no real transition gets the prior N(0, I). Differentiable in the encoder.
  Posterior posterior(const torch::Tensor& context, const torch::Tensor& mask);

  // The policy at raw states obs [B, obs_dim] for latents z [B, latent] (value: V(s, z)).
  PolicyOutput policy(const torch::Tensor& obs, const torch::Tensor& z);
  // Q_which(s, a, z) for which = 0, 1: [B].
  torch::Tensor q(int which, const torch::Tensor& obs, const torch::Tensor& act,
                  const torch::Tensor& z);
  // V(s, z), or the target V's: [B].
  torch::Tensor v(const torch::Tensor& obs, const torch::Tensor& z, bool target = false);
  // target <- tau * V + (1 - tau) * target.
  void track_target(double tau);

  // Each optimiser's parameters (the target V has none: it only tracks).
  std::vector<torch::Tensor> policy_parameters() const;
  std::vector<torch::Tensor> q_parameters() const;
  std::vector<torch::Tensor> v_parameters() const;
  std::vector<torch::Tensor> encoder_parameters() const;

  const PearlAgentOptions& options() const { return options_; }
  TokenLayout layout() const { return layout_; }

  // A context is not how PEARL acts (PosteriorActing draws z per episode); these read the
  // transitions within each context's current (last) window, take the posterior's mean, and
  // act at the window's last state (forward) or return that mean (embed), so that code
  // written for contexts still runs.
  PolicyOutput forward(const Context& context) override;
  torch::Tensor embed(const Context& context) override;

 private:
  // The current windows' transitions as encoder input [B, S - 1, context_dim] and their mask.
  std::pair<torch::Tensor, torch::Tensor> window_context(const Context& context);

  PearlAgentOptions options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  torch::nn::Sequential encoder_{nullptr}, policy_{nullptr}, q1_{nullptr}, q2_{nullptr},
      v_{nullptr}, target_v_{nullptr};
};

}  // namespace htrmrl
