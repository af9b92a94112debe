// Checkpoints: agent tensors, the learner's state (its optimisers and running statistics,
// under the key "learner") and loop counters in one file, written to a temporary name and
// renamed, so a run killed at any moment leaves the previous one intact. Checkpoints written
// before the Learner seam hold PPO's "optimizer" and "reward_statistics" at the top level;
// they load as before.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "algorithms/learner.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// What the loop carries from one iteration to the next besides the agent and its learner.
struct TrainState {
  int64_t iteration = 0;     // iterations completed
  int64_t env_steps = 0;     // environment steps consumed
  double wall_seconds = 0;   // training time spent so far, across resumes
};

// learner may be null: a checkpoint of the agent alone.
void save_checkpoint(const std::string& path, Agent& agent, const Learner* learner,
                     const TrainState& state);

// Loads into an agent built from the run's config; a checkpoint of another agent kind, or
// whose tensors do not fit, throws htrmrl::Error naming the file and the kinds or the first
// tensor that differs. learner may be null (evaluation).
TrainState load_checkpoint(const std::string& path, Agent& agent, Learner* learner);

}  // namespace htrmrl
