#include "models/htrmrl_agent.hpp"

#include <cmath>

#include "common/error.hpp"

namespace htrmrl {

HTrMRLAgent::HTrMRLAgent(const HTrMRLOptions& options, TokenLayout layout, int seq_len)
    : options_(options), layout_(layout) {
  const int d = options.t1.d_model;
  if (options.t2.d_model != d) throw Error("T1 and T2 must share d_model");
  normalizer_ = register_module("normalizer", ObsNormalizer(layout.obs_dim, options.normalize_obs));
  phi1_ = register_module("phi1", torch::nn::Linear(layout.size(), d));
  // Registration order (phi1, phi2, t1, t2, heads) is the checkpoint's optimiser order.
  heads_ = PolicyHeads(options.heads(), layout, d);
  heads_.register_state_map(*this);
  t1_ = register_module("t1", Encoder(options.t1));
  t2_ = register_module("t2", Encoder(options.t2));
  positions_ = register_buffer("positions", sinusoidal_positions(seq_len, d));
  heads_.register_outputs(*this);
  if (options.init == Init::kTFixup) {
    // phi1 embeds T1's input; T2's input is T1's output, so it has no embedding to rescale.
    t_fixup_embedding(phi1_, options.t1.blocks);
    t1_->t_fixup();
    t2_->t_fixup();
  }
}

torch::Tensor HTrMRLAgent::z_seq(const torch::Tensor& x, const torch::Tensor& mask) {
  // T1 over each sequence independently, positions added after phi1; sequences are
  // right-aligned, so the last position summarises the sequence.
  return t1_->forward_last(phi1_->forward(x) + positions_, mask);
}

torch::Tensor HTrMRLAgent::z_task(const torch::Tensor& z_seq, const torch::Tensor& slot_mask) {
  // T2 over the K summaries without positions; empty slots are masked keys.
  return t2_->forward_last(z_seq, slot_mask);
}

HTrMRLAgent::Features HTrMRLAgent::encode(const Context& context) {
  const int64_t b = context.batch(), k = context.slots(), s = context.tokens.size(1);
  auto x = normalizer_->forward(context.tokens);
  // Every distinct sequence through T1 once, then each context's slots picked by index.
  auto slot = context.index.reshape({-1});
  auto z = z_seq(x, context.mask).index_select(0, slot).view({b, k, -1});
  auto slot_mask = context.mask.select(1, s - 1).index_select(0, slot).view({b, k});
  // The current state: the last token of the current (last) sequence.
  return {current_state(x, context, layout_.obs_dim), z_task(z, slot_mask)};
}

HTrMRLAgent::Features HTrMRLAgent::encode(const SummaryContext& context) {
  // Only the current sequences go through T1; the past slots' summaries are given.
  auto x = normalizer_->forward(context.current);
  auto current = z_seq(x, context.current_mask).unsqueeze(1);
  auto z = torch::cat({context.past, current}, 1);
  auto slot_mask =
      torch::cat({context.past_mask, context.past_mask.new_ones({x.size(0), 1})}, 1);
  return {x.select(1, x.size(1) - 1).narrow(-1, 0, layout_.obs_dim), z_task(z, slot_mask)};
}

PolicyOutput HTrMRLAgent::forward(const Context& context) {
  auto f = encode(context);
  return heads_.forward(f.state, f.z_task);
}

PolicyOutput HTrMRLAgent::forward(const SummaryContext& context) {
  auto f = encode(context);
  return heads_.forward(f.state, f.z_task);
}

torch::Tensor HTrMRLAgent::embed(const Context& context) { return encode(context).z_task; }

torch::Tensor HTrMRLAgent::embed(const SummaryContext& context) {
  return encode(context).z_task;
}

torch::Tensor HTrMRLAgent::summarize(const torch::Tensor& tokens, const torch::Tensor& mask) {
  return z_seq(normalizer_->forward(tokens), mask);
}

}  // namespace htrmrl
