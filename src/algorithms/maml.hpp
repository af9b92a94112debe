// MAML's mathematics for RL (Finn et al. 2017; facts in ../shared/reference/maml.md), as
// functions of explicit parameter lists (models/maml_policy.hpp), so the outer step can
// differentiate through the inner one:
//   - one task's episodes, their discounted returns, and a baseline refit on them (rllab's
//     linear feature baseline, or a small value network); advantages are returns minus the
//     baseline, normalised (GAE with lambda 1);
//   - the inner step: theta' = theta - alpha * grad of the policy-gradient loss on the task's
//     pre-update episodes, keeping the graph (second order) or not (first order);
//   - conjugate gradient and a TRPO step (Fisher-vector products of the KL, the step scaled to
//     the KL radius, a backtracking line search that accepts only improvements within it).
// The trainer's MAML learner and the meta-test's gradient adaptation build on these.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "memory/trial_memory.hpp"
#include "models/maml_agent.hpp"
#include "models/maml_policy.hpp"

namespace htrmrl {

using Params = std::vector<torch::Tensor>;

// A task's episodes, zero-padded to the longest: obs [N, T, obs_dim], actions [N, T, act_dim]
// (the raw actions the policy drew), rewards [N, T], mask [N, T] (1 on real steps).
struct Episodes {
  torch::Tensor obs, actions, rewards, mask;
};

// Where a trial's episodes lie in its token buffer and in its per-step records: episode k's
// reset state is token first_token[k], its L = length[k] steps are steps first_step[k] ...
// first_step[k] + L - 1 of the trial, and step j's reward sits in token first_token[k] + j + 1.
struct TrialEpisodes {
  std::vector<int> first_token, first_step, length;
  int count() const { return static_cast<int>(length.size()); }
};

// The complete episodes of a token buffer of num_tokens tokens (an episode ends at a token
// whose end flag is set; an unfinished last episode is left out).
TrialEpisodes trial_episodes(const float* tokens, int num_tokens, TokenLayout layout);

// Episodes [first, first + count) of a trial as MAML's batch: observations and rewards from
// its tokens, raw_actions [steps * act_dim] as the policy drew them (tokens hold the clipped
// ones), zero-padded to the longest.
Episodes gather_episodes(const float* tokens, TokenLayout layout, const float* raw_actions,
                         const TrialEpisodes& where, int first, int count);

// Episodes as the agent's policy reads them: on the device, observations normalised.
Episodes policy_episodes(MamlAgent& agent, const Episodes& e, const torch::Device& device);

// A per-step record (values [steps], e.g. log-densities) laid out as those episodes: [count, T].
torch::Tensor pad_steps(const float* values, const TrialEpisodes& where, int first, int count);

// sum_{k >= t} gamma^(k - t) r_k within each episode: [N, T] (zero on padding).
torch::Tensor discounted_returns(const Episodes& episodes, double gamma);

// rllab's linear feature baseline, fitted to `returns` by ridge regression on the real steps:
// features (obs clipped to [-10, 10], its square, t/100 and its square and cube, 1); the ridge
// starts at reg and grows tenfold until the solution is finite. Values [N, T].
torch::Tensor linear_feature_baseline(const Episodes& episodes, const torch::Tensor& returns,
                                      double reg = 1e-5);

// A small value network as the baseline (garage's Meta-World setting: 2 x 32 tanh, a fresh
// one per task): its initial weights drawn from `seed` alone, fitted to the standardised
// returns of the real steps by 100 full-batch Adam steps at lr 1e-2, on the linear baseline's
// features. Values [N, T].
torch::Tensor mlp_baseline(const Episodes& episodes, const torch::Tensor& returns,
                           uint64_t seed);

// Discounted returns (adaptation.gamma) minus the adaptation's baseline, standardised over the
// real steps: [N, T].
torch::Tensor maml_advantages(const Episodes& episodes, const MamlAdaptation& adaptation);

// The policy-gradient (log-likelihood x advantage) loss: -mean over real steps.
torch::Tensor policy_gradient_loss(const MamlPolicyImpl& policy, const Params& params,
                                   const Episodes& episodes, const torch::Tensor& advantages);

// theta - lr * grad_theta policy_gradient_loss(theta). second_order: the result stays a
// differentiable function of theta (the MAML gradient); else the gradient is a constant
// (first-order MAML).
Params inner_step(const MamlPolicyImpl& policy, const Params& params, const Episodes& episodes,
                  const torch::Tensor& advantages, double lr, bool second_order);

// The inner loop: `adaptation.steps` inner steps of size adaptation.lr from params on one
// task's adaptation episodes (observations as the policy reads them) and their advantages
// (maml_advantages).
Params adapt(const MamlPolicyImpl& policy, const Params& params, const Episodes& episodes,
             const torch::Tensor& advantages, const MamlAdaptation& adaptation,
             bool second_order);

// The mean over real steps (mask [N, T]) of KL(before || now) between diagonal Gaussians: the
// trust region's measure, with `before` held fixed.
torch::Tensor mean_kl(const PolicyOutput& before, const PolicyOutput& now,
                      const torch::Tensor& mask);

// Solves A x = b for a symmetric positive definite A given as x -> A x, in at most `iters`
// iterations (stops once the squared residual is below tol).
torch::Tensor conjugate_gradient(const std::function<torch::Tensor(const torch::Tensor&)>& avp,
                                 const torch::Tensor& b, int iters, double tol = 1e-10);

struct TrpoOptions {
  double max_kl = 0.01;         // the trust region's radius (published everywhere: 0.01)
  int cg_iters = 10;
  double damping = 1e-5;        // added to the Fisher matrix's diagonal
  double backtrack_ratio = 0.8;
  int max_backtracks = 15;
};

struct TrpoResult {
  bool accepted = false;  // false: no step within the radius improved; parameters unchanged
  int backtracks = 0;     // shrinkings before the accepted step
  double loss_before = 0, loss_after = 0, kl = 0;
};

// One TRPO step on `params` (updated in place when accepted). loss(params): the surrogate to
// minimise; kl(params): the mean KL from the policy before the step (zero, with zero
// gradient, at the current parameters). Both are re-evaluated along the line search.
TrpoResult trpo_step(Params& params, const std::function<torch::Tensor(const Params&)>& loss,
                     const std::function<torch::Tensor(const Params&)>& kl,
                     const TrpoOptions& options);

}  // namespace htrmrl
