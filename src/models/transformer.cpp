#include "models/transformer.hpp"

#include <cmath>

#include "common/error.hpp"
#include "models/attention.hpp"

namespace htrmrl {

NormPlacement parse_norm(const std::string& name) {
  if (name == "pre") return NormPlacement::kPre;
  if (name == "post") return NormPlacement::kPost;
  if (name == "none") return NormPlacement::kNone;
  throw Error("unknown layer norm placement '" + name + "' (pre, post, none)");
}

std::string to_string(NormPlacement n) {
  return n == NormPlacement::kPre ? "pre" : n == NormPlacement::kPost ? "post" : "none";
}

Init parse_init(const std::string& name) {
  if (name == "default") return Init::kDefault;
  if (name == "t_fixup") return Init::kTFixup;
  throw Error("unknown initialisation '" + name + "' (default, t_fixup)");
}

std::string to_string(Init i) { return i == Init::kDefault ? "default" : "t_fixup"; }

EncoderBlockImpl::EncoderBlockImpl(const EncoderOptions& options) : options_(options) {
  const int d = options.d_model;
  qkv_ = register_module("qkv", torch::nn::Linear(d, 3 * d));
  out_ = register_module("out", torch::nn::Linear(d, d));
  ff1_ = register_module("ff1", torch::nn::Linear(d, options.ff_dim));
  ff2_ = register_module("ff2", torch::nn::Linear(options.ff_dim, d));
  drop_ = register_module("drop", torch::nn::Dropout(options.dropout));
  if (options.norm != NormPlacement::kNone) {
    norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  }
}

torch::Tensor EncoderBlockImpl::attend(const torch::Tensor& x, const torch::Tensor& key_bias,
                                       bool last_only) {
  auto y = attention(qkv_->forward(x), key_bias, {options_.heads, last_only}, options_.dropout,
                     is_training());
  return out_->forward(y);
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                        bool last_only) {
  if (!torch::GradMode::is_enabled() && x.device().is_cpu() &&
      x.scalar_type() == torch::kFloat && (options_.dropout == 0.0 || !is_training()))
    return forward_inference(x, key_bias, last_only);
  auto ff = [&](const torch::Tensor& y) {
    auto hidden = ff1_->forward(y);
    return ff2_->forward(drop_->forward(torch::relu_(hidden)));
  };
  // The residual stream of the positions computed: all, or the last one.
  auto x_out = last_only ? x.narrow(1, x.size(1) - 1, 1) : x;
  switch (options_.norm) {
    case NormPlacement::kPre: {
      auto y = x_out + drop_->forward(attend(norm1_->forward(x), key_bias, last_only));
      return y + drop_->forward(ff(norm2_->forward(y)));
    }
    case NormPlacement::kPost: {
      auto y = norm1_->forward(x_out + drop_->forward(attend(x, key_bias, last_only)));
      return norm2_->forward(y + drop_->forward(ff(y)));
    }
    case NormPlacement::kNone:
    default: {
      auto y = x_out + drop_->forward(attend(x, key_bias, last_only));
      return y + drop_->forward(ff(y));
    }
  }
}

void EncoderBlockImpl::t_fixup(int layers) {
  torch::NoGradGuard no_grad;
  const double scale = 0.67 * std::pow(static_cast<double>(layers), -0.25);
  // Attention biases start at zero (as a PyTorch multi-head attention's do); feed-forward
  // biases keep LibTorch's default.
  for (auto* linear : {&qkv_, &out_, &ff1_, &ff2_})
    torch::nn::init::xavier_uniform_((*linear)->weight);
  qkv_->bias.zero_();
  out_->bias.zero_();
  // q, k and v share one [3d, d] matrix, as in PyTorch's in_proj: xavier over it is sqrt(2)
  // narrower than over one [d, d] projection, which the published sqrt(2) factor restores.
  qkv_->weight.mul_(scale * std::sqrt(2.0));
  out_->weight.mul_(scale);
  ff1_->weight.mul_(scale);
  ff2_->weight.mul_(scale);
}

EncoderImpl::EncoderImpl(const EncoderOptions& options) : options_(options) {
  if (options.d_model % options.heads != 0)
    throw Error("d_model (" + std::to_string(options.d_model) +
                ") must be divisible by heads (" + std::to_string(options.heads) + ")");
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < options.blocks; ++i) blocks_->push_back(EncoderBlock(options));
  if (options.norm == NormPlacement::kPre)
    final_norm_ = register_module(
        "final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.d_model})));
}

torch::Tensor EncoderImpl::attention_bias(const torch::Tensor& mask, int64_t length) const {
  // [B, L] -> additive key bias [B, 1, 1, L].
  auto bias = ((1.0 - mask) * -1e9).unsqueeze(1).unsqueeze(1);
  // Causal: add a [L, L] bias hiding later keys; [B, 1, 1, L] + [L, L] broadcasts to [B, 1, L, L].
  if (options_.causal)
    bias = bias + torch::ones({length, length}, bias.options()).triu(1) * -1e9;
  return bias;
}

torch::Tensor EncoderImpl::forward(torch::Tensor x, const torch::Tensor& mask) {
  auto bias = attention_bias(mask, x.size(1));
  for (const auto& block : *blocks_) x = block->as<EncoderBlock>()->forward(x, bias);
  return final_norm_ ? final_norm_->forward(x) : x;
}

torch::Tensor EncoderImpl::forward_last(torch::Tensor x, const torch::Tensor& mask) {
  auto bias = attention_bias(mask, x.size(1));
  // Every block but the last computes all positions: the last one's keys need them.
  const size_t n = blocks_->size();
  for (size_t i = 0; i < n; ++i)
    x = (*blocks_)[i]->as<EncoderBlock>()->forward(x, bias, /*last_only=*/i + 1 == n);
  if (n == 0) x = x.narrow(1, x.size(1) - 1, 1);
  x = x.select(1, 0);
  return final_norm_ ? final_norm_->forward(x) : x;
}

void EncoderImpl::t_fixup() {
  for (const auto& block : *blocks_) block->as<EncoderBlock>()->t_fixup(options_.blocks);
}

void t_fixup_embedding(torch::nn::Linear& embedding, int layers) {
  torch::NoGradGuard no_grad;
  const double d = static_cast<double>(embedding->weight.size(0));
  embedding->weight.normal_(0.0, std::pow(d, -0.5)).mul_(std::pow(9.0 * layers, -0.25));
  if (embedding->bias.defined()) embedding->bias.zero_();
}

torch::Tensor sinusoidal_positions(int length, int d_model) {
  auto table = torch::zeros({length, d_model});
  auto acc = table.accessor<float, 2>();
  for (int p = 0; p < length; ++p)
    for (int i = 0; i < d_model; ++i) {
      const double freq = std::pow(10000.0, -2.0 * (i / 2) / d_model);
      acc[p][i] = static_cast<float>(i % 2 == 0 ? std::sin(p * freq) : std::cos(p * freq));
    }
  return table;
}

}  // namespace htrmrl
