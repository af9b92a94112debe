// A rollout split as MuJoCo splits a simulation: what a run of trials reads and never
// changes (RolloutSetup, like mjModel) and what it changes as it plays (RolloutState, like
// mjData). The sampler's stages (sampler.cpp) are functions of the two, and the acting
// interface (acting.hpp) reads and writes the state's per-trial memories and windows.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/rng.hpp"
#include "envs/vector_env.hpp"
#include "memory/rollout_buffer.hpp"
#include "memory/trial_memory.hpp"
#include "models/distribution.hpp"
#include "rollouts/trial_result.hpp"

namespace htrmrl {

class Acting;

// Called at the last step of every episode with the embedding the agent acted on there
// (Agent::embed of that step's context; a recurrent agent's state after reading the step's
// token): trial = index into the specs, episode = index within the trial, embedding [d] (CPU).
using EpisodeEndHook =
    std::function<void(int trial, int episode, const torch::Tensor& embedding)>;

// What one Sampler::run reads: the environments' spec and the request.
struct RolloutSetup {
  const EnvSpec& spec;
  TokenLayout layout;
  int slots = 1;              // context slots per trial
  int episodes = 1;           // per trial
  bool deterministic = false; // act with the distribution's mode
  const ActionDistribution& distribution;
  RolloutBuffer* buffer = nullptr;              // records every step when set
  const EpisodeEndHook* on_episode_end = nullptr;
};

// A group of trials [begin, end) acting together: one batched forward pass per step. Groups
// act and step apart (lanes on threads, or the two halves of the overlapped pipeline).
struct RolloutGroup {
  int begin = 0, end = 0;
  int remaining = 0;               // trials of the group still playing
  std::unique_ptr<Acting> acting;
  std::vector<float> clipped;      // scratch: one action clipped to the action space
};

// What one Sampler::run changes. Per trial i < n: its stream, memory, progress, result and
// windows; per environment row (capacity of them): whether it plays, its observation,
// action and last step.
struct RolloutState {
  int n = 0;                        // trials played
  std::vector<Rng> rng;
  std::vector<TrialMemory> memory;
  std::vector<TrialResult> results;
  std::vector<int> episode;         // the episode each trial plays (from 0)
  std::vector<char> active;         // [capacity]
  std::vector<float> obs;           // [capacity * obs_dim]
  std::vector<float> actions;       // [capacity * act_dim]: raw draws
  std::vector<StepResult> steps;    // [capacity]
  std::vector<Window> windows;      // [n * slots]: each trial's windows of this step
  std::vector<float> log_probs, values;  // [n]: of this step's actions
  std::vector<RolloutGroup> groups;
  std::mutex hook_mutex;            // lanes report episode ends one at a time
};

}  // namespace htrmrl
