// Reward scaling (Engstrom et al. 2020, "Implementation Matters in Deep Policy Gradients";
// CleanRL's NormalizeReward): each step's reward is divided by a running estimate of the
// standard deviation of the discounted return, so value targets are of order one whatever
// the benchmark's reward scale. Meta-World's rewards reach 10 per step: with gamma 0.9 the
// raw returns reach 100, and a value head that starts at 0 cannot follow them at Adam's step
// size, which leaves the critic useless and the shared encoder's gradient all value loss.
// Per task, each task family keeps its own statistics (ML10's tasks differ in reward scale).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "common/collective.hpp"
#include "memory/rollout_buffer.hpp"

namespace htrmrl {

enum class RewardScaling {
  kOff,      // rewards as the environment gives them
  kGlobal,   // one return statistic for every task
  kPerTask,  // one per task family (`Task::family`)
};
RewardScaling parse_reward_scaling(const std::string& name);
std::string to_string(RewardScaling r);

class RewardScaler {
 public:
  // `groups` statistics (1 unless per task); `gamma` discounts the returns it measures.
  RewardScaler(RewardScaling mode, int groups, double gamma);

  // Merges the discounted returns-so-far of every step of the buffer's trials (each trial
  // one lifetime, as GAE sees it) into the statistics of the trial's group (trial_group[i]
  // for buffer.trials[i]; every rank's trials with a collective), then divides each trial's
  // rewards by its group's standard deviation. Off: leaves the buffer as it is. Returns the
  // mean divisor over the buffer's trials (1 when off), for the metrics.
  double scale(RolloutBuffer& buffer, const std::vector<int>& trial_group, Collective* group);

  // The divisor of a group's rewards now: sqrt(variance + 1e-8), 1 before any data.
  double divisor(int group) const;

  // Statistics as a tensor [groups, 3] (count, mean, sum of squared deviations), for the
  // checkpoint; load_state refuses a tensor of another shape.
  torch::Tensor state() const;
  void load_state(const torch::Tensor& state);
  RewardScaling mode() const { return mode_; }

 private:
  struct Moments {
    double count = 0, mean = 0, m2 = 0;
  };
  RewardScaling mode_;
  double gamma_;
  std::vector<Moments> moments_;
};

}  // namespace htrmrl
