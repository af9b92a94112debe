// Point robot: a 2-D point mass that must find a hidden goal on the upper half of the unit
// circle (the PEARL / VariBAD navigation benchmark).
#pragma once

#include <cstdint>

#include "envs/benchmark.hpp"

namespace htrmrl {

// sparse=false: reward = -distance to the goal. sparse=true: reward 1 inside the goal
// radius, 0 elsewhere, so only exploration within a trial reveals the goal.
Benchmark make_point_robot_benchmark(uint64_t seed, bool sparse);

}  // namespace htrmrl
