// The htrmrl subcommands: each registers itself and its options on the CLI and returns the
// action to run when it is the one chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace htrmrl {

struct Command {
  CLI::App* cli = nullptr;
  std::function<void()> run;
};

Command add_train_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_benchmarks_command(CLI::App& app);
Command add_render_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_embed_command(CLI::App& app);

}  // namespace htrmrl
