// Past trials kept by task, for learners that learn off-policy (PEARL's per-task replay of
// transitions and encoder context): where the RolloutBuffer holds one iteration's trials and
// is refilled every iteration, a TrialReplay keeps up to `capacity` trials per task across
// iterations, the oldest dropped first, and draws only from the task it is asked for, from
// the caller's stream (derived from the run seed), so a resumed run can replay its draws.
// A kept trial holds what transitions need (memory/transitions.hpp): its task, tokens and
// step ends (step j's transition ends at token step_end[j]); the rest of the record (windows,
// log-densities, values) belongs to on-policy updates and is dropped.
#pragma once

#include <torch/torch.h>

#include <deque>
#include <vector>

#include "common/rng.hpp"
#include "memory/rollout_buffer.hpp"

namespace htrmrl {

class TrialReplay {
 public:
  // Room for `capacity` trials of each of `tasks` tasks.
  TrialReplay(int tasks, int capacity);

  // Keeps a trial under its task (TrialRecord::task), dropping that task's oldest trial when
  // it is full. A task outside [0, tasks) throws htrmrl::Error.
  void add(const TrialRecord& trial);
  // Every trial of an iteration's buffer.
  void add(const RolloutBuffer& buffer);

  int tasks() const { return static_cast<int>(by_task_.size()); }
  int capacity() const { return capacity_; }
  // Trials held for a task.
  int size(int task) const;
  // `count` trials of `task`, drawn uniformly with replacement from rng; the pointers stay
  // valid until the next add. A task without trials (or outside the range) throws.
  std::vector<const TrialRecord*> sample(int task, int count, Rng& rng) const;
  // The task's most recently added trial (a task without trials throws).
  const TrialRecord& newest(int task) const;

  // Every kept trial, into and out of an archive (a checkpoint's); load requires the same
  // number of tasks and replaces what is held.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  const std::deque<TrialRecord>& of(int task) const;

  int capacity_;
  std::vector<std::deque<TrialRecord>> by_task_;
};

}  // namespace htrmrl
