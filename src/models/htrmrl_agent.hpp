// HTrMRL (Shala et al. 2024): T1 encodes each sampled sequence with positions, T2 mixes the
// sequence summaries without positions, and the policy reads phi2(s) and z_task.
#pragma once

#include <memory>

#include "models/agent.hpp"
#include "models/transformer.hpp"

namespace htrmrl {

// Which features the value head reads.
enum class ValueInput {
  kShared,  // [phi2(s), z_task], the policy's input: the value sees the task too
  kState,   // the normalised current state alone (TrMRL's Meta-World choice)
};
ValueInput parse_value_input(const std::string& name);
std::string to_string(ValueInput v);

struct HTrMRLOptions {
  EncoderOptions t1;       // intra-episode blocks (with positional encoding)
  EncoderOptions t2;       // inter-episode blocks (without)
  bool use_state = true;   // false = HTrMRL*: the policy sees z_task alone
  ValueInput value_input = ValueInput::kShared;
  int hidden = 64;         // width of the two hidden layers of the policy and value heads
  double init_std = 1.0;   // initial action standard deviation
  bool normalize_obs = false;
};

class HTrMRLAgent : public Agent {
 public:
  HTrMRLAgent(const HTrMRLOptions& options, TokenLayout layout, int seq_len);
  PolicyOutput forward(const Context& context) override;
  torch::Tensor embed(const Context& context) override;
  ObsNormalizer& normalizer() override { return normalizer_; }

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
  torch::nn::Linear phi1_{nullptr}, phi2_{nullptr};
  Encoder t1_{nullptr}, t2_{nullptr};
  torch::Tensor positions_;
  torch::nn::Sequential policy_{nullptr}, value_{nullptr};
  torch::Tensor log_std_;
};

}  // namespace htrmrl
