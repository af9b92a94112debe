// The seam between the trainer and a learning algorithm. After each rollout the trainer hands
// a Learner the iteration's recorded trials; the learner improves the agent from them and
// returns its statistics. It owns its optimisers and whatever else it carries across
// iterations (saved into and loaded from the checkpoint under its own key), and it declares
// the metrics.csv columns its statistics fill. PpoLearner (ppo_learner.hpp) is one.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// One metrics.csv column a learner fills: its name, its TensorBoard tag ("area/name"), and
// whether it is written as an integer.
struct MetricColumn {
  std::string name;
  std::string tag;
  bool integer = false;
};

// What one update learns from: this rank's block of the iteration's trials, each trial's
// training task, and where the run stands (annealed schedules, per-iteration streams).
struct LearnerBatch {
  RolloutBuffer& buffer;
  const std::vector<int>& trial_tasks;  // [trials]: index into the benchmark's train tasks
  int64_t iteration = 0;                // iterations completed before this one
  int64_t iterations = 0;               // the run's total
};

// What one update returns: the env steps it learned from (every rank's), and one value per
// column of Learner::columns(), in that order.
struct LearnerStats {
  int64_t samples = 0;
  std::vector<double> values;
};

class Learner {
 public:
  virtual ~Learner() = default;
  // The columns update() fills, in metrics.csv order.
  virtual const std::vector<MetricColumn>& columns() const = 0;
  // Improves the agent from the batch (which it may rewrite: scaled rewards, advantages).
  // With a group of ranks every rank calls it together on its own block of trials.
  virtual LearnerStats update(const LearnerBatch& batch) = 0;
  // Throws NonFiniteError naming the first parameter, buffer or optimiser state that holds a
  // NaN or infinity: what no checkpoint may hold.
  virtual void require_finite_state() const = 0;
  // Its optimisers and running statistics, into and out of its own checkpoint archive.
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
};

// Throws NonFiniteError naming the first parameter, buffer (the observation normaliser's
// statistics) or Adam moment that holds a NaN or infinity. One reduction per tensor and one
// read of their results.
void require_finite_state(Agent& agent, const torch::optim::Optimizer& optimizer);

}  // namespace htrmrl
