// The batched environment behind htrmrl.make: a VectorEnv plus what a Gymnasium-style vector env
// needs on top of it (a task per row, reset seeds, next-step autoreset). Plain C++ on raw
// buffers: the bindings (envs_module.cpp) only convert arrays and release the GIL around it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "envs/vector_env.hpp"

namespace htrmrl::python {

// When an ended episode's row starts its next one.
enum class Autoreset {
  kNextStep,  // Gymnasium's default: the step() after the end resets the row, ignoring its action
  kDisabled,  // only reset() starts episodes; stepping an ended row is an error
};
Autoreset parse_autoreset(const std::string& mode);

// The split's tasks; throws htrmrl::Error for a split other than "train" or "test".
const std::vector<Task>& split_tasks(const Benchmark& benchmark, const std::string& split);

// The seed of a row's k-th reset since the base seed was set: its own stream, so no row's
// episodes depend on another's or on the batch size.
uint64_t reset_seed(uint64_t base, int row, uint64_t episode);

// What one step reports per row, one array each (the bindings copy them into NumPy).
struct StepOutputs {
  std::vector<float> rewards;
  std::vector<char> terminated, truncated, success, unstable, autoreset;
  void resize(int n);
};

class BatchedEnv {
 public:
  // threads: the VectorEnv's pool (the calling thread counts as one).
  BatchedEnv(const std::string& benchmark, int num_envs, uint64_t seed, const std::string& split,
             int threads, Autoreset autoreset);

  int num_envs() const { return envs_.size(); }
  const EnvSpec& spec() const { return envs_.spec(); }
  const std::string& name() const { return benchmark_.name; }
  const std::string& split() const { return split_; }
  const std::vector<Task>& tasks() const { return tasks_; }
  const std::vector<int>& task_indices() const { return task_; }
  Autoreset autoreset() const { return autoreset_; }
  // The observation of every row as of the last reset or step, [num_envs, obs_dim].
  const std::vector<float>& obs() const { return obs_; }
  const StepOutputs& outputs() const { return out_; }

  // Row env_index runs task task_index from its next reset on (explicit or automatic).
  void set_task(int env_index, int task_index);
  // Resets the rows whose mask entry is set (all rows without a mask); a seed restarts every
  // row's reset stream from it.
  void reset(std::optional<uint64_t> seed, const std::vector<char>* mask);
  // One step of every row; actions are [num_envs, act_dim] floats. Throws htrmrl::Error, with
  // nothing stepped, before the first reset, for a non-finite action, or for an ended row when
  // autoreset is disabled.
  void step(const float* actions);

 private:
  void check_step(const float* actions) const;
  void reset_row(int row);

  Benchmark benchmark_;
  std::string split_;
  std::vector<Task> tasks_;
  VectorEnv envs_;
  Autoreset autoreset_;
  std::vector<int> task_;          // the task index each row runs
  uint64_t seed_base_;             // reset seeds derive from it
  std::vector<uint64_t> episode_;  // resets per row since seed_base_ was set
  std::vector<char> ended_;        // the row's episode ended at its last step
  std::vector<char> active_;       // rows the VectorEnv steps this call
  std::vector<StepResult> results_;
  std::vector<float> obs_;
  StepOutputs out_;
  bool started_ = false;           // reset() has been called
};

}  // namespace htrmrl::python
