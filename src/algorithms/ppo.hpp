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

// A recurrent agent's unit of update (truncated BPTT): tokens [token_begin, token_end) of one
// trial, and the steps [step_begin, step_end) that act at a token inside them. A step acts at
// its current state's token, its current window's end - 1 (step_token).
struct Segment {
  int32_t trial = 0;
  int32_t token_begin = 0, token_end = 0;
  int32_t step_begin = 0, step_end = 0;
};

// Token index of step s of trial t: the last token of its current (last-slot) window.
int32_t step_token(const RolloutBuffer& buffer, int32_t trial, int32_t step);
// Each trial cut into consecutive segments of bptt tokens (the last one shorter); segments in
// which no step acts (a lone terminal token, with bptt = 1) are left out.
std::vector<Segment> make_segments(const RolloutBuffer& buffer, int bptt);
// The recurrent states at each segment's first token, [segments, H], recomputed with the
// agent's current parameters: one no-grad unroll of every trial from a zero state.
torch::Tensor segment_start_states(RecurrentAgent& agent, const RolloutBuffer& buffer,
                                   const std::vector<Segment>& segments,
                                   const torch::Device& device);
// Policy outputs of the steps of segments units[begin, end), segment by segment and step by
// step, each segment unrolled from its start state (start_states [segments, H]); their
// sample ids (indices into buffer.samples) are appended to `samples` in the same order.
PolicyOutput evaluate_segments(RecurrentAgent& agent, const RolloutBuffer& buffer,
                               const std::vector<Segment>& segments,
                               const torch::Tensor& start_states,
                               const std::vector<int64_t>& units, int64_t begin, int64_t end,
                               const torch::Device& device, std::vector<int64_t>& samples);

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
