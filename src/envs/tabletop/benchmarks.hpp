// Tabletop benchmarks, with 50 variations per task from the seed. Meta-RL, the goal hidden:
// ML1 (one task, its variations split train/test), ML10 and ML45 (training tasks and held-out
// test tasks). Multi-task, the goal shown and a one-hot task id appended: MT10 and MT50.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "envs/benchmark.hpp"
#include "envs/tabletop/task.hpp"

namespace htrmrl::tabletop {

constexpr int kVariationsPerTask = 50;

// The suite's version: bump it whenever a scene, a randomisation box or rule, a reward or a
// success criterion of an existing task changes (adding a task needs no bump: no result
// depends on it yet). Version 1: the 15 tasks of ML10 as first shipped, and the tasks added
// to the suite after them, listed in docs/tabletop.md.
constexpr int kSuiteVersion = 1;
// "tabletop-<kSuiteVersion>", what every tabletop benchmark reports as its suite_version.
std::string suite_version();

// count distinct variations of a task, drawn uniformly from its box with its rejection
// rule; a pure function of (task, seed).
std::vector<std::vector<double>> make_variations(const TabletopTask& task, uint64_t seed,
                                                 int count = kVariationsPerTask);

// ML1: meta-train variations from the seed, meta-test variations from seed + 1.
Benchmark make_ml1_benchmark(const std::string& task, uint64_t seed);
Benchmark make_ml10_benchmark(uint64_t seed);
Benchmark make_ml45_benchmark(uint64_t seed);
// MT: every task's variations from the seed to train on, and held-out variations of the same
// tasks from seed + 1 to test on (Meta-World scores MT on the training variations: the
// run's train split); observations of 39 + task-count numbers.
Benchmark make_mt10_benchmark(uint64_t seed);
Benchmark make_mt50_benchmark(uint64_t seed);

// The ML10 split, in the paper's order.
const std::vector<std::string>& ml10_train_tasks();
const std::vector<std::string>& ml10_test_tasks();
// The ML45 split: five held-out tasks, the other 45 to train on.
const std::vector<std::string>& ml45_train_tasks();
const std::vector<std::string>& ml45_test_tasks();
// Meta-World's MT10 tasks, in its order (the one-hot's order); MT50 is every task.
const std::vector<std::string>& mt10_tasks();

}  // namespace htrmrl::tabletop
