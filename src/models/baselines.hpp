// The two baselines HTrMRL is compared with, on the same contexts, heads, PPO and trainer:
//   TrMRL (Melo 2022): one causal transformer over the last S transitions of the current
//     episode (a context with a single slot: agent.episodes = 1); the policy reads the
//     encoder output at the current position.
//   Flat: one transformer over all K * S transitions HTrMRL reads, flattened into a single
//     sequence: O(S^2 K^2) attention against HTrMRL's O(S^2 + K^2), for the cost comparison.
#pragma once

#include "models/agent.hpp"
#include "models/heads.hpp"
#include "models/transformer.hpp"

namespace htrmrl {

struct BaselineOptions {
  EncoderOptions encoder;      // one stack (agent.blocks); causal for TrMRL
  HeadOptions heads;
  bool embedding_bias = true;  // TrMRL's embedding has none
  bool normalize_obs = false;
  Init init = Init::kDefault;
};

// One embedding, one encoder stack and HTrMRL's heads; a subclass says how a context
// becomes the summary the heads read.
class SingleEncoderAgent : public Agent {
 public:
  PolicyOutput forward(const Context& context) override;
  // The summary the policy reads, [B, d_model].
  torch::Tensor embed(const Context& context) override;
  ObsNormalizer& normalizer() override { return normalizer_; }

 protected:
  // positions: how many sinusoidal positions the encoder input may need.
  SingleEncoderAgent(const BaselineOptions& options, TokenLayout layout, int positions);
  // The summary [B, d] of normalised tokens x [N, S, token_dim].
  virtual torch::Tensor summarise(const torch::Tensor& x, const Context& context) = 0;

  BaselineOptions options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  torch::nn::Linear embedding_{nullptr};
  Encoder encoder_{nullptr};
  torch::Tensor positions_;
  PolicyHeads heads_;
};

class TrMRLAgent : public SingleEncoderAgent {
 public:
  TrMRLAgent(const BaselineOptions& options, TokenLayout layout, int seq_len);
  std::string kind() const override { return "trmrl"; }
  // Encoder outputs at every position of every distinct sequence, [N, S, d] (for tests).
  torch::Tensor encode_sequences(const Context& context);

 private:
  // Encoder outputs [N, S, d] of normalised tokens x [N, S, token_dim].
  torch::Tensor encode(const torch::Tensor& x, const torch::Tensor& mask);
  torch::Tensor summarise(const torch::Tensor& x, const Context& context) override;
};

class FlatAgent : public SingleEncoderAgent {
 public:
  // slots: context slots (K as used); positions cover slots * seq_len tokens.
  FlatAgent(const BaselineOptions& options, TokenLayout layout, int seq_len, int slots);
  std::string kind() const override { return "flat"; }

 private:
  torch::Tensor summarise(const torch::Tensor& x, const Context& context) override;
};

}  // namespace htrmrl
