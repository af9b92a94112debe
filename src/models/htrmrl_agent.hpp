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

class HTrMRLAgent : public Agent {
 public:
  HTrMRLAgent(const HTrMRLOptions& options, TokenLayout layout, int seq_len);
  PolicyOutput forward(const Context& context) override;
  torch::Tensor embed(const Context& context) override;
  ObsNormalizer& normalizer() override { return normalizer_; }
  std::string kind() const override { return "htrmrl"; }

 private:
  // Normalised tokens, the current state, and z_task.
  struct Features {
    torch::Tensor state;
    torch::Tensor z_task;
  };
  Features encode(const Context& context);

  HTrMRLOptions options_;
  TokenLayout layout_;
  ObsNormalizer normalizer_{nullptr};
  torch::nn::Linear phi1_{nullptr};
  Encoder t1_{nullptr}, t2_{nullptr};
  torch::Tensor positions_;
  PolicyHeads heads_;
};

}  // namespace htrmrl
