#include "models/distribution.hpp"

#include <cmath>

#include "common/error.hpp"

namespace htrmrl {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2.0 * M_PI);
const double kLog2 = std::log(2.0);

// log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)): finite however large |u| is.
torch::Tensor log_tanh_jacobian(const torch::Tensor& u) {
  return 2.0 * (kLog2 - u - torch::nn::functional::softplus(-2.0 * u));
}
double log_tanh_jacobian(double u) {
  const double x = -2.0 * u;
  const double softplus = x > 30 ? x : std::log1p(std::exp(x));
  return 2.0 * (kLog2 - u - softplus);
}

}  // namespace

torch::Tensor DiagonalGaussian::log_prob(const PolicyOutput& out,
                                         const torch::Tensor& action) const {
  auto z = (action - out.mean) * torch::exp(-out.log_std);
  return (-0.5 * z.pow(2) - out.log_std - kLogSqrt2Pi).sum(-1);
}

torch::Tensor DiagonalGaussian::entropy(const PolicyOutput& out) const {
  const double half_log_2pi_e = 0.5 * std::log(2.0 * M_PI * M_E);
  return (out.log_std + half_log_2pi_e).sum(-1);
}

double DiagonalGaussian::sample(const PolicyOutput& out, int64_t row, Rng& rng,
                                float* action) const {
  return act(out, row, &rng, action);
}

double DiagonalGaussian::mode(const PolicyOutput& out, int64_t row, float* action) const {
  return act(out, row, nullptr, action);
}

double DiagonalGaussian::act(const PolicyOutput& out, int64_t row, Rng* rng,
                             float* action) const {
  // The log-density in closed form: z = noise, so no division by the deviation.
  const int64_t a = out.mean.size(-1);
  const float* mean = out.mean.data_ptr<float>() + row * a;
  const float* log_std = out.log_std.data_ptr<float>() + row * a;
  double log_prob = 0.0;
  for (int64_t j = 0; j < a; ++j) {
    const float noise = rng ? static_cast<float>(rng->normal()) : 0.0f;
    action[j] = mean[j] + std::exp(log_std[j]) * noise;
    log_prob += -0.5 * noise * noise - log_std[j] - kLogSqrt2Pi;
  }
  return log_prob;
}

torch::Tensor TanhGaussian::log_prob(const PolicyOutput& out, const torch::Tensor& action) const {
  const double edge = 1.0 - 1e-6;
  auto u = torch::atanh(action.clamp(-edge, edge));
  auto z = (u - out.mean) * torch::exp(-out.log_std);
  return (-0.5 * z.pow(2) - out.log_std - kLogSqrt2Pi - log_tanh_jacobian(u)).sum(-1);
}

torch::Tensor TanhGaussian::entropy(const PolicyOutput&) const {
  throw Error("a tanh-squashed Gaussian has no closed-form entropy (PEARL's learner estimates "
              "it from its draws' log-densities)");
}

double TanhGaussian::sample(const PolicyOutput& out, int64_t row, Rng& rng, float* action) const {
  return act(out, row, &rng, action);
}

double TanhGaussian::mode(const PolicyOutput& out, int64_t row, float* action) const {
  return act(out, row, nullptr, action);
}

double TanhGaussian::act(const PolicyOutput& out, int64_t row, Rng* rng, float* action) const {
  const int64_t a = out.mean.size(-1);
  const float* mean = out.mean.data_ptr<float>() + row * a;
  const float* log_std = out.log_std.data_ptr<float>() + row * a;
  double log_prob = 0.0;
  for (int64_t j = 0; j < a; ++j) {
    const double noise = rng ? rng->normal() : 0.0;
    const double u = mean[j] + std::exp(log_std[j]) * noise;
    action[j] = static_cast<float>(std::tanh(u));
    log_prob += -0.5 * noise * noise - log_std[j] - kLogSqrt2Pi - log_tanh_jacobian(u);
  }
  return log_prob;
}

std::pair<torch::Tensor, torch::Tensor> TanhGaussian::rsample(const PolicyOutput& out,
                                                              const torch::Tensor& noise) const {
  auto u = out.mean + torch::exp(out.log_std) * noise;
  auto log_prob =
      (-0.5 * noise.pow(2) - out.log_std - kLogSqrt2Pi - log_tanh_jacobian(u)).sum(-1);
  return {torch::tanh(u), log_prob};
}

torch::Tensor standard_normal(int64_t rows, int64_t cols, Rng& rng) {
  auto out = torch::empty({rows, cols});
  float* p = out.data_ptr<float>();
  for (int64_t i = 0; i < rows * cols; ++i) p[i] = static_cast<float>(rng.normal());
  return out;
}

}  // namespace htrmrl
