// A benchmark is a task distribution split into disjoint meta-train and meta-test tasks,
// generated deterministically from a seed, plus a factory for environments that run them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.hpp"

namespace htrmrl {

struct Benchmark {
  std::string name;
  EnvSpec spec;
  std::vector<Task> train_tasks;
  std::vector<Task> test_tasks;
  // The family and version of the rules the tasks follow (scenes, randomisation, rewards,
  // success), e.g. "tabletop-1": a result or a checkpoint means the same thing only under the
  // same version.
  std::string suite_version;
  // Makes one environment able to run any task of this benchmark (set_task picks one).
  std::function<std::unique_ptr<Env>()> make_env;
};

// Builds a benchmark from the run's seed.
using BenchmarkFactory = std::function<Benchmark(uint64_t seed)>;

// Every registered benchmark name, sorted.
std::vector<std::string> benchmark_names();
bool has_benchmark(const std::string& name);
// Adds a benchmark under a new name (tests register environments that misbehave on purpose);
// call it before anything reads the registry from another thread.
void register_benchmark(const std::string& name, BenchmarkFactory factory);
// Throws htrmrl::Error naming the unknown benchmark and listing the known ones.
Benchmark make_benchmark(const std::string& name, uint64_t seed);

}  // namespace htrmrl
