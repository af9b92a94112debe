// htrmrl bench --compare-flat: the cost of one PPO minibatch step (forward + backward + Adam
// step) of the flat transformer against HTrMRL over a grid of K x S, with every slot full.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace htrmrl {

struct CompareOptions {
  std::string device = "cpu";
  int threads = 1;
  int repeats = 5;
  int contexts = 64;             // contexts per minibatch
  double memory_limit_gb = 6.0;  // address-space budget per cell (CPU): beyond it, out of memory
  std::vector<int> ks{5, 25, 50};
  std::vector<int> ss{5, 25, 50};
};

// Runs every (kind, K, S) cell in a child process (a fresh peak RSS each, and an allocation
// failure or a kill stays in the child) and collects their results.
nlohmann::json run_compare_flat(const CompareOptions& options);

// One cell, in this process: "htrmrl:25:5" and the like. Never throws on an allocation
// failure: the result says "out of memory".
nlohmann::json run_compare_cell(const CompareOptions& options, const std::string& cell);

}  // namespace htrmrl
