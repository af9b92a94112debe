// Proximal Policy Optimisation (Schulman et al. 2017) over stored trials: generalised
// advantage estimation, then epochs of shuffled minibatches whose contexts are rebuilt
// from raw tokens.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"

namespace htrmrl {

struct PpoOptions {
  int epochs = 4;
  int minibatches = 4;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double clip = 0.2;
  double value_coef = 0.5;
  double entropy_coef = 0.0;
  double max_grad_norm = 0.5;  // <= 0: no clipping
  bool normalize_advantages = true;
  double target_kl = 0.0;  // > 0: stop the update once a minibatch's KL exceeds 1.5x this
};

struct PpoStats {
  double policy_loss = 0.0;
  double value_loss = 0.0;
  double entropy = 0.0;
  double approx_kl = 0.0;       // mean of (ratio - 1) - log ratio over the minibatches run
  double clip_fraction = 0.0;   // share of samples whose ratio left [1 - clip, 1 + clip]
  int minibatch_steps = 0;      // optimiser steps taken (fewer when target_kl stopped early)
  double grad_norm = 0.0;       // before clipping, mean over minibatches
  double explained_variance = 0.0;
  double first_ratio_error = 0.0;  // max |ratio - 1| in the first minibatch: 0 up to rounding
  int64_t samples = 0;
};

// GAE over each trial as one path: the trial, not the episode, is the agent's lifetime, so
// episode boundaries inside it are not cut; the trial's end is terminal (value 0).
void compute_gae(RolloutBuffer& buffer, double gamma, double lambda);

PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device);

}  // namespace htrmrl
