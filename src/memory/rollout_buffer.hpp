// What one PPO iteration collected: per trial, the raw tokens and, per step, the sampled
// windows (2 ints per slot), the action and its statistics. Memory per step is
// O(obs + act + slots), never O(slots * S * token) as a stored context would be.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "memory/context.hpp"

namespace htrmrl {

struct TrialRecord {
  std::vector<float> tokens;      // the trial's token buffer at its end
  std::vector<Window> windows;    // [steps * slots]
  std::vector<float> actions;     // [steps * act_dim], raw (before clipping)
  std::vector<float> log_probs;   // [steps] under the policy that acted
  std::vector<float> values;      // [steps]
  std::vector<float> rewards;     // [steps]
  std::vector<float> advantages;  // [steps], filled by compute_gae
  std::vector<float> returns;     // [steps], advantages + values

  int steps() const { return static_cast<int>(log_probs.size()); }
  void clear();
};

struct RolloutBuffer {
  TokenLayout layout;
  int slots = 0;
  int seq_len = 0;
  std::vector<TrialRecord> trials;
  std::vector<std::pair<int32_t, int32_t>> samples;  // (trial, step) for every step

  // Lists every (trial, step) after collection.
  void index();
  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  // Rebuilds the contexts of samples ids[begin, end) exactly as the rollout saw them. With
  // deduplicate, a window shared by several samples (same trial, same tokens) and every
  // empty slot are stored once; without, one sequence per slot, as the rollout built them.
  Context gather(const std::vector<int64_t>& ids, int64_t begin, int64_t end,
                 bool deduplicate = true) const;
  // Bytes held, for the memory report.
  int64_t bytes() const;
};

}  // namespace htrmrl
