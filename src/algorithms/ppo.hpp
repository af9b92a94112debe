// Proximal Policy Optimisation (Schulman et al. 2017) over stored trials: generalised
// advantage estimation, then epochs of shuffled minibatches whose contexts are rebuilt
// from raw tokens.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "common/collective.hpp"
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
  int bptt = 32;  // recurrent agents: tokens per truncated-BPTT segment
  // Context agents: encode each distinct sequence of a minibatch once (RolloutBuffer::gather);
  // false re-encodes every slot of every sample, the naive path bench compares against.
  bool deduplicate = true;
  // Threads that evaluate and differentiate a minibatch's parts side by side (contiguous
  // blocks of its sorted sample ids); the parts' gradients are summed in a fixed order, so
  // results do not depend on thread timing. Each thread runs LibTorch's intra-op threads.
  int workers = 1;
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
  double advantage_std = 0.0;   // of the raw GAE advantages (before standardisation)
  double action_std = 0.0;      // the policy's standard deviation, mean over action dims
  double first_ratio_error = 0.0;  // max |ratio - 1| in the first minibatch: 0 up to rounding
  int64_t samples = 0;
  int64_t encoded_sequences = 0;   // context agents: sequences encoded over all minibatches
};

// GAE over each trial as one path: the trial, not the episode, is the agent's lifetime, so
// episode boundaries inside it are not cut; the trial's end is terminal (value 0).
void compute_gae(RolloutBuffer& buffer, double gamma, double lambda);

// Epochs of shuffled minibatches of "units": one sample each for context agents, one segment
// of options.bptt tokens each for recurrent agents (segment-start states recomputed at the
// start of every epoch). Both share the losses, clipping, KL stop and statistics.
// With a group, `buffer` holds this rank's block of the iteration's trials (rank order =
// trial order) and every rank calls this together: the minibatches, advantage normalisation,
// summed gradients, KL stop and statistics are those of one process holding all the trials
// (up to floating-point summation order).
// Throws NonFiniteError (common/finite.hpp) at the first minibatch step whose loss terms, KL
// estimate or gradient norm are NaN or infinite, before that step changes a parameter.
PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device,
                    Collective* group = nullptr);

}  // namespace htrmrl
