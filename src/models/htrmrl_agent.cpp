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
  return {current_state(x, context, layout_.obs_dim), z_task};
}

PolicyOutput HTrMRLAgent::forward(const Context& context) {
  auto f = encode(context);
  return heads_.forward(f.state, f.z_task);
}

torch::Tensor HTrMRLAgent::embed(const Context& context) { return encode(context).z_task; }

}  // namespace htrmrl
