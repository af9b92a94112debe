#include "models/pearl_agent.hpp"

namespace htrmrl {
namespace {

constexpr int kLayers = 3;              // hidden layers of every PEARL network (published)
constexpr double kOutputInit = 3e-3;    // output layers' initial weights within +-3e-3
constexpr double kMinVariance = 1e-7;   // the factors' variances are clamped here (published)
constexpr double kLogStdMin = -20, kLogStdMax = 2;  // the policy's log-std range (SAC's)

// kLayers ReLU layers of `hidden`, then a linear output initialised near zero.
torch::nn::Sequential relu_mlp(int64_t in, int hidden, int64_t out) {
  torch::nn::Sequential net;
  for (int l = 0; l < kLayers; ++l) {
    net->push_back(torch::nn::Linear(l == 0 ? in : hidden, hidden));
    net->push_back(torch::nn::ReLU());
  }
  torch::nn::Linear last(hidden, out);
  torch::NoGradGuard no_grad;
  last->weight.uniform_(-kOutputInit, kOutputInit);
  last->bias.uniform_(-kOutputInit, kOutputInit);
  net->push_back(last);
  return net;
}

const TanhGaussian kTanhGaussian;

}  // namespace

PearlAgent::PearlAgent(const PearlAgentOptions& options, TokenLayout layout)
    : options_(options), layout_(layout) {
  const int o = layout.obs_dim, a = layout.act_dim, z = options.latent;
  normalizer_ = register_module("normalizer", ObsNormalizer(o, options.normalize_obs));
  encoder_ = register_module("encoder", relu_mlp(context_dim(), options.encoder_hidden, 2 * z));
  policy_ = register_module("policy", relu_mlp(o + z, options.hidden, 2 * a));
  q1_ = register_module("q1", relu_mlp(o + a + z, options.hidden, 1));
  q2_ = register_module("q2", relu_mlp(o + a + z, options.hidden, 1));
  v_ = register_module("v", relu_mlp(o + z, options.hidden, 1));
  target_v_ = register_module("target_v", relu_mlp(o + z, options.hidden, 1));
  // The target starts as V.
  track_target(1.0);
  for (auto& p : target_v_->parameters()) p.set_requires_grad(false);
}

const ActionDistribution& PearlAgent::distribution() const { return kTanhGaussian; }

int64_t PearlAgent::context_dim() const {
  const int o = layout_.obs_dim;
  return o + layout_.act_dim + 1 + (options_.next_obs_in_context ? o : 0);
}

torch::Tensor PearlAgent::context_features(const Transitions& t) {
  std::vector<torch::Tensor> parts = {normalizer_(t.obs), t.act, t.rew};
  if (options_.next_obs_in_context) parts.push_back(normalizer_(t.next_obs));
  return torch::cat(parts, -1);
}

Posterior PearlAgent::factors(const torch::Tensor& context) {
  const int z = options_.latent;
  auto out = encoder_->forward(context);
  return {out.narrow(-1, 0, z),
          torch::nn::functional::softplus(out.narrow(-1, z, z)).clamp_min(kMinVariance)};
}

Posterior PearlAgent::posterior(const torch::Tensor& context, const torch::Tensor& mask) {
  const auto [mu, var] = factors(context);  // [T, N, z] each
  // Product of the real transitions' factors: precisions add, means weigh by precision.
  auto weight = mask.unsqueeze(-1) / var;                   // [T, N, z]
  auto precision = weight.sum(1);                           // [T, z]
  auto any = (mask.sum(1, /*keepdim=*/true) > 0).expand_as(precision);
  auto safe = torch::where(any, precision, torch::ones_like(precision));
  auto post_var = 1.0 / safe;
  auto post_mean = post_var * (weight * mu).sum(1);
  return {torch::where(any, post_mean, torch::zeros_like(post_mean)),
          torch::where(any, post_var, torch::ones_like(post_var))};
}

PolicyOutput PearlAgent::policy(const torch::Tensor& obs, const torch::Tensor& z) {
  const int a = layout_.act_dim;
  auto input = torch::cat({normalizer_(obs), z}, -1);
  auto out = policy_->forward(input);
  return {out.narrow(-1, 0, a), out.narrow(-1, a, a).clamp(kLogStdMin, kLogStdMax),
          v_->forward(input).squeeze(-1)};
}

torch::Tensor PearlAgent::q(int which, const torch::Tensor& obs, const torch::Tensor& act,
                            const torch::Tensor& z) {
  auto input = torch::cat({normalizer_(obs), act, z}, -1);
  return (which == 0 ? q1_ : q2_)->forward(input).squeeze(-1);
}

torch::Tensor PearlAgent::v(const torch::Tensor& obs, const torch::Tensor& z, bool target) {
  auto input = torch::cat({normalizer_(obs), z}, -1);
  return (target ? target_v_ : v_)->forward(input).squeeze(-1);
}

void PearlAgent::track_target(double tau) {
  torch::NoGradGuard no_grad;
  const auto source = v_->parameters();
  auto target = target_v_->parameters();
  for (size_t i = 0; i < target.size(); ++i) target[i].mul_(1.0 - tau).add_(source[i], tau);
}

std::vector<torch::Tensor> PearlAgent::policy_parameters() const { return policy_->parameters(); }
std::vector<torch::Tensor> PearlAgent::q_parameters() const {
  auto p = q1_->parameters();
  for (const auto& t : q2_->parameters()) p.push_back(t);
  return p;
}
std::vector<torch::Tensor> PearlAgent::v_parameters() const { return v_->parameters(); }
std::vector<torch::Tensor> PearlAgent::encoder_parameters() const {
  return encoder_->parameters();
}

std::pair<torch::Tensor, torch::Tensor> PearlAgent::window_context(const Context& context) {
  const int o = layout_.obs_dim, a = layout_.act_dim, d = layout_.size();
  auto current = context.index.select(1, context.slots() - 1);
  auto x = context.tokens.index_select(0, current);   // [B, S, d]
  auto mask = context.mask.index_select(0, current);  // [B, S]
  const int64_t s = x.size(1);
  // Consecutive real tokens whose first does not close an episode form a transition.
  auto before = x.narrow(1, 0, s - 1), after = x.narrow(1, 1, s - 1);
  auto pair_mask = mask.narrow(1, 0, s - 1) * mask.narrow(1, 1, s - 1) *
                   (before.select(-1, d - 1) == 0).to(x.dtype());
  const Transitions t{before.narrow(-1, 0, o), after.narrow(-1, o, a),
                      after.narrow(-1, o + a, 1), after.narrow(-1, 0, o)};
  return {context_features(t), pair_mask};
}

PolicyOutput PearlAgent::forward(const Context& context) {
  auto z = embed(context);
  auto current = context.index.select(1, context.slots() - 1);
  auto state = context.tokens.index_select(0, current).select(1, -1).narrow(-1, 0,
                                                                           layout_.obs_dim);
  return policy(state, z);
}

torch::Tensor PearlAgent::embed(const Context& context) {
  const auto [features, mask] = window_context(context);
  return posterior(features, mask).mean;
}

}  // namespace htrmrl
