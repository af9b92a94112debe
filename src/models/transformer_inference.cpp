// EncoderBlockImpl::forward_inference: an encoder block for acting and evaluation on the
// CPU. At HTrMRL's shapes (d_model 32, 5-25 tokens, tens of rows) a block's arithmetic takes
// about as long as dispatching its LibTorch operators, so this path keeps only the matrix
// products (BLAS) and the fused attention as operators and does the rest in row loops.
#include <algorithm>
#include <cmath>

#include "models/attention.hpp"
#include "models/transformer.hpp"

namespace htrmrl {
namespace {

// x W^T + b over the rows of x [rows, in]: one BLAS call.
torch::Tensor linear(const torch::Tensor& x, const torch::nn::Linear& layer) {
  return torch::addmm(layer->bias, x, layer->weight.t());
}

// Layer norm of every row of x [rows, d], in place (biased variance, as LibTorch's).
void layer_norm_(torch::Tensor& x, const torch::nn::LayerNorm& norm) {
  const int64_t rows = x.size(0), d = x.size(1);
  const double eps = norm->options.eps();
  const float* gamma = norm->weight.data_ptr<float>();
  const float* beta = norm->bias.data_ptr<float>();
  float* p = x.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r, p += d) {
    float mean = 0.0f, var = 0.0f;
    for (int64_t c = 0; c < d; ++c) mean += p[c];
    mean /= static_cast<float>(d);
    for (int64_t c = 0; c < d; ++c) var += (p[c] - mean) * (p[c] - mean);
    const float scale = 1.0f / std::sqrt(var / static_cast<float>(d) + static_cast<float>(eps));
    for (int64_t c = 0; c < d; ++c) p[c] = (p[c] - mean) * scale * gamma[c] + beta[c];
  }
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::nn::LayerNorm& norm) {
  auto y = x.clone();
  layer_norm_(y, norm);
  return y;
}

// y += x, both [rows, d] contiguous.
void add_(torch::Tensor& y, const torch::Tensor& x) {
  float* out = y.data_ptr<float>();
  const float* in = x.data_ptr<float>();
  for (int64_t i = 0, n = y.numel(); i < n; ++i) out[i] += in[i];
}

}  // namespace

torch::Tensor EncoderBlockImpl::forward_inference(const torch::Tensor& x_in,
                                                  const torch::Tensor& key_bias,
                                                  bool last_only) {
  const auto x = x_in.contiguous();
  const int64_t b = x.size(0), l = x.size(1), d = options_.d_model, q = last_only ? 1 : l;
  const bool pre = options_.norm == NormPlacement::kPre;
  const bool post = options_.norm == NormPlacement::kPost;
  const auto rows = x.view({b * l, d});
  // The residual stream of the positions computed: all, or each sequence's last.
  const auto stream = last_only ? x.select(1, l - 1).contiguous() : rows;

  // Attention sub-layer: y = x + attention(norm1(x)) (pre), norm1(x + attention(x)) (post).
  const auto qkv = linear(pre ? layer_norm(rows, norm1_) : rows, qkv_);
  auto heads = attention_fused(qkv.view({b, l, 3 * d}), key_bias, {options_.heads, last_only});
  auto y = linear(heads.view({b * q, d}), out_);
  add_(y, stream);
  if (post) layer_norm_(y, norm1_);

  // Feed-forward sub-layer, the same way round.
  auto hidden = linear(pre ? layer_norm(y, norm2_) : y, ff1_);
  float* h = hidden.data_ptr<float>();
  for (int64_t i = 0, n = hidden.numel(); i < n; ++i) h[i] = std::max(h[i], 0.0f);
  auto out = linear(hidden, ff2_);
  add_(out, y);
  if (post) layer_norm_(out, norm2_);
  return out.view({b, q, d});
}

}  // namespace htrmrl
