// The benchmark registry: adding a family is one folder under envs/ and one line here.
#include <map>

#include "common/error.hpp"
#include "envs/benchmark.hpp"
#include "envs/point_robot/point_robot.hpp"

namespace htrmrl {
namespace {

const std::map<std::string, BenchmarkFactory>& registry() {
  static const std::map<std::string, BenchmarkFactory> r = {
      {"point-robot", [](uint64_t s) { return make_point_robot_benchmark(s, false); }},
      {"point-robot-sparse", [](uint64_t s) { return make_point_robot_benchmark(s, true); }},
  };
  return r;
}

}  // namespace

std::vector<std::string> benchmark_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

bool has_benchmark(const std::string& name) { return registry().count(name) > 0; }

Benchmark make_benchmark(const std::string& name, uint64_t seed) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : benchmark_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown benchmark '" + name + "' (known: " + known + ")");
  }
  return it->second(seed);
}

}  // namespace htrmrl
