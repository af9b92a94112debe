#include "models/attention.hpp"

#include <cmath>
#include <vector>

#include <ATen/Parallel.h>

namespace htrmrl {
namespace {

// Where one batch's queries, keys and values lie in the packed [B, L, 3d] buffer.
struct Layout {
  int64_t batch, length, d, heads, dh, queries, first;  // queries from position `first`
  int64_t bias_batch_stride, bias_rows;                 // bias rows: 1 or length

  Layout(const torch::Tensor& qkv, const torch::Tensor& bias, AttentionShape shape)
      : batch(qkv.size(0)), length(qkv.size(1)), d(qkv.size(2) / 3), heads(shape.heads),
        dh(d / shape.heads), queries(shape.last_only ? 1 : length),
        first(shape.last_only ? length - 1 : 0),
        bias_batch_stride(bias.size(0) == 1 ? 0 : bias.size(2) * length),
        bias_rows(bias.size(2)) {}

  int64_t stride() const { return 3 * d; }  // one token's q|k|v
  const float* q(const float* x, int64_t b, int64_t i, int64_t h) const {
    return x + (b * length + i) * stride() + h * dh;
  }
  const float* k(const float* x, int64_t b, int64_t j, int64_t h) const {
    return q(x, b, j, h) + d;
  }
  const float* v(const float* x, int64_t b, int64_t j, int64_t h) const {
    return q(x, b, j, h) + 2 * d;
  }
  // The bias row of query i (position first + qi) in batch b.
  const float* bias_row(const float* bias, int64_t b, int64_t qi) const {
    return bias + b * bias_batch_stride + (bias_rows == 1 ? 0 : first + qi) * length;
  }
  // Row (b, h, qi) of the [B, H, Q, L] probabilities.
  int64_t prob_row(int64_t b, int64_t h, int64_t qi) const {
    return ((b * heads + h) * queries + qi) * length;
  }
};

// kDh > 0 fixes d_head at compile time (the inner loops unroll and vectorise); 0 reads it.
template <int kDh>
int64_t head_width(const Layout& s) {
  return kDh > 0 ? kDh : s.dh;
}

// scores[b, h, qi, j] = q . k_j / sqrt(d_head) + bias, for the batches [b0, b1).
template <int kDh>
void scores(const Layout& s, const float* x, const float* bias, float* out, int64_t b0,
            int64_t b1) {
  const int64_t dh = head_width<kDh>(s);
  const float root = std::sqrt(static_cast<float>(dh));
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t h = 0; h < s.heads; ++h)
      for (int64_t qi = 0; qi < s.queries; ++qi) {
        const float* q = s.q(x, b, s.first + qi, h);
        const float* brow = s.bias_row(bias, b, qi);
        float* row = out + s.prob_row(b, h, qi);
        for (int64_t j = 0; j < s.length; ++j) {
          const float* k = s.k(x, b, j, h);
          float dot = 0.0f;
          for (int64_t c = 0; c < dh; ++c) dot += q[c] * k[c];
          row[j] = dot / root + brow[j];
        }
      }
}

// y[b, qi, h] = sum_j p_j v_j.
template <int kDh>
void weighted_values(const Layout& s, const float* x, const float* probs, float* y, int64_t b0,
                     int64_t b1) {
  const int64_t dh = head_width<kDh>(s);
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t h = 0; h < s.heads; ++h)
      for (int64_t qi = 0; qi < s.queries; ++qi) {
        const float* p = probs + s.prob_row(b, h, qi);
        float* out = y + (b * s.queries + qi) * s.d + h * dh;
        for (int64_t c = 0; c < dh; ++c) out[c] = 0.0f;
        for (int64_t j = 0; j < s.length; ++j) {
          const float* v = s.v(x, b, j, h);
          for (int64_t c = 0; c < dh; ++c) out[c] += p[j] * v[c];
        }
      }
}

// The backward pass into dqkv (zeroed) for the batches [b0, b1); each batch writes only its
// own rows, so batches run in parallel without locks. With p = softmax(s):
//   dv_j += p_j dy,  dp_j = dy . v_j,  ds_j = p_j (dp_j - sum_i p_i dp_i) / sqrt(d_head),
//   dq += ds_j k_j,  dk_j += ds_j q.
template <int kDh>
void backward(const Layout& s, const float* x, const float* probs, const float* dy, float* dx,
              int64_t b0, int64_t b1) {
  const int64_t dh = head_width<kDh>(s);
  const float root = std::sqrt(static_cast<float>(dh));
  std::vector<float> dp(static_cast<size_t>(s.length));
  // dx shares x's layout: the same offsets address a token's gradient.
  auto grad = [&](const float* at) { return dx + (at - x); };
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t h = 0; h < s.heads; ++h)
      for (int64_t qi = 0; qi < s.queries; ++qi) {
        const float* p = probs + s.prob_row(b, h, qi);
        const float* g = dy + (b * s.queries + qi) * s.d + h * dh;
        const float* q = s.q(x, b, s.first + qi, h);
        float* dq = grad(q);
        // dp_j and the softmax's row sum.
        float total = 0.0f;
        for (int64_t j = 0; j < s.length; ++j) {
          const float* v = s.v(x, b, j, h);
          float dot = 0.0f;
          for (int64_t c = 0; c < dh; ++c) dot += g[c] * v[c];
          dp[j] = dot;
          total += p[j] * dot;
        }
        // Scores' gradient into q, k and v.
        for (int64_t j = 0; j < s.length; ++j) {
          const float ds = p[j] * (dp[j] - total) / root;
          const float* k = s.k(x, b, j, h);
          float* dk = grad(k);
          float* dv = grad(s.v(x, b, j, h));
          for (int64_t c = 0; c < dh; ++c) {
            dq[c] += ds * k[c];
            dk[c] += ds * q[c];
            dv[c] += p[j] * g[c];
          }
        }
      }
}

// Runs kernel<kDh> over the batch in LibTorch's intra-op threads, d_head 8 specialised.
template <template <int> class Kernel, typename... Args>
void over_batches(const Layout& s, Args... args) {
  at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
    if (s.dh == 8)
      Kernel<8>::run(s, args..., b0, b1);
    else
      Kernel<0>::run(s, args..., b0, b1);
  });
}

template <int kDh>
struct Scores {
  static void run(const Layout& s, const float* x, const float* bias, float* out, int64_t b0,
                  int64_t b1) {
    scores<kDh>(s, x, bias, out, b0, b1);
  }
};
template <int kDh>
struct WeightedValues {
  static void run(const Layout& s, const float* x, const float* probs, float* y, int64_t b0,
                  int64_t b1) {
    weighted_values<kDh>(s, x, probs, y, b0, b1);
  }
};
template <int kDh>
struct Backward {
  static void run(const Layout& s, const float* x, const float* probs, const float* dy,
                  float* dx, int64_t b0, int64_t b1) {
    backward<kDh>(s, x, probs, dy, dx, b0, b1);
  }
};

// The forward pass: output [B, Q, d] and the probabilities the backward pass reads.
std::pair<torch::Tensor, torch::Tensor> fused_forward(const torch::Tensor& qkv,
                                                      const torch::Tensor& bias,
                                                      AttentionShape shape) {
  const Layout s(qkv, bias, shape);
  auto logits = torch::empty({s.batch, s.heads, s.queries, s.length}, qkv.options());
  over_batches<Scores>(s, qkv.data_ptr<float>(), bias.data_ptr<float>(),
                       logits.data_ptr<float>());
  // LibTorch's softmax: vectorised exponentials, max-subtracted like the composed form.
  auto probs = torch::softmax(logits, -1);
  auto y = torch::empty({s.batch, s.queries, s.d}, qkv.options());
  over_batches<WeightedValues>(s, qkv.data_ptr<float>(), probs.data_ptr<float>(),
                               y.data_ptr<float>());
  return {y, probs};
}

class FusedAttention : public torch::autograd::Function<FusedAttention> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& qkv,
                               const torch::Tensor& bias, int64_t heads, bool last_only) {
    auto [y, probs] = fused_forward(qkv, bias, {heads, last_only});
    ctx->save_for_backward({qkv, bias, probs});
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["last_only"] = last_only;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor &qkv = saved[0], &bias = saved[1], &probs = saved[2];
    const Layout s(qkv, bias, {ctx->saved_data["heads"].toInt(),
                               ctx->saved_data["last_only"].toBool()});
    auto dy = grads[0].contiguous();
    auto dqkv = torch::zeros_like(qkv);
    over_batches<Backward>(s, qkv.data_ptr<float>(), probs.data_ptr<float>(),
                           dy.data_ptr<float>(), dqkv.data_ptr<float>());
    return {dqkv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor attention_composed(const torch::Tensor& qkv, const torch::Tensor& bias,
                                 AttentionShape shape, double dropout, bool training) {
  // Project to heads: [B, H, L, d_head] each for q, k, v.
  const int64_t b = qkv.size(0), l = qkv.size(1), d = qkv.size(2) / 3, h = shape.heads;
  auto heads = qkv.view({b, l, 3, h, d / h}).permute({2, 0, 3, 1, 4});
  auto q = heads[0], k = heads[1], v = heads[2];
  auto key_bias = bias;
  if (shape.last_only) {
    q = q.narrow(2, l - 1, 1);
    if (key_bias.size(2) > 1) key_bias = key_bias.narrow(2, l - 1, 1);
  }
  // Padded keys get a large negative bias, not -inf, so a row with no visible key stays
  // finite instead of turning into NaN.
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d / h));
  auto weights = torch::dropout(torch::softmax(scores + key_bias, -1), dropout, training);
  return torch::matmul(weights, v).transpose(1, 2).reshape({b, q.size(2), d});
}

torch::Tensor attention_fused(const torch::Tensor& qkv, const torch::Tensor& bias,
                              AttentionShape shape) {
  TORCH_CHECK(qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat,
              "attention_fused: float32 CPU tensors only");
  auto x = qkv.contiguous();
  auto key_bias = bias.to(torch::kFloat).contiguous();
  // No graph to record (inference mode, no_grad, or nothing to differentiate): kernel only.
  if (!torch::GradMode::is_enabled() || !x.requires_grad())
    return fused_forward(x, key_bias, shape).first;
  return FusedAttention::apply(x, key_bias, shape.heads, shape.last_only);
}

torch::Tensor attention(const torch::Tensor& qkv, const torch::Tensor& bias, AttentionShape shape,
                        double dropout, bool training) {
  const bool fusable = qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat &&
                       (dropout == 0.0 || !training);
  return fusable ? attention_fused(qkv, bias, shape)
                 : attention_composed(qkv, bias, shape, dropout, training);
}

}  // namespace htrmrl
