// VariBAD's encoder, belief, decoders and policy (see varibad_agent.hpp).
#include "models/varibad_agent.hpp"

#include "common/error.hpp"

namespace htrmrl {
namespace {

constexpr int kStateEmbedding = 32, kActionEmbedding = 16, kRewardEmbedding = 16;
constexpr int kBeliefEmbedding = 64;
constexpr int kDecoderHidden1 = 64, kDecoderHidden2 = 32;

// A decoder of (z, s, a): two ReLU layers (published widths), a linear output of `outputs`.
torch::nn::Sequential decoder(int inputs, int outputs) {
  return torch::nn::Sequential(
      torch::nn::Linear(inputs, kDecoderHidden1), torch::nn::ReLU(),
      torch::nn::Linear(kDecoderHidden1, kDecoderHidden2), torch::nn::ReLU(),
      torch::nn::Linear(kDecoderHidden2, outputs));
}

}  // namespace

VariBadAgent::VariBadAgent(const VariBadOptions& options, TokenLayout layout)
    : options_(options), layout_(layout) {
  normalizer_ =
      register_module("normalizer", ObsNormalizer(layout.obs_dim, options.normalize_obs));
  heads_ = PolicyHeads(options.heads, layout, kBeliefEmbedding);
  heads_.register_state_map(*this);
  // The encoder: embeddings of (s', a, r), a GRU, the belief's heads.
  embed_state_ = register_module("embed_state", torch::nn::Linear(layout.obs_dim, kStateEmbedding));
  embed_action_ =
      register_module("embed_action", torch::nn::Linear(layout.act_dim, kActionEmbedding));
  embed_reward_ = register_module("embed_reward", torch::nn::Linear(1, kRewardEmbedding));
  gru_ = register_module(
      "gru", torch::nn::GRU(torch::nn::GRUOptions(
                                kStateEmbedding + kActionEmbedding + kRewardEmbedding, options.hidden)
                                .batch_first(true)));
  mean_ = register_module("belief_mean", torch::nn::Linear(options.hidden, options.latent));
  log_var_ = register_module("belief_log_var", torch::nn::Linear(options.hidden, options.latent));
  // The decoder: p(r | m, s', a), a deterministic MSE output.
  const int decoder_inputs = options.latent + layout.obs_dim + layout.act_dim;
  reward_decoder_ = register_module("reward_decoder", decoder(decoder_inputs, 1));
  // p(s' | m, s, a), only when asked for: runs without it keep their checkpoints' layout.
  if (options.decode_states)
    state_decoder_ =
        register_module("state_decoder", decoder(decoder_inputs, layout.obs_dim));
  // The policy's side: the belief embedded, then the shared heads.
  embed_belief_ =
      register_module("embed_belief", torch::nn::Linear(2 * options.latent, kBeliefEmbedding));
  heads_.register_outputs(*this);
}

torch::Tensor VariBadAgent::initial_state(int64_t batch) {
  return torch::zeros({batch, options_.hidden}, gru_->parameters().front().options());
}

torch::Tensor VariBadAgent::unroll(const torch::Tensor& tokens, const torch::Tensor& state0) {
  // Each part of the raw token embedded on its own, then the GRU over their concatenation.
  const int o = layout_.obs_dim, a = layout_.act_dim;
  auto x = torch::cat({torch::relu(embed_state_(tokens.narrow(-1, 0, o))),
                       torch::relu(embed_action_(tokens.narrow(-1, o, a))),
                       torch::relu(embed_reward_(tokens.narrow(-1, o + a, 1)))},
                      -1);
  return std::get<0>(gru_->forward(x, state0.unsqueeze(0).contiguous()));
}

Belief VariBadAgent::belief(const torch::Tensor& states) {
  return {mean_(states), log_var_(states)};
}

PolicyOutput VariBadAgent::read(const torch::Tensor& tokens, const torch::Tensor& states) {
  // The RL loss stops at the belief: the VAE alone trains the encoder and its belief heads.
  const Belief b = belief(states);
  auto belief_features =
      torch::relu(embed_belief_(torch::cat({b.mean, b.log_var}, -1).detach()));
  auto state = normalizer_->forward(tokens).narrow(-1, 0, layout_.obs_dim);
  return heads_.forward(state, belief_features);
}

torch::Tensor VariBadAgent::decode_reward(const torch::Tensor& z, const torch::Tensor& obs,
                                          const torch::Tensor& act) {
  return reward_decoder_->forward(torch::cat({z, obs, act}, -1)).squeeze(-1);
}

torch::Tensor VariBadAgent::decode_state(const torch::Tensor& z, const torch::Tensor& obs,
                                         const torch::Tensor& act) {
  if (!state_decoder_) throw Error("VariBAD: this agent has no state decoder");
  return state_decoder_->forward(torch::cat({z, obs, act}, -1));
}

std::vector<torch::Tensor> VariBadAgent::vae_parameters() const {
  std::vector<torch::Tensor> out;
  const std::vector<const torch::nn::Module*> vae = {
      embed_state_.get(), embed_action_.get(), embed_reward_.get(), gru_.get(),
      mean_.get(),        log_var_.get(),      reward_decoder_.get()};
  for (const torch::nn::Module* m : vae)
    for (const auto& p : m->parameters()) out.push_back(p);
  if (state_decoder_)
    for (const auto& p : state_decoder_->parameters()) out.push_back(p);
  return out;
}

}  // namespace htrmrl
