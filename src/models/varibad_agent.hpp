// VariBAD (Zintgraf et al. 2020): a recurrent encoder reads the trial's transitions and gives a
// Gaussian belief q(m | tau_{:t}) = N(mu_t, diag(exp(logvar_t))) over a task latent m; a
// reward decoder p(r | m, s', a), and optionally a state decoder p(s' | m, s, a), are trained
// with it as a VAE (algorithms/varibad_vae.hpp); the
// policy and value read the state and the belief's (mean, log-variance), detached, so PPO
// trains the heads alone and the VAE the encoder and decoder, as published
// (rlloss_through_encoder = False).
//
// Tokens are TrialMemory's, [s_t | a_{t-1} | r_{t-1} | d_{t-1}]: a token is the transition
// (a, s', r) that led to its state, which is the encoder's input; the GRU reads every token of
// the trial (its state reset only between trials: the belief spans the trial's episodes).
// The widths are published: one ReLU layer each embeds the state (32), the action (16) and the
// reward (16), read raw; the policy embeds the state (phi2) and the belief to 64 each. As a RecurrentAgent its state is the GRU's, so the sampler's
// RecurrentActing and the PPO update's truncated BPTT drive it as they drive RL^2.
#pragma once

#include "models/agent.hpp"
#include "models/heads.hpp"

namespace htrmrl {

struct VariBadOptions {
  int hidden = 128;        // GRU state size (agent.rnn_hidden)
  int latent = 5;          // task latent dimension (agent.latent_dim)
  HeadOptions heads;
  bool normalize_obs = false;  // the policy's view of the state; the encoder reads raw tokens
  bool decode_states = false;  // a state decoder p(s' | m, s, a) beside the reward decoder
};

// A diagonal Gaussian belief: [..., latent] each.
struct Belief {
  torch::Tensor mean, log_var;
};

class VariBadAgent : public RecurrentAgent {
 public:
  VariBadAgent(const VariBadOptions& options, TokenLayout layout);
  std::string kind() const override { return "varibad"; }

  torch::Tensor initial_state(int64_t batch) override;
  torch::Tensor unroll(const torch::Tensor& tokens, const torch::Tensor& state0) override;
  PolicyOutput read(const torch::Tensor& tokens, const torch::Tensor& states) override;
  int64_t state_size() const override { return options_.hidden; }

  // The belief at encoder states [..., H] (with gradient: the VAE trains through it).
  Belief belief(const torch::Tensor& states);
  // Predicted rewards [...] of transitions into states obs [..., obs_dim] by actions
  // act [..., act_dim] under latents z [..., latent].
  torch::Tensor decode_reward(const torch::Tensor& z, const torch::Tensor& obs,
                              const torch::Tensor& act);
  // Predicted next states [..., obs_dim] from states obs [..., obs_dim] and actions act under
  // latents z; only with options.decode_states.
  torch::Tensor decode_state(const torch::Tensor& z, const torch::Tensor& obs,
                             const torch::Tensor& act);
  bool decodes_states() const { return options_.decode_states; }
  // What the VAE trains: the encoder (embeddings, GRU, belief heads) and the decoders.
  std::vector<torch::Tensor> vae_parameters() const;
  int latent() const { return options_.latent; }

  ObsNormalizer& normalizer() override { return normalizer_; }

 private:
  VariBadOptions options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  PolicyHeads heads_;
  torch::nn::Linear embed_state_{nullptr}, embed_action_{nullptr}, embed_reward_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear mean_{nullptr}, log_var_{nullptr};
  torch::nn::Linear embed_belief_{nullptr};  // the policy's view of the belief (published: 64)
  torch::nn::Sequential reward_decoder_{nullptr}, state_decoder_{nullptr};
};

}  // namespace htrmrl
