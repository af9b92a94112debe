// The distribution an agent's policy output defines over actions, owned by the agent
// (Agent::distribution). The update differentiates log_prob and entropy as tensors; acting
// draws one row's action on the host from that row's own random stream, so a trial's actions
// never depend on batching. DiagonalGaussian is every agent's today (models/heads.hpp's
// mean and state-independent log-std on raw actions, no squashing); a squashed Gaussian
// (PEARL's tanh) would be another.
#pragma once

#include <torch/torch.h>

#include <cstdint>

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

}  // namespace htrmrl
