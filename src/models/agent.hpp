// The seam between memory and networks: an agent maps a batch of contexts (sampled token
// sequences) to a policy (the parameters of its action distribution) and a value. Baselines
// implement the same interface.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "memory/context.hpp"
#include "models/distribution.hpp"

namespace htrmrl {

// Running mean and variance of observations (Welford, merged per batch). Frozen while a
// rollout is collected and its update runs, so stored and recomputed log-probabilities agree.
class ObsNormalizerImpl : public torch::nn::Module {
 public:
  ObsNormalizerImpl(int obs_dim, bool enabled);
  // Normalises the observation part of tokens [..., token_dim]; identity when disabled.
  torch::Tensor forward(const torch::Tensor& tokens);
  // Merges a batch of observations [N, obs_dim] into the statistics.
  void update(const torch::Tensor& obs);
  bool enabled() const { return enabled_; }

 private:
  int obs_dim_;
  bool enabled_;
  torch::Tensor mean_, var_, count_;
};
TORCH_MODULE(ObsNormalizer);

class Agent : public torch::nn::Module {
 public:
  virtual PolicyOutput forward(const Context& context) = 0;
  // The task embedding the policy is conditioned on (z_task for HTrMRL), [B, d].
  virtual torch::Tensor embed(const Context& context) = 0;
  virtual ObsNormalizer& normalizer() = 0;
  // The `agent.kind` that builds this network; checkpoints record it.
  virtual std::string kind() const = 0;
  // The distribution its policy outputs parameterise: a diagonal Gaussian unless overridden.
  virtual const ActionDistribution& distribution() const;
};

// A context whose past slots arrive already summarised: the acting side of an agent whose
// sequences are encoded independently (HTrMRL's T1) encodes a past window once, when it is
// drawn, and per step only the current sequence.
struct SummaryContext {
  torch::Tensor past;          // [B, slots - 1, d]: the past slots' sequence summaries
  torch::Tensor past_mask;     // [B, slots - 1], 1 = a real sequence, 0 = an empty slot
  torch::Tensor current;       // [B, S, token_dim]: the current sequences' raw tokens
  torch::Tensor current_mask;  // [B, S]
};

// An agent that can act on a SummaryContext. For every context c, forward(c) equals (up to
// float rounding) forward(SummaryContext{summarize(c's past sequences), ..., c's current}).
// The sampler detects it (dynamic_cast) and caches the summaries while an episode runs.
class SummaryAgent : public Agent {
 public:
  using Agent::embed;
  using Agent::forward;
  // Summaries [N, d] of raw sequences tokens [N, S, token_dim] with mask [N, S].
  virtual torch::Tensor summarize(const torch::Tensor& tokens, const torch::Tensor& mask) = 0;
  virtual PolicyOutput forward(const SummaryContext& context) = 0;
  virtual torch::Tensor embed(const SummaryContext& context) = 0;
};

// An agent with a recurrent state over a trial's tokens (RL^2). The sampler and the PPO update
// detect it (dynamic_cast) and feed it tokens one at a time or in segments instead of
// contexts; forward(Context) is not how it acts. States are [B, state_size()] on the module's
// device.
class RecurrentAgent : public Agent {
 public:
  // The state at a trial's start: zeros [batch, state_size()] on the module's device.
  virtual torch::Tensor initial_state(int64_t batch) = 0;
  // States after each token: tokens [B, T, token_dim] (raw; normalised inside), state0 [B, H]
  // -> [B, T, H]. Causal: the state after token t depends on tokens <= t only.
  virtual torch::Tensor unroll(const torch::Tensor& tokens, const torch::Tensor& state0) = 0;
  // Policy and value at tokens [N, token_dim] (raw) whose states (after reading them) are
  // states [N, H].
  virtual PolicyOutput read(const torch::Tensor& tokens, const torch::Tensor& states) = 0;
  virtual int64_t state_size() const = 0;

  // One acting step: reads tokens [B, token_dim], advances state [B, H] in place of the
  // caller's tensor, returns the policy at the new state. O(1) per step.
  PolicyOutput step(const torch::Tensor& tokens, torch::Tensor& state) {
    state = unroll(tokens.unsqueeze(1), state).select(1, 0);
    return read(tokens, state);
  }

  // A context is not a recurrent agent's input: these run it from the trial's start state
  // over the current (last) slot's real tokens, as if the current window were the whole
  // trial, and read it at its last token (forward) or return that state (embed). Acting and
  // training never use them (they call step / unroll); they exist so that code written for
  // contexts still runs.
  PolicyOutput forward(const Context& context) override;
  torch::Tensor embed(const Context& context) override;

 private:
  torch::Tensor current_window_state(const Context& context);
};

}  // namespace htrmrl
