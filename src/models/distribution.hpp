// The distribution an agent's policy output defines over actions, owned by the agent
// (Agent::distribution). The update differentiates log_prob and entropy as tensors; acting
// draws one row's action on the host from that row's own random stream, so a trial's actions
// never depend on batching. DiagonalGaussian is every agent's today (models/heads.hpp's
// mean and state-independent log-std on raw actions, no squashing) but PEARL's, whose
// TanhGaussian squashes a Gaussian into the action box (-1, 1).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "common/rng.hpp"

namespace htrmrl {

// What a policy head outputs: the distribution's parameters and the value estimate.
struct PolicyOutput {
  torch::Tensor mean;     // [B, act_dim]
  torch::Tensor log_std;  // [B, act_dim]
  torch::Tensor value;    // [B]
};

class ActionDistribution {
 public:
  virtual ~ActionDistribution() = default;
  // Log-density of raw actions [B, act_dim], summed over action dims: [B].
  virtual torch::Tensor log_prob(const PolicyOutput& out, const torch::Tensor& action) const = 0;
  // Entropy, summed over action dims: [B].
  virtual torch::Tensor entropy(const PolicyOutput& out) const = 0;
  // Host side, on a contiguous CPU output: row `row`'s action drawn from rng into
  // action[act_dim]; returns its log-density (as log_prob computes it).
  virtual double sample(const PolicyOutput& out, int64_t row, Rng& rng, float* action) const = 0;
  // The same for the deterministic action (the mean), drawing nothing.
  virtual double mode(const PolicyOutput& out, int64_t row, float* action) const = 0;
};

// A diagonal Gaussian on raw actions: mean + exp(log_std) * noise.
class DiagonalGaussian : public ActionDistribution {
 public:
  torch::Tensor log_prob(const PolicyOutput& out, const torch::Tensor& action) const override;
  torch::Tensor entropy(const PolicyOutput& out) const override;
  double sample(const PolicyOutput& out, int64_t row, Rng& rng, float* action) const override;
  double mode(const PolicyOutput& out, int64_t row, float* action) const override;

 private:
  // Row `row`'s action for standard normal noise from rng (null: zero noise).
  double act(const PolicyOutput& out, int64_t row, Rng* rng, float* action) const;
};

// A Gaussian squashed by tanh (SAC's and PEARL's policy): action = tanh(u), u = mean +
// exp(log_std) * noise, so actions lie in (-1, 1), the action box of every benchmark here.
// Densities are of the squashed action: log N(u) - sum log(1 - tanh(u)^2), with the
// Jacobian term in the numerically stable form 2 (log 2 - u - softplus(-2u)).
class TanhGaussian : public ActionDistribution {
 public:
  // Of actions in (-1, 1) (clamped to 1 - 1e-6 from the edges before atanh).
  torch::Tensor log_prob(const PolicyOutput& out, const torch::Tensor& action) const override;
  // A squashed Gaussian has no closed-form entropy: throws htrmrl::Error (an estimate is
  // -log_prob of a draw, which is what SAC uses).
  torch::Tensor entropy(const PolicyOutput& out) const override;
  double sample(const PolicyOutput& out, int64_t row, Rng& rng, float* action) const override;
  double mode(const PolicyOutput& out, int64_t row, float* action) const override;

  // Reparameterised draws for the update: actions tanh(mean + std * noise) [B, act_dim] and
  // their log-densities [B], differentiable in the output's mean and log_std.
  std::pair<torch::Tensor, torch::Tensor> rsample(const PolicyOutput& out,
                                                  const torch::Tensor& noise) const;

 private:
  double act(const PolicyOutput& out, int64_t row, Rng* rng, float* action) const;
};

// Standard normal noise [rows, cols] from a run's stream (not LibTorch's global generator),
// so an update's draws are reproducible and independent of anything else that draws.
torch::Tensor standard_normal(int64_t rows, int64_t cols, Rng& rng);

}  // namespace htrmrl
