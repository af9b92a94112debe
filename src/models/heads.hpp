// Building blocks every agent ends with: the two-layer tanh MLPs, the optional state map
// phi2, and the Gaussian policy / value heads on top of a context summary. HTrMRL, TrMRL and
// the flat transformer all use them, so methods differ only in how they summarise a context.
#pragma once

#include <torch/torch.h>

#include <string>

#include "memory/context.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// Which features the value head reads.
enum class ValueInput {
  kShared,  // the policy's features ([phi2(s), summary] or the summary): the value sees the task
  kState,   // the normalised current state alone (TrMRL's Meta-World choice)
};
ValueInput parse_value_input(const std::string& name);
std::string to_string(ValueInput v);

struct HeadOptions {
  bool use_state = true;  // the policy reads phi2(s) beside the summary (false: summary alone)
  ValueInput value_input = ValueInput::kShared;
  int hidden = 64;        // width of the two hidden layers of the policy and value heads
  double init_std = 1.0;  // initial action standard deviation
};

// Two tanh hidden layers; the last layer's weights scaled by `gain` (0.01 for the policy
// mean, so the initial policy is the same for every context: PPO starts from noise).
torch::nn::Sequential mlp(int in, int hidden, int out, double gain);

// The current state of each context: the last token of its last (current) sequence, obs part.
// x [N, S, token_dim] are the (normalised) distinct sequences of `context`; returns [B, obs].
torch::Tensor current_state(const torch::Tensor& x, const Context& context, int obs_dim);

// phi2, policy, value and log-std, registered on the owning agent under those names.
// Registration comes in two calls so an owner keeps its parameter order (the optimiser
// state in checkpoints is positional): HTrMRL registers phi2 before its encoders.
class PolicyHeads {
 public:
  PolicyHeads() = default;
  PolicyHeads(const HeadOptions& options, TokenLayout layout, int d_model);
  void register_state_map(torch::nn::Module& owner);
  void register_outputs(torch::nn::Module& owner);
  // state [B, obs] (normalised), summary [B, d_model].
  PolicyOutput forward(const torch::Tensor& state, const torch::Tensor& summary);
  const HeadOptions& options() const { return options_; }

 private:
  HeadOptions options_;
  TokenLayout layout_;
  int d_model_ = 0;
  torch::nn::Linear phi2_{nullptr};
  torch::nn::Sequential policy_{nullptr}, value_{nullptr};
  torch::Tensor log_std_;
};

}  // namespace htrmrl
