// htrmrl: meta-train, meta-test and benchmark Hierarchical Transformer meta-RL agents.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "apps/commands.hpp"
#include "common/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"htrmrl: online meta-reinforcement learning with hierarchical transformers"};
  app.require_subcommand(1);
  const std::vector<htrmrl::Command> commands = {
      htrmrl::add_train_command(app), htrmrl::add_eval_command(app),
      htrmrl::add_bench_command(app), htrmrl::add_benchmarks_command(app),
      htrmrl::add_render_command(app), htrmrl::add_sweep_command(app),
      htrmrl::add_report_command(app), htrmrl::add_embed_command(app)};
  // A command line CLI11 refuses is bad input like any other: its message, then exit 2
  // (CLI11's own codes differ by error kind); --help and --version still exit 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  spdlog::set_pattern("[%H:%M:%S] %v");
  try {
    for (const auto& command : commands)
      if (command.cli->parsed()) command.run();
  } catch (const htrmrl::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that cannot be used (a file where a folder must go, no permission,
    // a full disk): bad input or a bad place, not a bug.
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
