#include "algorithms/reward_scaling.hpp"

#include <cmath>

#include "common/error.hpp"

namespace htrmrl {

RewardScaling parse_reward_scaling(const std::string& name) {
  if (name == "off") return RewardScaling::kOff;
  if (name == "global") return RewardScaling::kGlobal;
  if (name == "per_task") return RewardScaling::kPerTask;
  throw Error("unknown reward scaling '" + name + "' (off, global, per_task)");
}

std::string to_string(RewardScaling r) {
  switch (r) {
    case RewardScaling::kOff: return "off";
    case RewardScaling::kGlobal: return "global";
    case RewardScaling::kPerTask: return "per_task";
  }
  return "?";
}

RewardScaler::RewardScaler(RewardScaling mode, int groups, double gamma)
    : mode_(mode), gamma_(gamma), moments_(mode == RewardScaling::kPerTask ? groups : 1) {
  if (groups < 1) throw Error("reward scaling needs at least one task group");
}

double RewardScaler::scale(RolloutBuffer& buffer, const std::vector<int>& trial_group,
                           Collective* group) {
  if (mode_ == RewardScaling::kOff) return 1.0;
  const int64_t groups = static_cast<int64_t>(moments_.size());
  auto group_of = [&](size_t trial) {
    return mode_ == RewardScaling::kPerTask ? trial_group.at(trial) : 0;
  };
  // This iteration's sums (count, return, return^2) per group, over every rank's trials.
  auto sums = torch::zeros({groups, 3}, torch::kFloat64);
  auto s = sums.accessor<double, 2>();
  for (size_t t = 0; t < buffer.trials.size(); ++t) {
    const int g = group_of(t);
    double discounted = 0.0;
    for (float r : buffer.trials[t].rewards) {
      discounted = gamma_ * discounted + r;
      s[g][0] += 1;
      s[g][1] += discounted;
      s[g][2] += discounted * discounted;
    }
  }
  if (group) group->all_reduce(sums);

  // Merge each group's batch into its running moments (Chan et al.'s parallel update).
  for (int64_t g = 0; g < groups; ++g) {
    const double n = s[g][0];
    if (n == 0) continue;
    const double mean = s[g][1] / n, m2 = std::max(0.0, s[g][2] - s[g][1] * mean);
    Moments& m = moments_[g];
    const double total = m.count + n, delta = mean - m.mean;
    m.m2 += m2 + delta * delta * m.count * n / total;
    m.mean += delta * n / total;
    m.count = total;
  }

  // Divide every reward by its group's deviation.
  double divisors = 0;
  for (size_t t = 0; t < buffer.trials.size(); ++t) {
    const double d = divisor(group_of(t));
    divisors += d;
    const float inverse = static_cast<float>(1.0 / d);
    for (float& r : buffer.trials[t].rewards) r *= inverse;
  }
  return buffer.trials.empty() ? 1.0 : divisors / static_cast<double>(buffer.trials.size());
}

double RewardScaler::divisor(int group) const {
  const Moments& m = moments_.at(mode_ == RewardScaling::kPerTask ? group : 0);
  if (m.count < 2) return 1.0;
  return std::sqrt(m.m2 / m.count + 1e-8);
}

torch::Tensor RewardScaler::state() const {
  auto out = torch::empty({static_cast<int64_t>(moments_.size()), 3}, torch::kFloat64);
  auto a = out.accessor<double, 2>();
  for (size_t g = 0; g < moments_.size(); ++g) {
    a[g][0] = moments_[g].count;
    a[g][1] = moments_[g].mean;
    a[g][2] = moments_[g].m2;
  }
  return out;
}

void RewardScaler::load_state(const torch::Tensor& state) {
  if (state.dim() != 2 || state.size(0) != static_cast<int64_t>(moments_.size()) ||
      state.size(1) != 3)
    throw Error("reward-scaling statistics do not fit the config (ppo.scale_rewards)");
  auto cpu = state.to(torch::kCPU, torch::kFloat64);
  auto a = cpu.accessor<double, 2>();
  for (size_t g = 0; g < moments_.size(); ++g) moments_[g] = {a[g][0], a[g][1], a[g][2]};
}

}  // namespace htrmrl
