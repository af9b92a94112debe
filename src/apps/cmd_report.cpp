// htrmrl report: a sweep's plots and Markdown report; htrmrl embed: a run's task embeddings.
#include <iostream>

#include "apps/commands.hpp"
#include "common/files.hpp"
#include "reports/embed.hpp"
#include "reports/report.hpp"

namespace htrmrl {

Command add_report_command(CLI::App& app) {
  struct Options {
    std::string sweep;
    bool no_embeddings = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Plots and a Markdown report of a sweep");
  cmd->add_option("SWEEP", opts->sweep, "sweep directory (holds sweep.json)")->required();
  cmd->add_flag("--no-embeddings", opts->no_embeddings,
                "skip the t-SNE map (it plays trials with one checkpoint per agent kind)");
  cmd->footer("Writes SWEEP/report/: report.md, a PNG and an SVG per figure, and data/ (the "
              "plotted numbers). Draws with python3-matplotlib and python3-sklearn.");
  return {cmd, [opts] {
    ReportOptions options;
    options.command = "htrmrl report " + opts->sweep + (opts->no_embeddings ? " --no-embeddings" : "");
    options.embeddings = !opts->no_embeddings;
    std::cout << write_report(opts->sweep, options) << "/report.md\n";
  }};
}

Command add_embed_command(CLI::App& app) {
  struct Options {
    std::string run, out;
    EmbedOptions embed;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("embed", "Dump task embeddings of sampled trials as CSV");
  cmd->add_option("--run", opts->run, "run directory")->required();
  cmd->add_option("--checkpoint", opts->embed.checkpoint,
                  "checkpoint file (default: RUN/checkpoints/latest.pt)");
  cmd->add_option("--split", opts->embed.split, "task list: train or test (default train)");
  cmd->add_option("--trials", opts->embed.trials, "trials per task (default 1)");
  cmd->add_option("--out", opts->out, "CSV file to write")->required();
  cmd->footer("One row per (task, trial, episode): the agent's task embedding at the episode's "
              "last step. Columns: task,name,trial,episode,z0..z{d-1}.");
  return {cmd, [opts] {
    const Embeddings e = embed_run(opts->run, opts->embed);
    write_file_atomic(opts->out, embeddings_csv(e));
    std::cout << e.task.size() << " embeddings of size " << e.z.size(1) << " -> " << opts->out
              << "\n";
  }};
}

}  // namespace htrmrl
