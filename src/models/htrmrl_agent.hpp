// HTrMRL (Shala et al. 2024): T1 encodes each sampled sequence with positions, T2 mixes the
// sequence summaries without positions, and the policy reads phi2(s) and z_task.
#pragma once

#include <memory>

#include "models/agent.hpp"
#include "models/heads.hpp"
#include "models/transformer.hpp"

namespace htrmrl {

struct HTrMRLOptions {
  EncoderOptions t1;       // intra-episode blocks (with positional encoding)
  EncoderOptions t2;       // inter-episode blocks (without)
  bool use_state = true;   // false = HTrMRL*: the policy sees z_task alone
  ValueInput value_input = ValueInput::kShared;
  int hidden = 64;         // width of the two hidden layers of the policy and value heads
  double init_std = 1.0;   // initial action standard deviation
  bool normalize_obs = false;
  Init init = Init::kDefault;  // T-Fixup: phi1 + T1 as one stack, T2 as another

  HeadOptions heads() const { return {use_state, value_input, hidden, init_std}; }
};

class HTrMRLAgent : public SummaryAgent {
 public:
  HTrMRLAgent(const HTrMRLOptions& options, TokenLayout layout, int seq_len);
  PolicyOutput forward(const Context& context) override;
  torch::Tensor embed(const Context& context) override;
  torch::Tensor summarize(const torch::Tensor& tokens, const torch::Tensor& mask) override;
  PolicyOutput forward(const SummaryContext& context) override;
  torch::Tensor embed(const SummaryContext& context) override;
  ObsNormalizer& normalizer() override { return normalizer_; }
  std::string kind() const override { return "htrmrl"; }

 private:
  // The normalised current state and z_task.
  struct Features {
    torch::Tensor state;
    torch::Tensor z_task;
  };
  Features encode(const Context& context);
  Features encode(const SummaryContext& context);
  // z_seq [N, d]: T1's output at the last position of normalised sequences x [N, S, D].
  torch::Tensor z_seq(const torch::Tensor& x, const torch::Tensor& mask);
  // z_task [B, d]: T2 over the slots' summaries [B, K, d], read at the current (last) slot.
  torch::Tensor z_task(const torch::Tensor& z_seq, const torch::Tensor& slot_mask);

  HTrMRLOptions options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  torch::nn::Linear phi1_{nullptr};
  Encoder t1_{nullptr}, t2_{nullptr};
  torch::Tensor positions_;
  PolicyHeads heads_;
};

}  // namespace htrmrl
