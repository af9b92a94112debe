// A batch of contexts as tensors, the one input every agent takes.
#pragma once

#include <torch/torch.h>

#include "memory/trial_memory.hpp"

namespace htrmrl {

// Contexts as distinct sequences plus an index: sequence index[b][k] fills slot k of
// context b, and the last slot is the current sequence (its last token the current state).
// Contexts that share a sequence (the past episodes' windows of one episode's steps, in a
// PPO minibatch) point at one copy, so each distinct sequence is encoded once.
struct Context {
  torch::Tensor tokens;  // [N, S, token_dim]
  torch::Tensor mask;    // [N, S], 1 = real token
  torch::Tensor index;   // [B, slots], int64

  int64_t batch() const { return index.size(0); }
  int64_t slots() const { return index.size(1); }

  Context to(const torch::Device& device) const {
    return {tokens.to(device, /*non_blocking=*/true), mask.to(device, /*non_blocking=*/true),
            index.to(device, /*non_blocking=*/true)};
  }
};

// One sequence per slot: tokens [B, slots, S, D] and mask [B, slots, S] viewed as
// B * slots sequences with the identity index.
inline Context dense_context(const torch::Tensor& tokens, const torch::Tensor& mask) {
  const int64_t b = tokens.size(0), k = tokens.size(1), s = tokens.size(2);
  return {tokens.reshape({b * k, s, tokens.size(3)}), mask.reshape({b * k, s}),
          torch::arange(b * k, torch::TensorOptions().dtype(torch::kLong).device(tokens.device()))
              .view({b, k})};
}

// A zeroed dense CPU context of `rows` rows; row i's slots are filled in place with
// gather_context(..., row_tokens(c, i), row_mask(c, i)).
inline Context allocate_context(int64_t rows, int slots, int seq_len, int token_dim) {
  return dense_context(torch::zeros({rows, slots, seq_len, token_dim}),
                       torch::zeros({rows, slots, seq_len}));
}

inline float* row_tokens(Context& c, int64_t i) {
  return c.tokens.data_ptr<float>() + i * c.slots() * c.tokens.stride(0);
}

inline float* row_mask(Context& c, int64_t i) {
  return c.mask.data_ptr<float>() + i * c.slots() * c.mask.stride(0);
}

}  // namespace htrmrl
