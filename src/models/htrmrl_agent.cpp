#include "models/htrmrl_agent.hpp"

#include <cmath>

#include "common/error.hpp"

namespace htrmrl {
namespace {

// Two tanh hidden layers; the last layer's weights scaled by `gain` (0.01 for the policy
// mean, so the initial policy is the same for every context: PPO starts from noise).
torch::nn::Sequential mlp(int in, int hidden, int out, double gain) {
  torch::nn::Sequential net(torch::nn::Linear(in, hidden), torch::nn::Tanh(),
                            torch::nn::Linear(hidden, hidden), torch::nn::Tanh(),
                            torch::nn::Linear(hidden, out));
  torch::NoGradGuard no_grad;
  auto last = net->ptr(4)->as<torch::nn::Linear>();
  last->weight.mul_(gain);
  last->bias.zero_();
  return net;
}

}  // namespace

ValueInput parse_value_input(const std::string& name) {
  if (name == "shared") return ValueInput::kShared;
  if (name == "state") return ValueInput::kState;
  throw Error("unknown value input '" + name + "' (shared, state)");
}

std::string to_string(ValueInput v) { return v == ValueInput::kShared ? "shared" : "state"; }

HTrMRLAgent::HTrMRLAgent(const HTrMRLOptions& options, TokenLayout layout, int seq_len)
    : options_(options), layout_(layout) {
  const int d = options.t1.d_model;
  if (options.t2.d_model != d) throw Error("T1 and T2 must share d_model");
  normalizer_ = register_module("normalizer", ObsNormalizer(layout.obs_dim, options.normalize_obs));
  phi1_ = register_module("phi1", torch::nn::Linear(layout.size(), d));
  if (options.use_state) phi2_ = register_module("phi2", torch::nn::Linear(layout.obs_dim, d));
  t1_ = register_module("t1", Encoder(options.t1));
  t2_ = register_module("t2", Encoder(options.t2));
  positions_ = register_buffer("positions", sinusoidal_positions(seq_len, d));
  const int features = options.use_state ? 2 * d : d;
  policy_ = register_module("policy", mlp(features, options.hidden, layout.act_dim, 0.01));
  const int value_in = options.value_input == ValueInput::kShared ? features : layout.obs_dim;
  value_ = register_module("value", mlp(value_in, options.hidden, 1, 1.0));
  log_std_ = register_parameter(
      "log_std", torch::full({layout.act_dim}, std::log(options.init_std)));
}

HTrMRLAgent::Features HTrMRLAgent::encode(const Context& context) {
  const int64_t b = context.batch(), k = context.slots(), s = context.tokens.size(1);
  const int d = options_.t1.d_model;
  auto x = normalizer_->forward(context.tokens);
  // T1 over every distinct sequence independently, positions added after phi1.
  auto h = t1_->forward(phi1_->forward(x) + positions_, context.mask);
  // z_seq = T1's output at the last position (sequences are right-aligned), per slot.
  auto slot = context.index.reshape({-1});
  auto z_seq = h.select(1, s - 1).index_select(0, slot).view({b, k, d});
  // T2 over the K summaries without positions; empty slots are masked keys.
  auto slot_mask = context.mask.select(1, s - 1).index_select(0, slot).view({b, k});
  auto z_task = t2_->forward(z_seq, slot_mask).select(1, k - 1);
  // The current state: the last token of the current (last) sequence.
  auto current = context.index.select(1, k - 1);
  auto state = x.select(1, s - 1).index_select(0, current).narrow(-1, 0, layout_.obs_dim);
  return {state, z_task};
}

PolicyOutput HTrMRLAgent::forward(const Context& context) {
  auto f = encode(context);
  auto features = options_.use_state ? torch::cat({phi2_->forward(f.state), f.z_task}, -1)
                                     : f.z_task;
  PolicyOutput out;
  out.mean = policy_->forward(features);
  out.log_std = log_std_.clamp_min(std::log(1e-6)).expand_as(out.mean);
  auto value_in = options_.value_input == ValueInput::kShared ? features : f.state;
  out.value = value_->forward(value_in).squeeze(-1);
  return out;
}

torch::Tensor HTrMRLAgent::embed(const Context& context) { return encode(context).z_task; }

}  // namespace htrmrl
