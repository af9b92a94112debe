// Checkpoints: agent tensors, optimiser state and loop counters in one file, written to a
// temporary name and renamed, so a run killed at any moment leaves the previous one intact.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "models/agent.hpp"

namespace htrmrl {

// What the loop carries from one iteration to the next besides the agent and its optimiser.
struct TrainState {
  int64_t iteration = 0;     // iterations completed
  int64_t env_steps = 0;     // environment steps consumed
  double wall_seconds = 0;   // training time spent so far, across resumes
  // RewardScaler::state(): the return statistics rewards are scaled by; undefined when the
  // run does not scale rewards (and in checkpoints written before it could).
  torch::Tensor reward_statistics;
};

// Throws NonFiniteError naming the first parameter, buffer (the observation normaliser's
// statistics) or Adam moment that holds a NaN or infinity: what no checkpoint may hold. One
// reduction per tensor and one read of their results.
void require_finite_state(Agent& agent, const torch::optim::Optimizer& optimizer);

void save_checkpoint(const std::string& path, Agent& agent,
                     const torch::optim::Optimizer& optimizer, const TrainState& state);

// Loads into an agent built from the run's config; a checkpoint of another agent kind, or
// whose tensors do not fit, throws htrmrl::Error naming the file and the kinds or the first
// tensor that differs. optimizer may be
// null (evaluation).
TrainState load_checkpoint(const std::string& path, Agent& agent,
                           torch::optim::Optimizer* optimizer);

}  // namespace htrmrl
