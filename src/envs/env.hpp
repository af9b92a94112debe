// The environment API every benchmark family implements: a fixed spec, a task set by value,
// reset and step writing into caller-owned buffers (no allocation on the hot path).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace htrmrl {

// Sizes and limits shared by every task of a benchmark.
struct EnvSpec {
  int obs_dim = 0;
  int act_dim = 0;
  int max_episode_steps = 0;  // episodes are truncated here
  float action_low = -1.0f;   // the environment clips actions into [low, high]
  float action_high = 1.0f;
};

// A task is a plain value that fully determines the MDP: family, name and parameters.
struct Task {
  std::string family;
  std::string name;
  std::vector<double> params;
};

// What one step reports besides the next observation.
struct StepResult {
  float reward = 0.0f;
  bool terminated = false;  // a true terminal state: nothing follows
  bool truncated = false;   // the time limit: the episode is cut, not finished
  bool success = false;     // the task's success criterion holds at this step
  bool unstable = false;    // the physics diverged: the episode runs out frozen, reward 0
};

class Env {
 public:
  virtual ~Env() = default;
  virtual const EnvSpec& spec() const = 0;
  // Selects the MDP; takes effect at the next reset.
  virtual void set_task(const Task& task) = 0;
  // Starts an episode; the initial state is a pure function of (task, seed).
  virtual void reset(uint64_t seed, float* obs) = 0;
  // Applies one action of spec().act_dim numbers and writes the next observation.
  virtual StepResult step(const float* action, float* obs) = 0;
};

}  // namespace htrmrl
