// RL^2's GRU agent (see rl2_agent.hpp).
#include "models/rl2_agent.hpp"

namespace htrmrl {

Rl2Agent::Rl2Agent(const Rl2Options& options, TokenLayout layout)
    : options_(options), layout_(layout) {
  normalizer_ = register_module("normalizer", ObsNormalizer(layout.obs_dim, options.normalize_obs));
  heads_ = PolicyHeads(options.heads, layout, options.hidden);
  heads_.register_state_map(*this);
  gru_ = register_module(
      "gru", torch::nn::GRU(torch::nn::GRUOptions(layout.size(), options.hidden).batch_first(true)));
  heads_.register_outputs(*this);
}

torch::Tensor Rl2Agent::initial_state(int64_t batch) {
  // The module's device and dtype, whatever they are.
  return torch::zeros({batch, options_.hidden}, gru_->parameters().front().options());
}

torch::Tensor Rl2Agent::unroll(const torch::Tensor& tokens, const torch::Tensor& state0) {
  // One layer: the GRU's output at t is its state after token t.
  auto out = gru_->forward(normalizer_->forward(tokens), state0.unsqueeze(0).contiguous());
  return std::get<0>(out);
}

PolicyOutput Rl2Agent::read(const torch::Tensor& tokens, const torch::Tensor& states) {
  auto state = normalizer_->forward(tokens).narrow(-1, 0, layout_.obs_dim);
  return heads_.forward(state, states);
}

}  // namespace htrmrl
