// MAML's mathematics (algorithms/maml.hpp): the explicit-parameter policy equals a module
// policy; the inner step equals a hand derivation on a linear policy; the second-order meta-
// gradient matches finite differences (and differs from the first-order one); conjugate
// gradient solves an SPD system; the linear feature baseline fits returns that are linear in
// its features, and advantages are standardised over real steps only; a TRPO step stays within its KL radius, improves the surrogate, and a line
// search that finds no improvement leaves the parameters unchanged.
#include <gtest/gtest.h>

#include <cmath>

#include "algorithms/maml.hpp"

namespace htrmrl {
namespace {

// The parameters as fresh double tensors (copies, never views) that require gradients.
Params as_double(const Params& params) {
  Params out;
  for (const auto& p : params)
    out.push_back(p.detach().to(torch::kDouble).clone().requires_grad_());
  return out;
}

// N episodes of T steps of random observations and actions (double), all steps real.
Episodes random_episodes(int n, int steps, int obs_dim, int act_dim, uint64_t seed) {
  torch::manual_seed(seed);
  const auto d = torch::kDouble;
  return {torch::randn({n, steps, obs_dim}, d), torch::randn({n, steps, act_dim}, d),
          torch::randn({n, steps}, d), torch::ones({n, steps}, d)};
}

TEST(MamlPolicy, ExplicitParametersEqualAModulePolicy) {
  torch::manual_seed(1);
  MamlPolicy policy(MamlPolicyOptions{3, 2, {5, 4}, 0.7});
  const Params p = policy->meta_parameters();
  ASSERT_EQ(p.size(), 7u);
  torch::nn::Sequential twin(torch::nn::Linear(3, 5), torch::nn::Tanh(), torch::nn::Linear(5, 4),
                             torch::nn::Tanh(), torch::nn::Linear(4, 2));
  // Other parameters than the module's own: the forward pass reads the list it is given.
  Params other;
  for (const auto& t : p) other.push_back(t.detach() * 1.5 + 0.1);
  {
    torch::NoGradGuard no_grad;
    int i = 0;
    for (auto& layer : twin->children()) {
      auto* linear = layer->as<torch::nn::Linear>();
      if (!linear) continue;
      linear->weight.copy_(other[2 * i]);
      linear->bias.copy_(other[2 * i + 1]);
      ++i;
    }
  }
  const auto obs = torch::randn({6, 3});
  const PolicyOutput out = policy->forward(obs, other);
  EXPECT_TRUE(torch::allclose(out.mean, twin->forward(obs), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(out.log_std, other.back()));
  EXPECT_NEAR(policy->forward(obs).log_std[0].item<double>(), std::log(0.7), 1e-6);
}

TEST(MamlInnerStep, EqualsAHandDerivationOnALinearPolicy) {
  // mean = w . s + b, log-std l; loss = -(1/T) sum_t A_t log N(a_t; mean_t, e^2l):
  //   dL/dw = -(1/T) sum A (a - mean) s / sigma^2, dL/db = -(1/T) sum A (a - mean) / sigma^2,
  //   dL/dl = -(1/T) sum A ((a - mean)^2 / sigma^2 - 1).
  MamlPolicy policy(MamlPolicyOptions{2, 1, {}, 1.0});
  const Params params = {torch::tensor({{0.3, -0.2}}, torch::kDouble).requires_grad_(),
                         torch::tensor({0.1}, torch::kDouble).requires_grad_(),
                         torch::tensor({std::log(0.8)}, torch::kDouble).requires_grad_()};
  const double s[3][2] = {{1.0, 2.0}, {-0.5, 0.3}, {0.2, -1.0}}, a[3] = {0.4, -0.1, 0.9},
               adv[3] = {1.0, -0.5, 2.0};
  const auto d = torch::kDouble;
  Episodes e{torch::from_blob(const_cast<double*>(&s[0][0]), {1, 3, 2}, d).clone(),
             torch::from_blob(const_cast<double*>(a), {1, 3, 1}, d).clone(),
             torch::zeros({1, 3}, d), torch::ones({1, 3}, d)};
  const auto advantages = torch::from_blob(const_cast<double*>(adv), {1, 3}, d).clone();
  const double lr = 0.5, var = 0.64;
  double gw[2] = {0, 0}, gb = 0, gl = 0;
  for (int t = 0; t < 3; ++t) {
    const double mean = 0.3 * s[t][0] - 0.2 * s[t][1] + 0.1, r = a[t] - mean;
    gw[0] -= adv[t] * r * s[t][0] / var / 3;
    gw[1] -= adv[t] * r * s[t][1] / var / 3;
    gb -= adv[t] * r / var / 3;
    gl -= adv[t] * (r * r / var - 1) / 3;
  }
  for (bool second_order : {false, true}) {
    const Params adapted = inner_step(*policy, params, e, advantages, lr, second_order);
    EXPECT_NEAR(adapted[0][0][0].item<double>(), 0.3 - lr * gw[0], 1e-12);
    EXPECT_NEAR(adapted[0][0][1].item<double>(), -0.2 - lr * gw[1], 1e-12);
    EXPECT_NEAR(adapted[1][0].item<double>(), 0.1 - lr * gb, 1e-12);
    EXPECT_NEAR(adapted[2][0].item<double>(), std::log(0.8) - lr * gl, 1e-12);
  }
}

// The post-update loss as a function of the meta-parameters: one inner step on `pre`, then
// the policy-gradient loss of `post` under the adapted parameters.
double meta_loss(const MamlPolicyImpl& policy, const Params& theta, const Episodes& pre,
                 const torch::Tensor& pre_adv, const Episodes& post,
                 const torch::Tensor& post_adv) {
  const Params adapted = inner_step(policy, theta, pre, pre_adv, 0.5, false);
  return policy_gradient_loss(policy, adapted, post, post_adv).item<double>();
}

TEST(MamlInnerStep, SecondOrderMetaGradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  MamlPolicy policy(MamlPolicyOptions{2, 1, {3}, 1.0});
  const Params theta = as_double(policy->meta_parameters());
  const Episodes pre = random_episodes(2, 4, 2, 1, 4), post = random_episodes(2, 4, 2, 1, 5);
  const auto pre_adv = torch::randn({2, 4}, torch::kDouble);
  const auto post_adv = torch::randn({2, 4}, torch::kDouble);
  // d loss / d (first weight matrix, log-std), flattened.
  auto gradient = [&](bool second_order) {
    const Params adapted = inner_step(*policy, theta, pre, pre_adv, 0.5, second_order);
    const auto loss = policy_gradient_loss(*policy, adapted, post, post_adv);
    const auto g = torch::autograd::grad({loss}, {theta.front(), theta.back()});
    return torch::cat({g[0].reshape(-1), g[1].reshape(-1)});
  };
  // Every coordinate of the first weight matrix and the log-std, by central differences.
  const auto analytic = gradient(true);
  const double eps = 1e-6;
  std::vector<double> numeric;
  for (size_t which : {size_t{0}, theta.size() - 1}) {
    for (int64_t k = 0; k < theta[which].numel(); ++k) {
      auto nudged = [&](double delta) {
        Params moved = as_double(theta);
        {
          torch::NoGradGuard no_grad;
          moved[which].view(-1)[k] += delta;
        }
        return meta_loss(*policy, moved, pre, pre_adv, post, post_adv);
      };
      numeric.push_back((nudged(eps) - nudged(-eps)) / (2 * eps));
    }
  }
  ASSERT_EQ(static_cast<int64_t>(numeric.size()), analytic.numel());
  for (size_t i = 0; i < numeric.size(); ++i)
    EXPECT_NEAR(analytic[i].item<double>(), numeric[i], 1e-6 * (1 + std::abs(numeric[i]))) << i;
  // The first-order gradient drops the inner step's second derivatives: it is another vector.
  EXPECT_GT((gradient(false) - analytic).abs().max().item<double>(), 1e-4);
}

TEST(ConjugateGradient, SolvesASymmetricPositiveDefiniteSystem) {
  torch::manual_seed(7);
  const auto m = torch::randn({10, 10}, torch::kDouble);
  const auto a = m.matmul(m.t()) + 10 * torch::eye(10, torch::kDouble);
  const auto b = torch::randn({10}, torch::kDouble);
  const auto x =
      conjugate_gradient([&](const torch::Tensor& v) { return a.matmul(v); }, b, 10, 1e-24);
  EXPECT_LT((a.matmul(x) - b).abs().max().item<double>(), 1e-8);
}

TEST(LinearFeatureBaseline, FitsReturnsLinearInItsFeatures) {
  Episodes e = random_episodes(3, 6, 2, 1, 11);
  e.mask[2].narrow(0, 4, 2).zero_();  // a shorter episode: padding is ignored
  const auto t = (torch::arange(6, torch::kDouble) / 100).view({1, 6});
  const auto returns = (2 * e.obs.select(-1, 0) - e.obs.select(-1, 1).pow(2) + 3 * t + 0.5) * e.mask;
  const auto fitted = linear_feature_baseline(e, returns, 1e-12);
  EXPECT_LT((fitted - returns).abs().max().item<double>(), 1e-6);
  EXPECT_EQ(fitted[2][5].item<double>(), 0.0);
}

TEST(LinearFeatureBaseline, AdvantagesAreStandardisedOverRealStepsOnly) {
  Episodes e = random_episodes(3, 6, 2, 1, 12);
  e.mask[1].narrow(0, 3, 3).zero_();
  e.rewards *= e.mask;
  const auto adv = maml_advantages(e, MamlAdaptation{});
  const auto real = adv.index({e.mask > 0});
  EXPECT_NEAR(real.mean().item<double>(), 0.0, 1e-9);
  EXPECT_NEAR(real.std(false).item<double>(), 1.0, 1e-6);
  EXPECT_EQ(adv[1].narrow(0, 3, 3).abs().sum().item<double>(), 0.0);
}

// Returns no linear baseline can follow (a sine of the observation), with padding.
std::pair<Episodes, torch::Tensor> nonlinear_returns() {
  Episodes e = random_episodes(8, 50, 2, 1, 15);
  e.mask[7].narrow(0, 30, 20).zero_();
  const auto returns = (3 * torch::sin(2 * e.obs.select(-1, 0)) + 5) * e.mask;
  return {e, returns};
}

double residual_variance(const torch::Tensor& fitted, const Episodes& e,
                         const torch::Tensor& returns) {
  return (fitted - returns).index({e.mask > 0}).pow(2).mean().item<double>();
}

TEST(MlpBaseline, FollowsReturnsTheLinearBaselineCannot) {
  const auto [e, returns] = nonlinear_returns();
  const double variance = returns.index({e.mask > 0}).var(false).item<double>();
  const auto mlp = mlp_baseline(e, returns, 1);
  const auto linear = linear_feature_baseline(e, returns);
  // sin(2x) on standard-normal x: the linear features (x, x^2) explain little of it.
  EXPECT_LT(residual_variance(mlp, e, returns), 0.2 * variance);
  EXPECT_GT(residual_variance(linear, e, returns), 0.5 * variance);
  EXPECT_EQ(mlp[7].narrow(0, 30, 20).abs().sum().item<double>(), 0.0);
}

TEST(MlpBaseline, IsAFunctionOfTheDataAndTheSeed) {
  const auto [e, returns] = nonlinear_returns();
  torch::manual_seed(99);  // the global generator plays no part
  const auto first = mlp_baseline(e, returns, 1);
  torch::manual_seed(7);
  EXPECT_TRUE(torch::equal(first, mlp_baseline(e, returns, 1)));
  EXPECT_FALSE(torch::equal(first, mlp_baseline(e, returns, 2)));
}

TEST(MlpBaseline, ChosenByTheAdaptationsSettings) {
  const auto [e, returns] = nonlinear_returns();
  MamlAdaptation linear, mlp;
  mlp.baseline = MamlBaseline::mlp;
  mlp.baseline_seed = 3;
  const auto a = maml_advantages(e, linear), b = maml_advantages(e, mlp);
  // Both standardised; the network's residuals differ from the linear fit's.
  EXPECT_NEAR(b.index({e.mask > 0}).std(false).item<double>(), 1.0, 1e-6);
  EXPECT_GT((a - b).abs().max().item<double>(), 0.1);
}

TEST(Trpo, StaysWithinItsRadiusAndImprovesTheSurrogate) {
  torch::manual_seed(13);
  MamlPolicy policy(MamlPolicyOptions{3, 2, {8}, 1.0});
  Params params = as_double(policy->meta_parameters());
  const Episodes e = random_episodes(4, 5, 3, 2, 14);
  const auto advantages = torch::randn({4, 5}, torch::kDouble);
  static const DiagonalGaussian gaussian;
  PolicyOutput before = policy->forward(e.obs, params);
  before = {before.mean.detach(), before.log_std.detach(), {}};
  const auto old_log_prob = gaussian.log_prob(before, e.actions);
  const auto loss = [&](const Params& p) {
    const auto ratio = torch::exp(gaussian.log_prob(policy->forward(e.obs, p), e.actions) -
                                  old_log_prob);
    return -(ratio * advantages).mean();
  };
  const auto kl = [&](const Params& p) {
    return mean_kl(before, policy->forward(e.obs, p), e.mask);
  };
  const Params start = as_double(params);
  TrpoOptions options;
  const TrpoResult r = trpo_step(params, loss, kl, options);
  EXPECT_TRUE(r.accepted);
  EXPECT_LE(r.kl, options.max_kl);
  EXPECT_GT(r.kl, 0.1 * options.max_kl);  // the step uses its radius, not a sliver of it
  EXPECT_LT(r.loss_after, r.loss_before);
  EXPECT_NEAR(loss(params).item<double>(), r.loss_after, 1e-12);
  EXPECT_GT((params[0] - start[0]).abs().max().item<double>(), 0);
}

TEST(Trpo, ALineSearchThatFindsNoImprovementLeavesTheParameters) {
  // A surrogate whose gradient promises a decrease that a wall of curvature takes back at any
  // step the line search tries: nothing is accepted, nothing moves.
  torch::manual_seed(17);
  MamlPolicy policy(MamlPolicyOptions{2, 1, {4}, 1.0});
  Params params = as_double(policy->meta_parameters());
  const Episodes e = random_episodes(2, 3, 2, 1, 18);
  PolicyOutput before = policy->forward(e.obs, params);
  before = {before.mean.detach(), before.log_std.detach(), {}};
  const Params start = as_double(params);
  const auto loss = [&](const Params& p) {
    auto value = torch::zeros({}, torch::kDouble);
    for (size_t i = 0; i < p.size(); ++i) {
      const auto step = p[i] - start[i].detach();
      value = value + step.sum() + 1e9 * step.pow(2).sum();
    }
    return value;
  };
  const auto kl = [&](const Params& p) {
    return mean_kl(before, policy->forward(e.obs, p), e.mask);
  };
  const TrpoResult r = trpo_step(params, loss, kl, TrpoOptions{});
  EXPECT_FALSE(r.accepted);
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], start[i]));
}

}  // namespace
}  // namespace htrmrl
