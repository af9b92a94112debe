#include "models/agent.hpp"

#include <cmath>

namespace htrmrl {

ObsNormalizerImpl::ObsNormalizerImpl(int obs_dim, bool enabled)
    : obs_dim_(obs_dim), enabled_(enabled) {
  mean_ = register_buffer("mean", torch::zeros({obs_dim}, torch::kFloat64));
  var_ = register_buffer("var", torch::ones({obs_dim}, torch::kFloat64));
  count_ = register_buffer("count", torch::zeros({1}, torch::kFloat64));
}

torch::Tensor ObsNormalizerImpl::forward(const torch::Tensor& tokens) {
  if (!enabled_) return tokens;
  // Clip at 10 standard deviations: one outlier must not dominate an embedding.
  auto mean = mean_.to(tokens.dtype()), std = (var_ + 1e-8).sqrt().to(tokens.dtype());
  auto obs = ((tokens.narrow(-1, 0, obs_dim_) - mean) / std).clamp(-10.0, 10.0);
  auto rest = tokens.narrow(-1, obs_dim_, tokens.size(-1) - obs_dim_);
  return torch::cat({obs, rest}, -1);
}

void ObsNormalizerImpl::update(const torch::Tensor& obs) {
  if (!enabled_ || obs.size(0) == 0) return;
  torch::NoGradGuard no_grad;
  // Chan et al.'s parallel merge of (count, mean, M2).
  auto x = obs.to(mean_.device(), torch::kFloat64);
  const double n_b = static_cast<double>(x.size(0));
  auto mean_b = x.mean(0), var_b = x.var(0, /*unbiased=*/false);
  const double n_a = count_.item<double>(), n = n_a + n_b;
  auto delta = mean_b - mean_;
  auto m2 = var_ * n_a + var_b * n_b + delta.pow(2) * (n_a * n_b / n);
  mean_.add_(delta * (n_b / n));
  var_.copy_(m2 / n);
  count_.fill_(n);
}

const ActionDistribution& Agent::distribution() const {
  static const DiagonalGaussian gaussian;
  return gaussian;
}

torch::Tensor RecurrentAgent::current_window_state(const Context& context) {
  // Windows are right-aligned with padding in front; a zero state is kept through padding
  // positions by resetting it wherever the mask is 0 (padding only ever precedes real tokens).
  auto current = context.index.select(1, context.slots() - 1);
  auto tokens = context.tokens.index_select(0, current);
  auto mask = context.mask.index_select(0, current);
  auto state = initial_state(tokens.size(0));
  for (int64_t t = 0; t < tokens.size(1); ++t) {
    auto next = unroll(tokens.narrow(1, t, 1), state).select(1, 0);
    state = next * mask.narrow(1, t, 1);
  }
  return state;
}

PolicyOutput RecurrentAgent::forward(const Context& context) {
  auto current = context.index.select(1, context.slots() - 1);
  auto last = context.tokens.index_select(0, current).select(1, context.tokens.size(1) - 1);
  return read(last, current_window_state(context));
}

torch::Tensor RecurrentAgent::embed(const Context& context) {
  return current_window_state(context);
}

}  // namespace htrmrl
