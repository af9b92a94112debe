// A batch of environments stepped in parallel on a thread pool. Each environment is one
// worker's mutable state; whatever is immutable (a compiled scene) is shared by the factory.
#pragma once

#include <memory>
#include <vector>

#include "common/thread_pool.hpp"
#include "envs/benchmark.hpp"

namespace htrmrl {

class VectorEnv {
 public:
  VectorEnv(const Benchmark& benchmark, int num_envs, int threads);

  int size() const { return static_cast<int>(envs_.size()); }
  const EnvSpec& spec() const { return spec_; }
  Env& env(int i) { return *envs_[i]; }

  // Steps the environments whose active flag is set; obs is [size, obs_dim], actions
  // [size, act_dim], results [size]. Inactive rows are left untouched.
  void step(const std::vector<char>& active, const float* actions, float* obs,
            StepResult* results) {
    step(0, size(), active, actions, obs, results);
  }
  // The same for rows [begin, end) alone, split among all the pool's threads.
  void step(int begin, int end, const std::vector<char>& active, const float* actions,
            float* obs, StepResult* results);

 private:
  EnvSpec spec_;
  std::vector<std::unique_ptr<Env>> envs_;
  ThreadPool pool_;
};

}  // namespace htrmrl
