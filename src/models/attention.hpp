// Multi-head scaled dot-product attention over packed q|k|v projections, in two forms that
// compute the same function:
//   composed  LibTorch operators (permute, batched matmul, softmax); any device, any dropout.
//   fused     a CPU kernel with a hand-written backward pass: one loop over the batch reads
//             q, k and v where the projection wrote them, the softmax (with a vectorised
//             exponential) in the same pass as the scores. At HTrMRL's shapes (d_head 8,
//             5-25 tokens) the composed form's batched products are thousands of tiny
//             matrices and its permutes copy every activation; the loop does neither.
// attention() picks the fused kernel for float32 CPU tensors without attention dropout.
#pragma once

#include <torch/torch.h>

namespace htrmrl {

struct AttentionShape {
  int64_t heads = 4;
  bool last_only = false;  // one query, the last position's; keys and values read all
};

// qkv [B, L, 3d]: queries, keys, values side by side, each d = heads x d_head, head-major.
// bias [B or 1, 1, 1 or L, L]: added to the scores; 0 for a visible key, a large negative
// for a hidden one (a per-query row when the size-L dimension is L, e.g. a causal mask).
// Returns [B, Q, d], Q = L, or 1 with last_only. dropout applies to the attention weights.
torch::Tensor attention(const torch::Tensor& qkv, const torch::Tensor& bias, AttentionShape shape,
                        double dropout = 0.0, bool training = false);

torch::Tensor attention_composed(const torch::Tensor& qkv, const torch::Tensor& bias,
                                 AttentionShape shape, double dropout = 0.0,
                                 bool training = false);

// The CPU kernel (float32, no dropout); differentiable with respect to qkv.
torch::Tensor attention_fused(const torch::Tensor& qkv, const torch::Tensor& bias,
                              AttentionShape shape);

// The kernel's instruction sets: AVX2 with FMA where the CPU has them, else the baseline
// x86-64 build. Tests turn AVX2 off to run the baseline build on machines that have it.
bool attention_uses_avx2();
void attention_allow_avx2(bool allow);

}  // namespace htrmrl
