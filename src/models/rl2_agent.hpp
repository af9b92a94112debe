// RL^2 (Duan et al. 2016; Wang et al. 2016): a GRU reads the trial's tokens one at a time, its
// state carried across the episodes of a trial and reset to zeros between trials; the shared
// policy/value heads (models/heads.hpp) read the GRU state. Trained by the same PPO, with
// truncated back-propagation through time over segments of agent.bptt tokens
// (algorithms/ppo.cpp).
//
// Tokens are TrialMemory's, [s_t | a_{t-1} | r_{t-1} | d_{t-1}]: exactly RL^2's input. The
// GRU reads every token of the trial in buffer order, including each episode's last token
// (the terminal state with the episode's last reward and d = 1), which no action follows:
// that is how the final reward and the episode boundary reach the state. A step acts at its
// current state's token, the last token of its current window (window end - 1).
#pragma once

#include "models/agent.hpp"
#include "models/heads.hpp"

namespace htrmrl {

struct Rl2Options {
  int hidden = 128;  // GRU state size (agent.rnn_hidden)
  HeadOptions heads;
  bool normalize_obs = false;
};

class Rl2Agent : public RecurrentAgent {
 public:
  Rl2Agent(const Rl2Options& options, TokenLayout layout);
  std::string kind() const override { return "rl2"; }

  torch::Tensor initial_state(int64_t batch) override;
  torch::Tensor unroll(const torch::Tensor& tokens, const torch::Tensor& state0) override;
  PolicyOutput read(const torch::Tensor& tokens, const torch::Tensor& states) override;
  int64_t state_size() const override { return options_.hidden; }

  ObsNormalizer& normalizer() override { return normalizer_; }

 private:
  Rl2Options options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  torch::nn::GRU gru_{nullptr};
  PolicyHeads heads_;
};

}  // namespace htrmrl
