#include "models/attention.hpp"

#include <atomic>
#include <cmath>
#include <cstring>
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

// The kernels are inlined into each instruction-set variant below (run_avx2, run_baseline).
#define HTRMRL_KERNEL inline __attribute__((always_inline))

// kDh > 0 fixes d_head at compile time (the inner loops unroll and vectorise); 0 reads it.
template <int kDh>
HTRMRL_KERNEL int64_t head_width(const Layout& s) {
  return kDh > 0 ? kDh : s.dh;
}

// Keys per register block: the dot products below run over 8 keys at a time.
constexpr int64_t kLanes = 8;

int64_t padded(int64_t length) { return (length + kLanes - 1) / kLanes * kLanes; }

// kLanes floats as one value (GCC's vector extension): one AVX2 register, or two SSE ones in
// the baseline build. Written out because GCC leaves the equivalent array loops scalar.
// (-Wpsabi warns that such values are passed differently with and without AVX: these
// helpers are internal and inlined, so no call crosses that boundary.)
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t LaneBits __attribute__((vector_size(kLanes * sizeof(int32_t))));

HTRMRL_KERNEL Lanes load_lanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
HTRMRL_KERNEL void store_lanes(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }
HTRMRL_KERNEL Lanes broadcast(float x) { return Lanes{} + x; }

// Head h's keys or values of batch b transposed to [d_head, padded(L)] in `out` (padding
// zero), so that the dot products of one vector with every key run across keys.
HTRMRL_KERNEL void transpose_head(const Layout& s, const float* first_token, int64_t dh,
                                  float* __restrict out) {
  const int64_t lp = padded(s.length);
  for (int64_t c = 0; c < dh; ++c) {
    float* column = out + c * lp;
    for (int64_t j = 0; j < s.length; ++j) column[j] = first_token[j * s.stride() + c];
    for (int64_t j = s.length; j < lp; ++j) column[j] = 0.0f;
  }
}

// out[j] = a . t[:, j] for every column j of the transposed block t [dh, lp], 8 columns at
// a time in registers; each sum runs over c in order, as a plain dot product would.
template <int kDh>
HTRMRL_KERNEL void dot_columns(const Layout& s, const float* a, const float* t,
                               float* __restrict out) {
  const int64_t dh = head_width<kDh>(s), lp = padded(s.length);
  for (int64_t jb = 0; jb < lp; jb += kLanes) {
    float acc[kLanes] = {};
    for (int64_t c = 0; c < dh; ++c) {
      const float ac = a[c];
      const float* column = t + c * lp + jb;
      for (int64_t u = 0; u < kLanes; ++u) acc[u] += ac * column[u];
    }
    for (int64_t u = 0; u < kLanes; ++u) out[jb + u] = acc[u];
  }
}

// exp(x) to about 1 ulp (Cephes' expf) in every lane: x = n ln2 + r, |r| <= ln2 / 2, exp(r)
// by a degree-6 polynomial, 2^n through the exponent bits; n is rounded by adding and
// subtracting 1.5 x 2^23. x is clamped to [-87, 88], where 2^n stays a normal float. Below
// -87 (a hidden key's score, after the row's maximum is subtracted) the result is
// exp(-87) = 1.6e-38 instead of less: a weight no float sum with the row's maximum term,
// exp(0) = 1, can register.
HTRMRL_KERNEL Lanes exp_approx(Lanes x) {
  const Lanes low = broadcast(-87.0f), high = broadcast(88.0f);
  const Lanes clamped = x < low ? low : (x > high ? high : x);
  const Lanes n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const Lanes r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
  Lanes y = 1.9875691500e-4f * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const LaneBits bits = (__builtin_convertvector(n, LaneBits) + 127) << 23;
  Lanes scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

// Head h's queries of batch b transposed to [d_head, padded(Q)] in `out` (padding zero), so
// that the dot products of one key with every query run across queries.
HTRMRL_KERNEL void transpose_queries(const Layout& s, int64_t b, int64_t h, int64_t dh,
                                     const float* x, float* __restrict out) {
  const int64_t qp = padded(s.queries);
  for (int64_t c = 0; c < dh; ++c) {
    float* column = out + c * qp;
    for (int64_t qi = 0; qi < s.queries; ++qi) column[qi] = s.q(x, b, s.first + qi, h)[c];
    for (int64_t qi = s.queries; qi < qp; ++qi) column[qi] = 0.0f;
  }
}

// probs[b, h, qi, :] = softmax_j(q . k_j / sqrt(d_head) + bias_j), for the batches [b0, b1);
// the maximum is subtracted first, as LibTorch's softmax does. Eight queries are computed
// side by side, one per vector lane: a row's maximum and sum then run over its keys in
// order within one lane, instead of as a chain of scalar operations per row (the chains
// were most of the kernel's time at 25 keys). Each row's arithmetic is that of a plain
// per-row loop: the dot product over c in order, then the same operations per key.
template <int kDh>
struct SoftmaxScores {
  static HTRMRL_KERNEL void run(const Layout& s, const float* x, const float* bias,
                                float* __restrict out, int64_t b0, int64_t b1) {
    const int64_t dh = head_width<kDh>(s), l = s.length, qp = padded(s.queries);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));  // a product, not a division
    std::vector<float> queries(static_cast<size_t>(dh * qp)),
        block(static_cast<size_t>(l * kLanes));  // [key][lane] scores, then weights
    const float* brow[kLanes];
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t h = 0; h < s.heads; ++h) {
        transpose_queries(s, b, h, dh, x, queries.data());
        for (int64_t qb = 0; qb < qp; qb += kLanes) {
          // Each lane's bias row (padding lanes repeat the last query's).
          for (int64_t u = 0; u < kLanes; ++u)
            brow[u] = s.bias_row(bias, b, std::min(qb + u, s.queries - 1));
          // Scores: key j against the block's queries, and the running maximum.
          Lanes top = broadcast(-INFINITY);
          for (int64_t j = 0; j < l; ++j) {
            const float* key = s.k(x, b, j, h);
            Lanes acc = {};
            for (int64_t c = 0; c < dh; ++c)
              acc += load_lanes(queries.data() + c * qp + qb) * key[c];
            Lanes key_bias;
            if (s.bias_rows == 1) {
              key_bias = broadcast(brow[0][j]);
            } else {
              for (int64_t u = 0; u < kLanes; ++u) key_bias[u] = brow[u][j];
            }
            const Lanes score = acc * scale + key_bias;
            top = top < score ? score : top;
            store_lanes(block.data() + j * kLanes, score);
          }
          // The exponentials, their sums in key order, and the normalised rows.
          Lanes total = {};
          for (int64_t j = 0; j < l; ++j) {
            const Lanes weight = exp_approx(load_lanes(block.data() + j * kLanes) - top);
            total += weight;
            store_lanes(block.data() + j * kLanes, weight);
          }
          // Back to one row per query: scalar stores, key by key (vectorising over the keys
          // would need a lane permutation per key).
          const Lanes inverse = 1.0f / total;
          const int64_t rows = std::min(kLanes, s.queries - qb);
          float* row[kLanes];
          for (int64_t u = 0; u < rows; ++u) row[u] = out + s.prob_row(b, h, qb + u);
          for (int64_t j = 0; j < l; ++j) {
            const Lanes weight = load_lanes(block.data() + j * kLanes) * inverse;
            for (int64_t u = 0; u < rows; ++u) row[u][j] = weight[u];
          }
        }
      }
  }
};

// out[c] = sum_j w[j] rows_j[c] over the L rows at `first`, `stride` floats apart (a head's
// keys or values in the packed buffer).
template <int kDh>
HTRMRL_KERNEL void weighted_rows(const Layout& s, const float* __restrict w,
                                 const float* __restrict first, int64_t stride,
                                 float* __restrict out) {
  const int64_t dh = head_width<kDh>(s);
  for (int64_t c = 0; c < dh; ++c) out[c] = 0.0f;
  for (int64_t j = 0; j < s.length; ++j) {
    const float wj = w[j];
    const float* row = first + j * stride;
    for (int64_t c = 0; c < dh; ++c) out[c] += wj * row[c];
  }
}

// out[j, :] += w[j] v for the L rows of out [L, d_head].
template <int kDh>
HTRMRL_KERNEL void add_outer(const Layout& s, const float* __restrict w,
                             const float* __restrict v, float* __restrict out) {
  const int64_t dh = head_width<kDh>(s);
  for (int64_t j = 0; j < s.length; ++j) {
    const float wj = w[j];
    for (int64_t c = 0; c < dh; ++c) out[j * dh + c] += wj * v[c];
  }
}

// y[b, qi, h] = sum_j p_j v_j.
template <int kDh>
struct WeightedValues {
  static HTRMRL_KERNEL void run(const Layout& s, const float* x, const float* probs,
                                float* __restrict y, int64_t b0, int64_t b1) {
    const int64_t dh = head_width<kDh>(s);
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t h = 0; h < s.heads; ++h)
        for (int64_t qi = 0; qi < s.queries; ++qi)
          weighted_rows<kDh>(s, probs + s.prob_row(b, h, qi), s.v(x, b, 0, h), s.stride(),
                             y + (b * s.queries + qi) * s.d + h * dh);
  }
};

// The backward pass into dqkv (zeroed) for the batches [b0, b1); each batch writes only its
// own rows, so batches run in parallel without locks. With p = softmax(s):
//   dv_j += p_j dy,  dp_j = dy . v_j,  ds_j = p_j (dp_j - sum_i p_i dp_i) / sqrt(d_head),
//   dq += ds_j k_j,  dk_j += ds_j q.
// A head's dk and dv are summed over its queries in local [L, d_head] blocks, then added.
template <int kDh>
struct Backward {
  static HTRMRL_KERNEL void run(const Layout& s, const float* x, const float* probs,
                                const float* dy, float* dx, int64_t b0, int64_t b1) {
    const int64_t dh = head_width<kDh>(s), l = s.length;
    const float root = std::sqrt(static_cast<float>(dh));
    std::vector<float> values(static_cast<size_t>(dh * padded(l))), dp(padded(l)),
        ds(static_cast<size_t>(l)), dq(static_cast<size_t>(dh)),
        dk(static_cast<size_t>(l * dh)), dv(static_cast<size_t>(l * dh));
    // dx shares x's layout: the same offsets address a token's gradient.
    auto grad = [&](const float* at) { return dx + (at - x); };
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t h = 0; h < s.heads; ++h) {
        transpose_head(s, s.v(x, b, 0, h), dh, values.data());
        std::fill(dk.begin(), dk.end(), 0.0f);
        std::fill(dv.begin(), dv.end(), 0.0f);
        for (int64_t qi = 0; qi < s.queries; ++qi) {
          const float* p = probs + s.prob_row(b, h, qi);
          const float* g = dy + (b * s.queries + qi) * s.d + h * dh;
          const float* q = s.q(x, b, s.first + qi, h);
          // dp_j = g . v_j, and the softmax's row sum.
          dot_columns<kDh>(s, g, values.data(), dp.data());
          float total = 0.0f;
          for (int64_t j = 0; j < l; ++j) total += p[j] * dp[j];
          for (int64_t j = 0; j < l; ++j) ds[j] = p[j] * (dp[j] - total) / root;
          // The scores' gradient into q (stored now), k and v (summed over the queries).
          weighted_rows<kDh>(s, ds.data(), s.k(x, b, 0, h), s.stride(), dq.data());
          float* dq_out = grad(q);
          for (int64_t c = 0; c < dh; ++c) dq_out[c] += dq[c];
          add_outer<kDh>(s, ds.data(), q, dk.data());
          add_outer<kDh>(s, p, g, dv.data());
        }
        for (int64_t j = 0; j < l; ++j) {
          float* dk_out = grad(s.k(x, b, j, h));
          float* dv_out = grad(s.v(x, b, j, h));
          for (int64_t c = 0; c < dh; ++c) {
            dk_out[c] += dk[j * dh + c];
            dv_out[c] += dv[j * dh + c];
          }
        }
      }
  }
};

// d_head 8 (HTrMRL's, loops fully unrolled) or any other.
template <template <int> class Kernel, typename... Args>
HTRMRL_KERNEL void by_head_width(const Layout& s, Args... args) {
  if (s.dh == 8)
    Kernel<8>::run(s, args...);
  else
    Kernel<0>::run(s, args...);
}

// The same loops compiled twice: for the distribution's baseline x86-64 (SSE2, 4 floats per
// instruction) and for AVX2 with FMA (8), picked once from the CPU. Debian builds for the
// baseline, so without this the kernels could not use the vector units most machines have.
template <template <int> class Kernel, typename... Args>
void run_baseline(const Layout& s, Args... args) {
  by_head_width<Kernel>(s, args...);
}
#if defined(__x86_64__) && defined(__GNUC__)
template <template <int> class Kernel, typename... Args>
__attribute__((target("avx2,fma"))) void run_avx2(const Layout& s, Args... args) {
  by_head_width<Kernel>(s, args...);
}
#endif
std::atomic<bool> avx2_allowed{true};  // attention_allow_avx2's switch

// Runs the kernel over the batch in LibTorch's intra-op threads.
template <template <int> class Kernel, typename... Args>
void over_batches(const Layout& s, Args... args) {
  at::parallel_for(0, s.batch, 1, [&](int64_t b0, int64_t b1) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (attention_uses_avx2()) return run_avx2<Kernel>(s, args..., b0, b1);
#endif
    run_baseline<Kernel>(s, args..., b0, b1);
  });
}

// The forward pass: output [B, Q, d] and the probabilities the backward pass reads.
std::pair<torch::Tensor, torch::Tensor> fused_forward(const torch::Tensor& qkv,
                                                      const torch::Tensor& bias,
                                                      AttentionShape shape) {
  const Layout s(qkv, bias, shape);
  auto probs = torch::empty({s.batch, s.heads, s.queries, s.length}, qkv.options());
  over_batches<SoftmaxScores>(s, qkv.data_ptr<float>(), bias.data_ptr<float>(),
                              probs.data_ptr<float>());
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

bool attention_uses_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool cpu = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return cpu && avx2_allowed.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void attention_allow_avx2(bool allow) { avx2_allowed = allow; }

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
