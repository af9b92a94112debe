#include "memory/trial_replay.hpp"

#include <string>

#include "common/error.hpp"

namespace htrmrl {

TrialReplay::TrialReplay(int tasks, int capacity) : capacity_(capacity), by_task_(tasks) {
  if (tasks < 1 || capacity < 1)
    throw Error("a trial replay needs at least one task and room for one trial per task");
}

const std::deque<TrialRecord>& TrialReplay::of(int task) const {
  if (task < 0 || task >= tasks())
    throw Error("trial replay: task " + std::to_string(task) + " is not one of its " +
                std::to_string(tasks()) + " tasks");
  return by_task_[task];
}

void TrialReplay::add(const TrialRecord& trial) {
  of(trial.task);  // refuses a task out of range
  std::deque<TrialRecord>& kept = by_task_[trial.task];
  if (static_cast<int>(kept.size()) == capacity_) kept.pop_front();
  kept.push_back(trial);
}

void TrialReplay::add(const RolloutBuffer& buffer) {
  for (const TrialRecord& trial : buffer.trials) add(trial);
}

int TrialReplay::size(int task) const { return static_cast<int>(of(task).size()); }

std::vector<const TrialRecord*> TrialReplay::sample(int task, int count, Rng& rng) const {
  const std::deque<TrialRecord>& kept = of(task);
  if (kept.empty())
    throw Error("trial replay: no trial of task " + std::to_string(task) + " to sample");
  std::vector<const TrialRecord*> out;
  for (int i = 0; i < count; ++i) out.push_back(&kept[rng.below(kept.size())]);
  return out;
}

}  // namespace htrmrl
