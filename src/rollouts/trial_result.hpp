// What a played trial yields and what it is played from: the results every rollout returns,
// and the per-trial request that makes them independent of batching and threads.
#pragma once

#include <cstdint>
#include <vector>

#include "common/collective.hpp"

namespace htrmrl {

// Per-episode outcome of one trial.
struct TrialResult {
  int task = 0;
  std::vector<char> success;    // [episodes]: the success flag was set at any step
  std::vector<float> returns;   // [episodes]: undiscounted
  int unstable_steps = 0;       // steps the physics had diverged (reward 0, frozen state)
};

// One trial request: the task to play and the seed of its private random stream (window
// sampling, action noise, resets), so results never depend on batching or threads.
struct TrialSpec {
  int task = 0;
  uint64_t seed = 0;
};

// Every rank's trial results, in rank order (exact: the values are copied, not reduced).
std::vector<TrialResult> gather_results(Collective& group, const std::vector<TrialResult>& mine,
                                        int episodes);

}  // namespace htrmrl
