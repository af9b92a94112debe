// TrMRL and the flat transformer (see baselines.hpp).
#include "models/baselines.hpp"

#include "common/error.hpp"

namespace htrmrl {
namespace {

torch::nn::Linear make_embedding(const BaselineOptions& o, TokenLayout layout) {
  return torch::nn::Linear(
      torch::nn::LinearOptions(layout.size(), o.encoder.d_model).bias(o.embedding_bias));
}

}  // namespace

SingleEncoderAgent::SingleEncoderAgent(const BaselineOptions& options, TokenLayout layout,
                                       int positions)
    : options_(options), layout_(layout) {
  const int d = options.encoder.d_model;
  normalizer_ = register_module("normalizer", ObsNormalizer(layout.obs_dim, options.normalize_obs));
  embedding_ = register_module("embedding", make_embedding(options, layout));
  heads_ = PolicyHeads(options.heads, layout, d);
  heads_.register_state_map(*this);
  encoder_ = register_module("encoder", Encoder(options.encoder));
  positions_ = register_buffer("positions", sinusoidal_positions(positions, d));
  heads_.register_outputs(*this);
  if (options.init == Init::kTFixup) {
    t_fixup_embedding(embedding_, options.encoder.blocks);
    encoder_->t_fixup();
  }
}

torch::Tensor SingleEncoderAgent::embed(const Context& context) {
  return summarise(normalizer_->forward(context.tokens), context);
}

PolicyOutput SingleEncoderAgent::forward(const Context& context) {
  auto x = normalizer_->forward(context.tokens);
  return heads_.forward(current_state(x, context, layout_.obs_dim), summarise(x, context));
}

TrMRLAgent::TrMRLAgent(const BaselineOptions& options, TokenLayout layout, int seq_len)
    : SingleEncoderAgent(options, layout, seq_len) {}

torch::Tensor TrMRLAgent::encode(const torch::Tensor& x, const torch::Tensor& mask) {
  // Embedding not scaled by sqrt(d) (as published); windows are right-aligned, so the
  // current state is always at position S - 1 and padding sits at the front.
  return encoder_->forward(embedding_->forward(x) + positions_, mask);
}

torch::Tensor TrMRLAgent::encode_sequences(const Context& context) {
  return encode(normalizer_->forward(context.tokens), context.mask);
}

torch::Tensor TrMRLAgent::summarise(const torch::Tensor& x, const Context& context) {
  // Only the current (last) slot is read (with agent.episodes = 1 it is the only one), at
  // its last position: the current state.
  auto h = encoder_->forward_last(embedding_->forward(x) + positions_, context.mask);
  return h.index_select(0, context.index.select(1, context.slots() - 1));
}

FlatAgent::FlatAgent(const BaselineOptions& options, TokenLayout layout, int seq_len, int slots)
    : SingleEncoderAgent(options, layout, slots * seq_len) {}

torch::Tensor FlatAgent::summarise(const torch::Tensor& x, const Context& context) {
  const int64_t b = context.batch(), k = context.slots(), s = context.tokens.size(1);
  const int64_t length = k * s;
  if (length > positions_.size(0))
    throw Error("flat agent built for " + std::to_string(positions_.size(0)) +
                " tokens got a context of " + std::to_string(length));
  // Embed each distinct sequence once, then gather every row's slots into one sequence
  // [B, K * S, d] with the matching mask (padded tokens and empty slots are masked keys).
  auto e = embedding_->forward(x);
  auto slot = context.index.reshape({-1});
  auto flat = e.index_select(0, slot).view({b, length, e.size(-1)});
  auto mask = context.mask.index_select(0, slot).view({b, length});
  // Positions run over the flattened sequence, end-aligned like the slots and tokens, so
  // the current state keeps the last position whatever the number of slots.
  const int64_t first = positions_.size(0) - length;
  return encoder_->forward_last(flat + positions_.narrow(0, first, length), mask);
}

}  // namespace htrmrl
