// Runs trials: each slot plays one trial of E episodes on its task with a fresh memory, all
// slots batched into one forward pass per step and stepped in parallel on the thread pool.
// run() is a list of stages over a RolloutSetup and a RolloutState (rollout_state.hpp); the
// agent's kind enters only through its Acting (acting.hpp) and ActionDistribution.
// Context agents (not RL^2, whose state is one batch) may split the slots into groups:
//   lanes    L contiguous groups, each acting for its slots and stepping their environments
//            on its own thread: every core acts and steps (SamplerOptions::lanes > 1);
//   overlap  two halves on one acting thread whose steps interleave: one half's environments
//            step on a background thread while the other half's actions are computed.
// A slot's numbers depend only on its own context and random stream, so they are the same
// (up to float rounding in batched products) however the slots are grouped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/vector_env.hpp"
#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"
#include "rollouts/rollout_state.hpp"
#include "rollouts/trial_result.hpp"

namespace htrmrl {

// How a Sampler spreads its work over threads.
struct SamplerOptions {
  int env_threads = 1;           // the environment pool's threads (with one lane)
  bool cache_summaries = true;   // act on cached past summaries when the agent offers it
  bool overlap = true;           // one lane: step half the environments while acting for the rest
  int lanes = 1;                 // threads each acting and stepping for its share of the slots
};

class Sampler {
 public:
  // Lanes step their own environments, so lanes > 1 needs env_threads = 1.
  Sampler(const Benchmark& benchmark, MemoryOptions memory, int slots, int capacity,
          torch::Device device, SamplerOptions options = {});

  // Plays one trial per spec (at most capacity of them) on the given task list. With a
  // buffer, records every step for PPO; deterministic = act with the mean. With a hook, also
  // computes and reports each episode's final embedding (nothing extra runs without one).
  // A NaN or infinity among a trial's observations, rewards, actions or (recorded) policy
  // outputs throws NonFiniteError naming the trial, its task, the episode and the step.
  std::vector<TrialResult> run(Agent& agent, const std::vector<Task>& tasks,
                               const std::vector<TrialSpec>& specs, int episodes,
                               bool deterministic, RolloutBuffer* buffer,
                               const EpisodeEndHook* on_episode_end = nullptr);

  int capacity() const { return envs_.size(); }
  int slots() const { return slots_; }
  TokenLayout layout() const { return layout_; }

 private:
  std::string benchmark_name_;  // names the benchmark in a non-finite value's message
  VectorEnv envs_;
  TokenLayout layout_;
  MemoryOptions memory_options_;
  int slots_;
  torch::Device device_;
  SamplerOptions options_;
  std::unique_ptr<BackgroundTask> background_;  // made on the first overlapped run
  std::unique_ptr<ThreadPool> lanes_;           // made on the first run with lanes
};

}  // namespace htrmrl
