#include "algorithms/ppo.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/rng.hpp"

namespace htrmrl {

void compute_gae(RolloutBuffer& buffer, double gamma, double lambda) {
  for (TrialRecord& t : buffer.trials) {
    const int n = t.steps();
    t.advantages.assign(n, 0.0f);
    t.returns.assign(n, 0.0f);
    double next_value = 0.0, gae = 0.0;
    for (int i = n - 1; i >= 0; --i) {
      const double delta = t.rewards[i] + gamma * next_value - t.values[i];
      gae = delta + gamma * lambda * gae;
      t.advantages[i] = static_cast<float>(gae);
      t.returns[i] = static_cast<float>(gae + t.values[i]);
      next_value = t.values[i];
    }
  }
}

namespace {

// Column `field` of the given samples as a tensor.
torch::Tensor column(const RolloutBuffer& buffer, const std::vector<int64_t>& ids,
                     int64_t begin, int64_t end, std::vector<float> TrialRecord::*field) {
  auto out = torch::empty({end - begin});
  float* p = out.data_ptr<float>();
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = buffer.samples[ids[i]];
    p[i - begin] = (buffer.trials[t].*field)[s];
  }
  return out;
}

torch::Tensor actions_of(const RolloutBuffer& buffer, const std::vector<int64_t>& ids,
                         int64_t begin, int64_t end) {
  const int a = buffer.layout.act_dim;
  auto out = torch::empty({end - begin, a});
  float* p = out.data_ptr<float>();
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = buffer.samples[ids[i]];
    std::copy_n(buffer.trials[t].actions.data() + static_cast<int64_t>(s) * a, a,
                p + (i - begin) * a);
  }
  return out;
}

double explained_variance(const RolloutBuffer& buffer) {
  // 1 - Var(returns - values) / Var(returns): how much of the return the critic predicts.
  double n = 0, sr = 0, srr = 0, se = 0, see = 0;
  for (const auto& t : buffer.trials)
    for (int i = 0; i < t.steps(); ++i) {
      const double r = t.returns[i], e = r - t.values[i];
      n += 1;
      sr += r;
      srr += r * r;
      se += e;
      see += e * e;
    }
  if (n < 2) return 0.0;
  const double var_r = srr / n - (sr / n) * (sr / n), var_e = see / n - (se / n) * (se / n);
  return var_r > 1e-12 ? 1.0 - var_e / var_r : 0.0;
}

}  // namespace

PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device) {
  PpoStats stats;
  const int64_t n = buffer.size();
  stats.samples = n;
  if (n == 0) return stats;
  stats.explained_variance = explained_variance(buffer);
  const int64_t mb_size = (n + options.minibatches - 1) / options.minibatches;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(shuffle_seed);
  agent.train();

  int updates = 0;
  bool stop = false;
  double kl_sum = 0, clip_sum = 0;
  for (int epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    // A fresh shuffle per epoch (Fisher-Yates on our own stream: same order everywhere).
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int64_t begin = 0; begin < n; begin += mb_size) {
      const int64_t end = std::min(n, begin + mb_size);
      // Rebuild the minibatch's contexts and targets.
      Context context = buffer.gather(order, begin, end).to(device);
      auto action = actions_of(buffer, order, begin, end).to(device);
      auto old_log_prob = column(buffer, order, begin, end, &TrialRecord::log_probs).to(device);
      auto advantage = column(buffer, order, begin, end, &TrialRecord::advantages).to(device);
      auto ret = column(buffer, order, begin, end, &TrialRecord::returns).to(device);
      if (options.normalize_advantages && end - begin > 1)
        advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8);

      // Clipped surrogate, value regression and entropy bonus.
      PolicyOutput out = agent.forward(context);
      auto log_ratio = gaussian_log_prob(out, action) - old_log_prob;
      auto ratio = log_ratio.exp();
      auto surrogate = torch::min(ratio * advantage,
                                  ratio.clamp(1.0 - options.clip, 1.0 + options.clip) * advantage);
      auto policy_loss = -surrogate.mean();
      auto value_loss = 0.5 * (out.value - ret).pow(2).mean();
      auto entropy = gaussian_entropy(out).mean();
      auto loss = policy_loss + options.value_coef * value_loss - options.entropy_coef * entropy;

      // Early stop: the policy has moved too far from the one that acted (not on the first).
      const double kl = ((ratio - 1.0) - log_ratio).mean().item<double>();
      if (updates > 0 && options.target_kl > 0 && kl > 1.5 * options.target_kl) {
        stop = true;
        break;
      }

      // Step, with the gradient norm clipped to max_grad_norm.
      optimizer.zero_grad();
      loss.backward();
      const double clip_to = options.max_grad_norm > 0 ? options.max_grad_norm : INFINITY;
      stats.grad_norm += torch::nn::utils::clip_grad_norm_(agent.parameters(), clip_to);
      optimizer.step();

      // Diagnostics.
      torch::NoGradGuard no_grad;
      if (updates == 0) stats.first_ratio_error = (ratio - 1.0).abs().max().item<double>();
      stats.policy_loss += policy_loss.item<double>();
      stats.value_loss += value_loss.item<double>();
      stats.entropy += entropy.item<double>();
      kl_sum += kl;
      clip_sum += ((ratio - 1.0).abs() > options.clip).to(torch::kFloat).mean().item<double>();
      ++updates;
    }
  }
  stats.policy_loss /= updates;
  stats.value_loss /= updates;
  stats.entropy /= updates;
  stats.grad_norm /= updates;
  stats.approx_kl = kl_sum / updates;
  stats.clip_fraction = clip_sum / updates;
  stats.minibatch_steps = updates;
  return stats;
}

}  // namespace htrmrl
