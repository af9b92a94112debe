// Everything a run builds from its configuration: benchmark, device, agent, context size.
// train, eval and bench all start here, so they can never disagree on a shape.
#pragma once

#include <memory>

#include "algorithms/learner.hpp"
#include "common/collective.hpp"
#include "envs/benchmark.hpp"
#include "models/agent.hpp"
#include "rollouts/sampler.hpp"
#include "training/config.hpp"

namespace htrmrl {

struct RunSetup {
  Config config;
  Benchmark benchmark;
  torch::Device device{torch::kCPU};
  TokenLayout layout;
  int slots = 1;  // context slots (sequences per context) this benchmark can fill
  std::shared_ptr<Agent> agent;
};

// The agent `config.agent.kind` names, on the CPU, for contexts of `slots` slots.
std::shared_ptr<Agent> make_agent(const Config& config, TokenLayout layout, int slots);

// Seeds LibTorch from the run seed, sets its thread count, builds the agent on the device.
RunSetup make_setup(const Config& config);

// The sampler a run's configuration asks for (threads, lanes, cached acting, overlapped
// stepping), with room for `capacity` trials at once.
Sampler make_sampler(const RunSetup& setup, int capacity);

// Each training task's family index (first-appearance order): the groups of per-task reward
// scaling.
std::vector<int> task_families(const std::vector<Task>& tasks);

// The learner that trains the setup's agent (its kind's, else PPO), its optimisers made; with
// a group of ranks every rank's learner updates together.
std::unique_ptr<Learner> make_learner(const RunSetup& setup, Collective* group);

}  // namespace htrmrl
