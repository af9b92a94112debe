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

torch::Tensor Rl2Agent::current_window_state(const Context& context) {
  // Windows are right-aligned with padding in front; a zero state is kept through padding
  // positions by resetting it wherever the mask is 0 (padding only ever precedes real tokens).
  auto current = context.index.select(1, context.slots() - 1);
  auto tokens = context.tokens.index_select(0, current);
  auto mask = context.mask.index_select(0, current);
  auto state = initial_state(tokens.size(0));
  for (int64_t t = 0; t < tokens.size(1); ++t) {
    auto next = unroll(tokens.narrow(1, t, 1), state).select(1, 0);
    state = next * mask.narrow(1, t, 1);
  }
  return state;
}

PolicyOutput Rl2Agent::forward(const Context& context) {
  auto current = context.index.select(1, context.slots() - 1);
  auto last = context.tokens.index_select(0, current).select(1, context.tokens.size(1) - 1);
  return read(last, current_window_state(context));
}

torch::Tensor Rl2Agent::embed(const Context& context) { return current_window_state(context); }

}  // namespace htrmrl
