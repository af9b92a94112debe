// The benchmark registry: adding a family is one folder under envs/ and one line here.
#include <map>
#include <utility>

#include "common/error.hpp"
#include "envs/benchmark.hpp"
#include "envs/point_robot/point_robot.hpp"
#include "envs/tabletop/benchmarks.hpp"

namespace htrmrl {
namespace {

std::map<std::string, BenchmarkFactory> make_registry() {
  std::map<std::string, BenchmarkFactory> r = {
      {"point-robot", [](uint64_t s) { return make_point_robot_benchmark(s, false); }},
      {"point-robot-sparse", [](uint64_t s) { return make_point_robot_benchmark(s, true); }},
      {"ml10", [](uint64_t s) { return tabletop::make_ml10_benchmark(s); }},
      {"ml45", [](uint64_t s) { return tabletop::make_ml45_benchmark(s); }},
      {"mt10", [](uint64_t s) { return tabletop::make_mt10_benchmark(s); }},
      {"mt50", [](uint64_t s) { return tabletop::make_mt50_benchmark(s); }},
  };
  // ML1: one benchmark per tabletop task.
  for (const tabletop::TabletopTask* t : tabletop::all_tasks()) {
    const std::string task = t->name();
    r["ml1-" + task] = [task](uint64_t s) { return tabletop::make_ml1_benchmark(task, s); };
  }
  return r;
}

std::map<std::string, BenchmarkFactory>& registry() {
  static std::map<std::string, BenchmarkFactory> r = make_registry();
  return r;
}

}  // namespace

std::vector<std::string> benchmark_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

void register_benchmark(const std::string& name, BenchmarkFactory factory) {
  if (!registry().emplace(name, std::move(factory)).second)
    throw Error("benchmark '" + name + "' is already registered");
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
