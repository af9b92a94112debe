// A batch of contexts as tensors, the one input every agent takes.
#pragma once

#include <torch/torch.h>

#include "memory/trial_memory.hpp"

namespace htrmrl {

// tokens [B, slots, S, token_dim], mask [B, slots, S] (1 = real token). The current state
// is the last token of the last slot.
struct Context {
  torch::Tensor tokens;
  torch::Tensor mask;

  Context to(const torch::Device& device) const {
    return {tokens.to(device, /*non_blocking=*/true), mask.to(device, /*non_blocking=*/true)};
  }
};

// A zeroed CPU context of `rows` rows; fill row i with gather_context(row_tokens(i), ...).
inline Context allocate_context(int64_t rows, int slots, int seq_len, int token_dim) {
  return {torch::zeros({rows, slots, seq_len, token_dim}), torch::zeros({rows, slots, seq_len})};
}

inline float* row_tokens(Context& c, int64_t i) {
  return c.tokens.data_ptr<float>() + i * c.tokens.stride(0);
}

inline float* row_mask(Context& c, int64_t i) {
  return c.mask.data_ptr<float>() + i * c.mask.stride(0);
}

}  // namespace htrmrl
