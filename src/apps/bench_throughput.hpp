// htrmrl bench: throughput of the three costs of meta-training, each with the naive path it
// replaces measured side by side in the same process, plus the machine's matrix-multiply
// peak and the achieved GFLOP/s against it (bench_throughput.cpp says how each is counted).
#pragma once

#include <nlohmann/json.hpp>

#include "training/config.hpp"

namespace htrmrl {

struct ThroughputOptions {
  int repeats = 5;
  int batch = 16;             // trials per rollout (built-in bench config only)
  bool from_config = false;   // bench the given config as is (else the paper-default context)
  bool skip_naive = false;    // measure only the fast paths
};

nlohmann::json run_throughput_bench(Config config, const ThroughputOptions& options);

}  // namespace htrmrl
