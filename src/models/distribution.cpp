#include "models/distribution.hpp"

#include <cmath>

namespace htrmrl {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2.0 * M_PI);

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

}  // namespace htrmrl
