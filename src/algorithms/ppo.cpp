// PPO's update, read top to bottom as CleanRL's ppo_continuous_action.py reads: whole-batch
// statistics, then epochs of shuffled minibatches, each: policy outputs, clipped surrogate,
// value regression and entropy bonus, KL early stop, one clipped gradient step. The plumbing
// it calls lives beside it: what a unit is (update_units.hpp: samples, or RL^2's segments),
// and how a minibatch is split over worker threads and ranks (minibatch.hpp).
#include "algorithms/ppo.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "algorithms/minibatch.hpp"
#include "algorithms/update_units.hpp"
#include "common/finite.hpp"
#include "common/rng.hpp"
#include "common/thread_pool.hpp"

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

// Sums over the samples of (1, return, return^2, error, error^2, advantage, advantage^2),
// error = return - value; over every rank's samples with a group.
using ValueSums = std::array<double, 7>;
ValueSums value_sums(const RolloutBuffer& buffer, Collective* group) {
  ValueSums s{};
  for (const auto& t : buffer.trials)
    for (int i = 0; i < t.steps(); ++i) {
      const double r = t.returns[i], e = r - t.values[i], a = t.advantages[i];
      s[0] += 1;
      s[1] += r;
      s[2] += r * r;
      s[3] += e;
      s[4] += e * e;
      s[5] += a;
      s[6] += a * a;
    }
  if (group) {
    auto total = torch::tensor(std::vector<double>(s.begin(), s.end()), torch::kFloat64);
    group->all_reduce(total);
    std::copy_n(total.data_ptr<double>(), s.size(), s.begin());
  }
  return s;
}

double explained_variance(const ValueSums& sums) {
  // 1 - Var(returns - values) / Var(returns): how much of the return the critic predicts.
  const auto [n, sr, srr, se, see, sa, saa] = sums;
  if (n < 2) return 0.0;
  const double var_r = srr / n - (sr / n) * (sr / n), var_e = see / n - (se / n) * (se / n);
  return var_r > 1e-12 ? 1.0 - var_e / var_r : 0.0;
}

// Stops the update at the first minibatch step with a non-finite loss term or gradient norm,
// before the optimiser takes it: one step with them would make every parameter NaN.
void require_finite(const char* what, double value, int step) {
  if (!std::isfinite(value))
    throw NonFiniteError(
        fmt::format("the PPO {} is {} (minibatch step {})", what, non_finite_name(value), step));
}

// The minibatch's loss terms (MinibatchMeans::totals of the diagnostics).
void require_finite_losses(const std::vector<double>& totals, int step) {
  require_finite("policy loss", totals[1], step);
  require_finite("value loss", totals[2], step);
  require_finite("entropy", totals[3], step);
  require_finite("KL estimate", totals[0], step);
}

// One part's clipped surrogate, value regression and entropy bonus (its share of the
// minibatch's means), and its diagnostics: KL, losses, entropy, clipped share, action deviation.
void part_loss(MinibatchPart& part, const ActionDistribution& policy, const MinibatchMeans& mean,
               const PpoOptions& options) {
  auto advantage = part.advantage;
  if (options.normalize_advantages && mean.count() > 1) advantage = mean.standardise(advantage);
  auto log_ratio = policy.log_prob(part.out, part.action) - part.old_log_prob;
  part.ratio = log_ratio.exp();
  auto surrogate =
      torch::min(part.ratio * advantage,
                 part.ratio.clamp(1.0 - options.clip, 1.0 + options.clip) * advantage);
  auto policy_loss = -mean(surrogate);
  auto value_loss = 0.5 * mean((part.out.value - part.ret).pow(2));
  auto entropy = mean(policy.entropy(part.out));
  part.loss = policy_loss + options.value_coef * value_loss - options.entropy_coef * entropy;
  torch::NoGradGuard no_grad;
  part.diagnostics = {mean((part.ratio - 1.0) - log_ratio), policy_loss.detach(),
                      value_loss.detach(), entropy.detach(),
                      mean(((part.ratio - 1.0).abs() > options.clip).to(torch::kFloat)),
                      mean(part.out.log_std.exp().mean(-1))};
}

// Max |ratio - 1| over every part (and rank): 0 up to rounding in the first minibatch.
double ratio_error(const std::vector<MinibatchPart>& parts, const MinibatchMeans& mean) {
  double error = 0.0;
  for (const auto& part : parts)
    if (part.ratio.defined())
      error = std::max(error, (part.ratio - 1.0).abs().max().item<double>());
  return mean.max(error);
}

}  // namespace

PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device, Collective* group) {
  // Whole-batch statistics: the critic's explained variance, the raw advantages' deviation.
  PpoStats stats;
  const ValueSums sums = value_sums(buffer, group);
  stats.samples = group ? static_cast<int64_t>(sums[0]) : buffer.size();
  if (stats.samples == 0) return stats;
  stats.explained_variance = explained_variance(sums);
  const double advantage_mean = sums[5] / sums[0];
  stats.advantage_std = std::sqrt(std::max(0.0, sums[6] / sums[0] - advantage_mean * advantage_mean));

  // The units minibatches are made of (samples, or segments), over every rank.
  const std::unique_ptr<UpdateUnits> units =
      make_update_units(agent, buffer, options.bptt, options.deduplicate, device);
  const Shard shard(group, units->size());
  const int64_t n = shard.total();
  const int64_t mb_size = (n + options.minibatches - 1) / options.minibatches;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(shuffle_seed);
  agent.train();
  const std::vector<torch::Tensor> parameters = agent.parameters();
  ThreadPool workers(options.workers);

  int updates = 0;
  bool stop = false;
  double kl_sum = 0, clip_sum = 0;
  for (int epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    units->begin_epoch();
    // A fresh shuffle per epoch (Fisher-Yates on our own stream: same order everywhere).
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int64_t begin = 0; begin < n; begin += mb_size) {
      const int64_t end = std::min(n, begin + mb_size);
      // The minibatch's policy outputs and stored targets (this rank's share, in parts).
      std::vector<MinibatchPart> parts =
          split_minibatch(shard.select(order, begin, end), options.workers);
      evaluate_parts(workers, *units, buffer, parts, device);
      std::vector<torch::Tensor> advantages;
      for (const auto& part : parts) advantages.push_back(part.advantage);
      const MinibatchMeans mean(group, torch::cat(advantages));

      // Clipped surrogate, value regression and entropy bonus; each part's share.
      for (MinibatchPart& part : parts)
        if (!part.samples.empty()) part_loss(part, agent.distribution(), mean, options);
      std::vector<std::vector<torch::Tensor>> diagnostics;
      for (const auto& part : parts) diagnostics.push_back(part.diagnostics);
      const std::vector<double> totals = mean.totals(diagnostics);
      require_finite_losses(totals, updates + 1);
      // Early stop: the policy has moved too far from the one that acted (not on the first).
      const double kl = totals[0];
      if (updates > 0 && options.target_kl > 0 && kl > 1.5 * options.target_kl) {
        stop = true;
        break;
      }

      // The gradient step, its norm clipped to max_grad_norm.
      optimizer.zero_grad();
      sum_gradients(workers, parts, parameters, group);
      const double clip_to = options.max_grad_norm > 0 ? options.max_grad_norm : INFINITY;
      const double grad_norm = torch::nn::utils::clip_grad_norm_(parameters, clip_to);
      require_finite("gradient norm", grad_norm, updates + 1);
      stats.grad_norm += grad_norm;
      optimizer.step();

      // Statistics.
      torch::NoGradGuard no_grad;
      if (updates == 0) stats.first_ratio_error = ratio_error(parts, mean);
      stats.policy_loss += totals[1];
      stats.value_loss += totals[2];
      stats.entropy += totals[3];
      kl_sum += kl;
      clip_sum += totals[4];
      stats.action_std += totals[5];
      ++updates;
    }
  }
  stats.policy_loss /= updates;
  stats.value_loss /= updates;
  stats.entropy /= updates;
  stats.grad_norm /= updates;
  stats.action_std /= updates;
  stats.approx_kl = kl_sum / updates;
  stats.clip_fraction = clip_sum / updates;
  stats.minibatch_steps = updates;
  stats.encoded_sequences = units->encoded_sequences();
  return stats;
}

}  // namespace htrmrl
