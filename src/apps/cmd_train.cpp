// htrmrl train: start a run from a config (or the built-in default), or resume one.
#include <optional>

#include "apps/commands.hpp"
#include "common/error.hpp"
#include "training/config.hpp"
#include "training/trainer.hpp"

namespace htrmrl {

Command add_train_command(CLI::App& app) {
  struct Options {
    std::string config, out, resume;
    std::vector<std::string> sets;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("train", "Meta-train an agent with PPO");
  cmd->add_option("--config", opts->config,
                  "TOML config file (default: the built-in point-robot-sparse config)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", opts->sets, "override one key: --set ppo.lr=1e-4 (repeatable)");
  auto* out = cmd->add_option("--out", opts->out, "new run directory");
  auto* resume = cmd->add_option("--resume", opts->resume, "continue the run in this directory");
  out->excludes(resume);
  resume->excludes(out);
  cmd->footer("Config keys (TOML tables by prefix):\n" + describe_keys());

  return {cmd, [opts] {
    if (!opts->resume.empty()) {
      if (!opts->config.empty() || !opts->sets.empty())
        throw Error("--resume continues a run with its own config; drop --config and --set");
      train_resume(opts->resume);
      return;
    }
    if (opts->out.empty()) throw Error("train needs --out DIR (or --resume DIR)");
    Config config = opts->config.empty() ? Config{} : load_config(opts->config);
    for (const auto& s : opts->sets) apply_override(config, s);
    train_new(config, opts->out);
  }};
}

}  // namespace htrmrl
