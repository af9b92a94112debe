// Transformer encoder blocks with key masks, written out so the mask handling, layer-norm
// placement and initialisation are ours to choose and identical on LibTorch 1.13 and 2.x.
#pragma once

#include <torch/torch.h>

#include <string>

namespace htrmrl {

enum class NormPlacement { kPre, kPost, kNone };
NormPlacement parse_norm(const std::string& name);
std::string to_string(NormPlacement n);

// Weight initialisation: LibTorch's defaults, or T-Fixup (Huang et al. 2020), which lets a
// stack without layer norm train without warm-up (TrMRL's published choice).
enum class Init { kDefault, kTFixup };
Init parse_init(const std::string& name);
std::string to_string(Init i);

struct EncoderOptions {
  int d_model = 32;
  int heads = 4;
  int ff_dim = 128;
  int blocks = 2;
  double dropout = 0.0;
  NormPlacement norm = NormPlacement::kPre;
  bool causal = false;  // each position attends to itself and earlier positions only
};

class EncoderBlockImpl : public torch::nn::Module {
 public:
  explicit EncoderBlockImpl(const EncoderOptions& options);
  // x [B, L, d]; key_bias [B, 1, 1, L]: 0 for real tokens, a large negative for padding.
  // key_bias may also be [B, 1, L, L] (a per-query bias, e.g. key padding plus causal mask).
  // last_only: only the last position's output, [B, 1, d] (keys and values still read all
  // positions), for a stack's final block when callers read nothing else.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                        bool last_only = false);
  // The same function for inference on the CPU (autograd off, float32, no dropout): four
  // matrix products and the fused attention, with layer norms, residuals and ReLU in loops
  // over the rows, instead of some 25 LibTorch operators. forward() takes it when it can.
  torch::Tensor forward_inference(const torch::Tensor& x, const torch::Tensor& key_bias,
                                  bool last_only = false);
  // T-Fixup for a stack of `layers` blocks: xavier-uniform weights, then q/k/v scaled by
  // 0.67 N^-1/4 sqrt(2), attention output and feed-forward by 0.67 N^-1/4.
  void t_fixup(int layers);

 private:
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& key_bias, bool last_only);

  EncoderOptions options_;
  torch::nn::Linear qkv_{nullptr}, out_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(EncoderBlock);

// A stack of blocks sharing one mask.
class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const EncoderOptions& options);
  // x [B, L, d]; mask [B, L] with 1 for real tokens. Rows with no real token give finite
  // garbage that callers must mask out downstream.
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask);
  // The output at the last position only, [B, d]: equal (up to float rounding) to
  // forward(x, mask).select(1, L - 1), with the last block computing one query instead of L.
  torch::Tensor forward_last(torch::Tensor x, const torch::Tensor& mask);
  // Re-initialises every block with T-Fixup (N = this stack's number of blocks).
  void t_fixup();
  int blocks() const { return options_.blocks; }

 private:
  // The additive attention bias of mask [B, L]: [B, 1, 1, L], or [B, 1, L, L] when causal.
  torch::Tensor attention_bias(const torch::Tensor& mask, int64_t length) const;

  EncoderOptions options_;
  torch::nn::ModuleList blocks_;
  torch::nn::LayerNorm final_norm_{nullptr};  // pre-norm stacks end with one
};
TORCH_MODULE(Encoder);

// T-Fixup for the token embedding feeding a stack of `layers` blocks: weights redrawn from
// N(0, d^-1/2), then scaled by (9N)^-1/4.
void t_fixup_embedding(torch::nn::Linear& embedding, int layers);

// Fixed sinusoidal position table [length, d_model] (Vaswani et al.).
torch::Tensor sinusoidal_positions(int length, int d_model);

}  // namespace htrmrl
