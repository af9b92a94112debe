// VariBAD's VAE: the replay of past trials it learns from and its loss, the negative ELBO of
// Zintgraf et al. (2020) with a reward decoder. One ELBO term per time step t of a trial:
// the belief after the trial's first t tokens, q_t, decodes the rewards of the WHOLE trial
// (past and future transitions), and is pulled towards the previous belief q_{t-1} by a KL
// (N(0, I) before the first token), the published kl_to_gauss_prior = False. Long trials
// subsample vae.elbo_terms terms and vae.decode_targets transitions per trial, as published.
// Each term's reconstruction is summed over its targets, as the authors' code does
// (vae_avg_reconstruction_terms = False), so their vae.kl_weight and vae.reward_coef carry
// over; the terms are averaged (their sum would only rescale the step, which Adam undoes).
#pragma once

#include <torch/torch.h>

#include <deque>
#include <vector>

#include "common/rng.hpp"
#include "memory/rollout_buffer.hpp"
#include "models/varibad_agent.hpp"

namespace htrmrl {

struct VaeOptions {
  double lr = 1e-3;           // Adam, the VAE's own optimiser
  double kl_weight = 0.1;     // weight of the KL to the previous belief
  double reward_coef = 1.0;   // weight of the reward reconstruction
  double state_coef = 0.0;    // weight of the next-state reconstruction (0: no state decoder)
  int updates = 3;            // VAE steps after each PPO update
  int batch_trials = 10;      // trials per VAE step
  int elbo_terms = 50;        // ELBO terms (time steps) drawn per trial (all when fewer)
  int decode_targets = 50;    // transitions decoded per term (all when fewer)
  int replay_trials = 1000;   // most recent trials kept (first in, first out)
  double max_grad_norm = 1.0; // the encoder's and decoder's gradient clip (0 = off)
};

// What the VAE keeps of a trial: its tokens, and which of them are transitions (the token
// after each step's state, holding s', a and r), in step order.
struct VaeTrial {
  std::vector<float> tokens;
  std::vector<int32_t> transitions;
};

// The most recent trials, first in first out; saved in checkpoints so a resumed run draws
// from the same trials.
class VaeReplay {
 public:
  explicit VaeReplay(int capacity) : capacity_(capacity) {}
  void add(const RolloutBuffer& buffer);
  int size() const { return static_cast<int>(trials_.size()); }
  // `count` trials drawn uniformly with replacement; pointers valid until the next add.
  std::vector<const VaeTrial*> sample(int count, Rng& rng) const;
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  int capacity_;
  std::deque<VaeTrial> trials_;
};

// KL(q || p) of diagonal Gaussians, summed over the last dimension.
torch::Tensor gaussian_kl(const Belief& q, const Belief& p);

struct VaeLoss {
  torch::Tensor total;     // reward_coef * reward + state_coef * state + kl_weight * kl
  double reward = 0;       // squared reward error summed over a term's targets, mean over terms
  double state = 0;        // squared next-state error, summed likewise (0 without the decoder)
  double kl = 0;           // mean KL per term
};

// The negative ELBO of the trials (mean over them). The terms, targets and the
// reparameterisation noise come from rng.
VaeLoss vae_loss(VariBadAgent& agent, const std::vector<const VaeTrial*>& trials,
                 TokenLayout layout, const VaeOptions& options, Rng& rng,
                 const torch::Device& device);

}  // namespace htrmrl
