// htrmrl benchmarks: the registered benchmark names with their sizes and suite versions.
#include <fmt/format.h>

#include <iostream>

#include "apps/commands.hpp"
#include "envs/benchmark.hpp"

namespace htrmrl {

Command add_benchmarks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("benchmarks", "List the registered benchmarks");
  return {cmd, [] {
            for (const auto& name : benchmark_names()) {
              const Benchmark b = make_benchmark(name, 0);
              std::cout << fmt::format(
                  "{:<24} obs {} act {} episode {} steps, {} train / {} test tasks, {}\n", name,
                  b.spec.obs_dim, b.spec.act_dim, b.spec.max_episode_steps, b.train_tasks.size(),
                  b.test_tasks.size(), b.suite_version);
            }
          }};
}

}  // namespace htrmrl
