#include "reports/report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "common/files.hpp"
#include "reports/embed.hpp"
#include "reports/figures.hpp"
#include "reports/plotting.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The embedding map shows at most this many task groups, with at least this many points.
constexpr int kMapGroups = 10;
constexpr int kMapPoints = 300;

// The runs whose embeddings are mapped: one seed of the first method of agent.kind htrmrl and
// of trmrl (the paper's Figure 3); without either, one of the first method of each kind.
std::vector<const RunData*> runs_to_map(const SweepData& sweep, Notes& notes) {
  auto kind_of = [](const RunData* r) { return r->config ? r->config->agent.kind : ""; };
  auto has_checkpoint = [](const RunData* r) {
    return fs::exists(r->dir + "/checkpoints/latest.pt");
  };
  std::vector<std::string> kinds;
  for (const RunData& r : sweep.runs)
    if (r.config && std::find(kinds.begin(), kinds.end(), kind_of(&r)) == kinds.end())
      kinds.push_back(kind_of(&r));
  std::vector<std::string> wanted;
  for (const std::string k : {"htrmrl", "trmrl"})
    if (std::find(kinds.begin(), kinds.end(), k) != kinds.end()) wanted.push_back(k);
  if (wanted.empty()) wanted = kinds;

  std::vector<const RunData*> chosen;
  for (const std::string& kind : wanted) {
    const RunData* pick = nullptr;
    for (const std::string& method : sweep.methods)
      for (const RunData* r : sweep.runs_of(method))
        if (!pick && kind_of(r) == kind && has_checkpoint(r)) pick = r;
    if (pick) chosen.push_back(pick);
    else notes.push_back("Embedding map: no run of agent.kind " + kind + " has a checkpoint.");
  }
  return chosen;
}

// The t-SNE figure (the paper's Figure 3): embeddings written to data/, projected and drawn
// by plots.py with a random_state from the sweep's first seed.
json tsne_figure(const SweepData& sweep, const fs::path& staging, Notes& notes) {
  json panels = json::array();
  std::string legend_title = "task", caption;
  for (const RunData* run : runs_to_map(sweep, notes)) {
    EmbedOptions options;
    options.map_groups = kMapGroups;
    options.min_points = kMapPoints;
    const Embeddings e = embed_run(run->dir, options);
    const std::string csv = "data/embeddings_" + std::to_string(panels.size()) + ".csv";
    write_file_atomic((staging / csv).string(), embeddings_csv(e));
    const std::string benchmark = run->config->env.benchmark;
    const bool by_name = e.grouping == TaskGrouping::kByName;
    const bool one_task = std::set<std::string>(e.task_names.begin(), e.task_names.end()).size() == 1;
    legend_title = by_name ? "task" : benchmark.rfind("point-robot", 0) == 0 ? "goal index"
                                  : one_task ? "variation index" : "task index";
    caption = by_name ? "Colour: the task (up to 5 variations of each)."
              : one_task ? "Colour: variation index. On " + benchmark + " every task is a "
                           "variation of one task (" + e.task_names.front() + ")."
              : "Colour: " + legend_title + " (" + benchmark + "'s tasks are its " +
                    (legend_title == "goal index" ? "goals" : "tasks") + ").";
    panels.push_back({{"title", fmt::format("{} ({}, seed {})", method_label(sweep, run->method),
                                            e.kind, run->seed)},
                      {"csv", csv},
                      {"colour_by", by_name ? "name" : "task"}});
  }
  if (panels.empty()) return nullptr;
  return {{"name", "embeddings_tsne"},
          {"kind", "tsne"},
          {"title", "t-SNE of task embeddings (meta-train tasks)"},
          {"legend_title", legend_title},
          {"random_state", sweep.seeds.empty() ? 0 : sweep.seeds.front()},
          {"caption", fmt::format("Each point is one episode's task embedding at its last step "
                                  "(z_task for HTrMRL; the encoder output at the current state "
                                  "for TrMRL and flat; the GRU state for RL^2 and VariBAD; the "
                                  "adapted policy's features for MAML; the episode's drawn "
                                  "latent z for PEARL), from trials on "
                                  "up to {} meta-train tasks. {} t-SNE: perplexity min(30, "
                                  "(points - 1) / 3), PCA initialisation, random_state = the "
                                  "sweep's first seed.",
                                  kMapGroups, caption)},
          {"panels", panels}};
}

// What the sweep is: its origin, methods, seeds and budget.
std::string sweep_section(const SweepData& sweep) {
  std::string md = "## Sweep\n\n";
  md += "- config: `" + (sweep.config.empty() ? std::string("built-in defaults") : sweep.config) + "`";
  for (const std::string& s : sweep.sets) md += ", `--set " + s + "`";
  md += "\n- seeds:";
  for (int64_t s : sweep.seeds) md += " " + std::to_string(s);
  md += "\n";
  for (const GridKey& g : sweep.grid) {
    md += "- grid `" + g.key + "`:";
    for (const auto& v : g.values) md += " " + v;
    md += "\n";
  }
  md += "\n| method | agent.kind | benchmark | suite version | budget (train.total_env_steps) "
        "| runs |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const std::string& method : sweep.methods) {
    std::set<std::string> kinds, benchmarks, suites, budgets;
    const auto runs = sweep.runs_of(method);
    for (const RunData* r : runs)
      if (r->config) {
        kinds.insert(r->config->agent.kind);
        benchmarks.insert(r->config->env.benchmark);
        suites.insert(r->config->env.suite_version);
        budgets.insert(std::to_string(r->config->train.total_env_steps));
      }
    auto join = [](const std::set<std::string>& s) {
      std::string out;
      for (const auto& v : s) out += (out.empty() ? "" : ", ") + v;
      return out.empty() ? std::string("?") : out;
    };
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", method_label(sweep, method),
                      join(kinds), join(benchmarks), join(suites), join(budgets), runs.size());
  }
  return md + "\n";
}

// One figure's section: heading, image linked to its SVG, caption.
std::string figure_section(const std::string& heading, const json& fig) {
  const std::string name = fig.at("name");
  return "## " + heading + "\n\n![" + fig.at("title").get<std::string>() + "](" + name +
         ".png)\n\n" + fig.at("caption").get<std::string>() + " ([SVG](" + name + ".svg))\n\n";
}

// Replaces dir/report by staging in two renames; the old report is removed afterwards.
void swap_in(const fs::path& staging, const fs::path& target) {
  const fs::path old = target.string() + ".old-" + std::to_string(getpid());
  if (fs::exists(target)) fs::rename(target, old);
  fs::rename(staging, target);
  fs::remove_all(old);
}

// A warning when the runs were made on more than one version of a task suite's rules: their
// figures do not compare. Empty when they agree.
std::string suite_warning(const SweepData& sweep) {
  std::set<std::string> suites;
  for (const RunData& r : sweep.runs)
    if (r.config) suites.insert(r.config->env.suite_version);
  if (suites.size() < 2) return "";
  std::string list;
  for (const auto& s : suites) list += (list.empty() ? "" : ", ") + s;
  return "**These runs were made on different suite versions (" + list +
         "): the rules of their tasks differ, so their figures do not compare. The table "
         "below says which method ran on which.**\n\n";
}

// Builds the whole report in `staging`.
void build(const SweepData& sweep, const ReportOptions& options, const fs::path& staging) {
  Notes notes;
  for (const RunData& r : sweep.runs)
    if (!r.missing.empty()) notes.push_back("Run " + r.name + ": " + r.missing + ".");

  // Figures with their report headings, in report order.
  std::vector<std::pair<std::string, json>> figures = {
      {"Success over training (Figures 4 and 5)", success_figure(sweep, notes)},
      {"Average rank (Figure 6)", rank_figure(sweep, notes)},
      {"Meta-test success per task", task_figure(sweep, notes)},
      {"Adaptation within a trial", episode_figure(sweep, notes)}};
  if (options.embeddings)
    figures.push_back({"Task embeddings (Figure 3)", tsne_figure(sweep, staging, notes)});
  else
    notes.push_back("Embedding map skipped (--no-embeddings).");
  figures.erase(std::remove_if(figures.begin(), figures.end(),
                               [](const auto& f) { return f.second.is_null(); }),
                figures.end());

  // The numbers, then the drawing.
  json spec = {{"figures", json::array()}};
  for (const auto& f : figures) spec["figures"].push_back(f.second);
  const std::string spec_path = (staging / "data" / "plots.json").string();
  write_file_atomic(spec_path, spec.dump(1) + "\n");
  if (!figures.empty()) draw_figures(spec_path, staging.string());

  std::string md = "# Report: " + fs::path(sweep.dir).lexically_normal().filename().string() +
                   "\n\nMade by `" + options.command + "`. The plotted numbers are in "
                   "`data/plots.json`.\n\n" + suite_warning(sweep) + sweep_section(sweep);
  for (const auto& [heading, fig] : figures) md += figure_section(heading, fig);
  md += "## Final success\n\nAt each run's last evaluation (meta-test: its last periodic "
        "evaluation, else eval.json); mean ± standard error over seeds.\n\n" + final_table(sweep);
  if (const std::string ks = episodes_by_length_tables(sweep); !ks.empty())
    md += "\n## Final meta-train success by K and S (Table 1)\n\n"
          "Rows: K (agent.episodes), columns: S (agent.seq_len).\n\n" + ks;
  md += "\n## Notes\n\n";
  if (notes.empty()) md += "Every run has data.\n";
  for (const std::string& n : notes) md += "- " + n + "\n";
  write_file_atomic((staging / "report.md").string(), md);
}

}  // namespace

std::string write_report(const std::string& sweep_dir, const ReportOptions& options) {
  const SweepData sweep = load_sweep(sweep_dir);
  const fs::path target = fs::path(sweep_dir) / "report";
  const fs::path staging = fs::path(sweep_dir) / ("report.tmp-" + std::to_string(getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging / "data");
  try {
    build(sweep, options, staging);
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  swap_in(staging, target);
  return target.string();
}

}  // namespace htrmrl
