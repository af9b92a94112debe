// Shared policy/value heads (see heads.hpp).
#include "models/heads.hpp"

#include <cmath>

#include "common/error.hpp"

namespace htrmrl {

ValueInput parse_value_input(const std::string& name) {
  if (name == "shared") return ValueInput::kShared;
  if (name == "state") return ValueInput::kState;
  throw Error("unknown value input '" + name + "' (shared, state)");
}

std::string to_string(ValueInput v) { return v == ValueInput::kShared ? "shared" : "state"; }

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

torch::Tensor current_state(const torch::Tensor& x, const Context& context, int obs_dim) {
  // Sequences are right-aligned: position S - 1 of the last slot's sequence is the current state.
  auto current = context.index.select(1, context.slots() - 1);
  return x.select(1, x.size(1) - 1).index_select(0, current).narrow(-1, 0, obs_dim);
}

PolicyHeads::PolicyHeads(const HeadOptions& options, TokenLayout layout, int d_model)
    : options_(options), layout_(layout), d_model_(d_model) {}

void PolicyHeads::register_state_map(torch::nn::Module& owner) {
  if (options_.use_state)
    phi2_ = owner.register_module("phi2", torch::nn::Linear(layout_.obs_dim, d_model_));
}

void PolicyHeads::register_outputs(torch::nn::Module& owner) {
  const int features = options_.use_state ? 2 * d_model_ : d_model_;
  policy_ = owner.register_module("policy", mlp(features, options_.hidden, layout_.act_dim, 0.01));
  const int value_in = options_.value_input == ValueInput::kShared ? features : layout_.obs_dim;
  value_ = owner.register_module("value", mlp(value_in, options_.hidden, 1, 1.0));
  log_std_ = owner.register_parameter(
      "log_std", torch::full({layout_.act_dim}, std::log(options_.init_std)));
}

PolicyOutput PolicyHeads::forward(const torch::Tensor& state, const torch::Tensor& summary) {
  auto features = options_.use_state ? torch::cat({phi2_->forward(state), summary}, -1) : summary;
  PolicyOutput out;
  out.mean = policy_->forward(features);
  // Floor the standard deviation at 1e-6: log-probabilities stay finite.
  out.log_std = log_std_.clamp_min(std::log(1e-6)).expand_as(out.mean);
  auto value_in = options_.value_input == ValueInput::kShared ? features : state;
  out.value = value_->forward(value_in).squeeze(-1);
  return out;
}

}  // namespace htrmrl
