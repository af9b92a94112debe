#include "algorithms/maml.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace htrmrl {
namespace {

torch::Tensor flat(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> parts;
  for (const auto& t : tensors) parts.push_back(t.reshape(-1));
  return torch::cat(parts);
}

// `params` moved by the flat vector `step`, as new tensors.
Params moved(const Params& params, const torch::Tensor& step) {
  Params out;
  int64_t at = 0;
  for (const auto& p : params) {
    out.push_back((p.detach() + step.narrow(0, at, p.numel()).view(p.sizes()))
                      .requires_grad_(p.requires_grad()));
    at += p.numel();
  }
  return out;
}

}  // namespace

TrialEpisodes trial_episodes(const float* tokens, int num_tokens, TokenLayout layout) {
  const int d = layout.size();
  TrialEpisodes out;
  int begin = 0, steps = 0;
  for (int t = 0; t < num_tokens; ++t) {
    if (t == begin || tokens[static_cast<size_t>(t) * d + d - 1] == 0) continue;
    const int length = t - begin;  // tokens begin + 1 ... t hold its steps' rewards
    out.first_token.push_back(begin);
    out.first_step.push_back(steps);
    out.length.push_back(length);
    steps += length;
    begin = t + 1;
  }
  return out;
}

Episodes policy_episodes(MamlAgent& agent, const Episodes& e, const torch::Device& device) {
  return {agent.policy_input(e.obs.to(device)), e.actions.to(device), e.rewards.to(device),
          e.mask.to(device)};
}

Episodes gather_episodes(const float* tokens, TokenLayout layout, const float* raw_actions,
                         const TrialEpisodes& where, int first, int count) {
  const int o = layout.obs_dim, a = layout.act_dim, d = layout.size();
  int longest = 0;
  for (int k = first; k < first + count; ++k) longest = std::max(longest, where.length[k]);
  Episodes e{torch::zeros({count, longest, o}), torch::zeros({count, longest, a}),
             torch::zeros({count, longest}), torch::zeros({count, longest})};
  float *obs = e.obs.data_ptr<float>(), *act = e.actions.data_ptr<float>(),
        *rew = e.rewards.data_ptr<float>(), *mask = e.mask.data_ptr<float>();
  for (int n = 0; n < count; ++n)
    for (int j = 0; j < where.length[first + n]; ++j) {
      const size_t at = static_cast<size_t>(n) * longest + j;
      const float* token = tokens + static_cast<size_t>(where.first_token[first + n] + j) * d;
      std::copy_n(token, o, obs + at * o);
      std::copy_n(raw_actions + static_cast<size_t>(where.first_step[first + n] + j) * a, a,
                  act + at * a);
      rew[at] = token[d + o + a];  // the next token's reward
      mask[at] = 1;
    }
  return e;
}

torch::Tensor pad_steps(const float* values, const TrialEpisodes& where, int first, int count) {
  int longest = 0;
  for (int k = first; k < first + count; ++k) longest = std::max(longest, where.length[k]);
  auto out = torch::zeros({count, longest});
  float* p = out.data_ptr<float>();
  for (int n = 0; n < count; ++n)
    std::copy_n(values + where.first_step[first + n], where.length[first + n],
                p + static_cast<size_t>(n) * longest);
  return out;
}

torch::Tensor discounted_returns(const Episodes& episodes, double gamma) {
  const int64_t steps = episodes.rewards.size(1);
  auto returns = torch::zeros_like(episodes.rewards);
  auto next = torch::zeros_like(episodes.rewards.select(1, 0));
  for (int64_t t = steps - 1; t >= 0; --t) {
    next = (episodes.rewards.select(1, t) + gamma * next) * episodes.mask.select(1, t);
    returns.select(1, t).copy_(next);
  }
  return returns;
}

namespace {

// The baselines' inputs: observations clipped to [-10, 10], their squares, t/100 and its
// square and cube, and 1 (rllab's features): [N, T, F].
torch::Tensor baseline_features(const Episodes& episodes) {
  const auto n = episodes.obs.size(0), steps = episodes.obs.size(1);
  auto obs = episodes.obs.clamp(-10, 10);
  auto time = (torch::arange(steps, episodes.obs.options()) / 100.0).view({1, steps, 1})
                  .expand({n, steps, 1});
  return torch::cat({obs, obs.pow(2), time, time.pow(2), time.pow(3), torch::ones_like(time)},
                    -1);
}

// A weight matrix [rows, cols] uniform in +-1/sqrt(cols) (LibTorch's Linear default), drawn
// from `generator`.
torch::Tensor initial_weight(int64_t rows, int64_t cols, at::Generator& generator,
                             const torch::TensorOptions& options) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(cols));
  return ((torch::rand({rows, cols}, generator, torch::kDouble) * 2 - 1) * bound)
      .to(options)
      .requires_grad_(true);
}

}  // namespace

torch::Tensor linear_feature_baseline(const Episodes& episodes, const torch::Tensor& returns,
                                      double reg) {
  const auto features = baseline_features(episodes);
  const auto real = episodes.mask.reshape(-1) > 0;
  auto x = features.reshape({-1, features.size(-1)}).index({real});
  auto y = returns.reshape(-1).index({real}).unsqueeze(1);
  auto gram = x.t().matmul(x), xty = x.t().matmul(y);
  auto eye = torch::eye(gram.size(0), gram.options());
  torch::Tensor weights;
  for (int attempt = 0; attempt < 5; ++attempt, reg *= 10) {
    weights = at::linalg_solve(gram + reg * eye, xty);
    if (torch::isfinite(weights).all().item<bool>()) break;
  }
  return features.matmul(weights).squeeze(-1) * episodes.mask;
}

torch::Tensor mlp_baseline(const Episodes& episodes, const torch::Tensor& returns,
                           uint64_t seed) {
  constexpr int64_t kHidden = 32;
  constexpr int kFitSteps = 100;
  constexpr double kFitLr = 1e-2;
  torch::AutoGradMode grad_on(true);  // acting calls this with autograd off
  const auto features = baseline_features(episodes).detach();
  const auto real = episodes.mask.reshape(-1) > 0;
  const auto x = features.reshape({-1, features.size(-1)}).index({real});
  const auto y = returns.detach().reshape(-1).index({real});
  // Standardised targets: one learning rate serves returns of any scale.
  const auto mean = y.mean(), scale = y.std(false) + 1e-8;
  const auto target = (y - mean) / scale;
  // A fresh network, its initial weights drawn from the seed alone.
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto opts = x.options();
  std::vector<torch::Tensor> w = {initial_weight(kHidden, x.size(1), generator, opts),
                                  initial_weight(kHidden, kHidden, generator, opts),
                                  initial_weight(1, kHidden, generator, opts)};
  std::vector<torch::Tensor> b = {torch::zeros({kHidden}, opts).requires_grad_(true),
                                  torch::zeros({kHidden}, opts).requires_grad_(true),
                                  torch::zeros({1}, opts).requires_grad_(true)};
  const auto net = [&](const torch::Tensor& in) {
    auto h = torch::tanh(torch::nn::functional::linear(in, w[0], b[0]));
    h = torch::tanh(torch::nn::functional::linear(h, w[1], b[1]));
    return torch::nn::functional::linear(h, w[2], b[2]).squeeze(-1);
  };
  // Full-batch Adam on the squared error.
  std::vector<torch::Tensor> params = w;
  params.insert(params.end(), b.begin(), b.end());
  torch::optim::Adam adam(params, torch::optim::AdamOptions(kFitLr));
  for (int step = 0; step < kFitSteps; ++step) {
    adam.zero_grad();
    (net(x) - target).pow(2).mean().backward();
    adam.step();
  }
  torch::NoGradGuard no_grad;
  return (net(features) * scale + mean) * episodes.mask;
}

torch::Tensor maml_advantages(const Episodes& episodes, const MamlAdaptation& adaptation) {
  const auto returns = discounted_returns(episodes, adaptation.gamma);
  const auto baseline = adaptation.baseline == MamlBaseline::mlp
                            ? mlp_baseline(episodes, returns, adaptation.baseline_seed)
                            : linear_feature_baseline(episodes, returns);
  auto advantages = returns - baseline;
  const auto real = episodes.mask > 0;
  auto values = advantages.index({real});
  auto standardised = (advantages - values.mean()) / (values.std(false) + 1e-8);
  return standardised * episodes.mask;
}

torch::Tensor policy_gradient_loss(const MamlPolicyImpl& policy, const Params& params,
                                   const Episodes& episodes, const torch::Tensor& advantages) {
  static const DiagonalGaussian gaussian;
  const auto log_prob = gaussian.log_prob(policy.forward(episodes.obs, params), episodes.actions);
  return -(log_prob * advantages.detach() * episodes.mask).sum() / episodes.mask.sum();
}

Params inner_step(const MamlPolicyImpl& policy, const Params& params, const Episodes& episodes,
                  const torch::Tensor& advantages, double lr, bool second_order) {
  const auto loss = policy_gradient_loss(policy, params, episodes, advantages);
  const auto grads =
      torch::autograd::grad({loss}, params, {}, /*retain_graph=*/second_order,
                            /*create_graph=*/second_order);
  Params adapted;
  for (size_t i = 0; i < params.size(); ++i)
    adapted.push_back(params[i] - lr * (second_order ? grads[i] : grads[i].detach()));
  return adapted;
}

Params adapt(const MamlPolicyImpl& policy, const Params& params, const Episodes& episodes,
             const torch::Tensor& advantages, const MamlAdaptation& adaptation,
             bool second_order) {
  Params adapted = params;
  for (int k = 0; k < adaptation.steps; ++k)
    adapted = inner_step(policy, adapted, episodes, advantages, adaptation.lr, second_order);
  return adapted;
}

torch::Tensor mean_kl(const PolicyOutput& before, const PolicyOutput& now,
                      const torch::Tensor& mask) {
  const auto var_before = torch::exp(2 * before.log_std), var_now = torch::exp(2 * now.log_std);
  const auto per_step =
      (now.log_std - before.log_std +
       (var_before + (before.mean - now.mean).pow(2)) / (2 * var_now) - 0.5)
          .sum(-1);
  return (per_step * mask).sum() / mask.sum();
}

torch::Tensor conjugate_gradient(const std::function<torch::Tensor(const torch::Tensor&)>& avp,
                                 const torch::Tensor& b, int iters, double tol) {
  auto x = torch::zeros_like(b);
  auto r = b.clone(), p = b.clone();
  double rr = r.dot(r).item<double>();
  for (int i = 0; i < iters && rr > tol; ++i) {
    const auto ap = avp(p);
    const double alpha = rr / p.dot(ap).item<double>();
    x += alpha * p;
    r -= alpha * ap;
    const double rr_next = r.dot(r).item<double>();
    p = r + (rr_next / rr) * p;
    rr = rr_next;
  }
  return x;
}

TrpoResult trpo_step(Params& params, const std::function<torch::Tensor(const Params&)>& loss,
                     const std::function<torch::Tensor(const Params&)>& kl,
                     const TrpoOptions& options) {
  TrpoResult result;
  // The surrogate's gradient.
  const auto loss_before = loss(params);
  result.loss_before = loss_before.item<double>();
  const auto gradient = flat(torch::autograd::grad({loss_before}, params));
  // Fisher-vector products: the Hessian of the KL at the current parameters, times v.
  const auto kl_gradient =
      flat(torch::autograd::grad({kl(params)}, params, {}, /*retain_graph=*/true,
                                 /*create_graph=*/true));
  const auto fisher = [&](const torch::Tensor& v) {
    const auto hv = flat(torch::autograd::grad({(kl_gradient * v.detach()).sum()}, params, {},
                                               /*retain_graph=*/true));
    return hv + options.damping * v;
  };
  // The natural-gradient direction, scaled so that its quadratic KL is the radius.
  const auto direction = conjugate_gradient(fisher, -gradient, options.cg_iters);
  const double quadratic = 0.5 * direction.dot(fisher(direction)).item<double>();
  const auto full_step = direction * std::sqrt(options.max_kl / std::max(quadratic, 1e-20));
  // Backtracking: the first shrinking that improves the surrogate within the radius.
  for (int k = 0; k <= options.max_backtracks; ++k) {
    const Params candidate = moved(params, std::pow(options.backtrack_ratio, k) * full_step);
    const double candidate_loss = loss(candidate).item<double>();
    const double candidate_kl = kl(candidate).item<double>();
    if (candidate_loss < result.loss_before && candidate_kl <= options.max_kl) {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(candidate[i]);
      result = {true, k, result.loss_before, candidate_loss, candidate_kl};
      return result;
    }
  }
  result.loss_after = result.loss_before;
  return result;
}

}  // namespace htrmrl
