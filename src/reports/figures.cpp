#include "reports/figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace htrmrl {
namespace {

using nlohmann::json;

const char* const kSteps = "env steps";
const char* const kSuccess = "success rate";

// A run's success over env steps in one split: overall, or on the tasks named `task`
// (variations sharing a name are averaged: they are one task, as in Meta-World's ML1).
Series split_series(const RunData& run, const std::string& split, const std::string& task = "") {
  Series out;
  for (const Evaluation* e : run.split(split)) {
    if (task.empty()) {
      out.emplace_back(e->env_steps, e->success);
      continue;
    }
    std::vector<double> values;
    for (const TaskSuccess& t : e->tasks)
      if (t.name == task) values.push_back(t.success);
    if (!values.empty()) out.emplace_back(e->env_steps, mean(values));
  }
  return out;
}

// Task names of a split across all runs, in order of first appearance.
std::vector<std::string> task_names(const SweepData& sweep, const std::string& split) {
  std::vector<std::string> names;
  for (const RunData& run : sweep.runs)
    for (const Evaluation* e : run.split(split))
      for (const TaskSuccess& t : e->tasks)
        if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  return names;
}

// The non-empty series of a method's runs.
template <typename F>
std::vector<Series> seeds_of(const SweepData& sweep, const std::string& method, F series_of) {
  std::vector<Series> out;
  for (const RunData* run : sweep.runs_of(method))
    if (Series s = series_of(*run); !s.empty()) out.push_back(std::move(s));
  return out;
}

// A JSON number, or null for NaN (no band).
json number(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

// One method's line with its standard-error band.
json curve_json(const std::string& label, size_t colour, const std::vector<CurvePoint>& curve) {
  json x = json::array(), y = json::array(), lo = json::array(), hi = json::array();
  for (const CurvePoint& p : curve) {
    x.push_back(p.x);
    y.push_back(p.mean);
    lo.push_back(number(p.mean - p.se));
    hi.push_back(number(p.mean + p.se));
  }
  return {{"label", label}, {"color", colour}, {"x", x},          {"y", y},
          {"lo", lo},       {"hi", hi},         {"dashed", false}, {"markers", curve.size() == 1}};
}

json panel(const std::string& title, const std::string& xlabel, const std::string& ylabel,
           bool steps_axis, json series) {
  return {{"title", title},   {"xlabel", xlabel},         {"ylabel", ylabel},
          {"ylim", {0, 1.02}}, {"steps_axis", steps_axis}, {"series", std::move(series)}};
}

json figure(const std::string& name, const std::string& title, const std::string& caption,
            json panels, int columns) {
  return {{"name", name},
          {"title", title},
          {"caption", caption},
          {"columns", columns},
          {"panels", std::move(panels)}};
}

// Mean and standard error per index over equally indexed vectors (shorter ones drop out).
std::vector<CurvePoint> per_index(const std::vector<std::vector<double>>& rows) {
  size_t length = 0;
  for (const auto& r : rows) length = std::max(length, r.size());
  std::vector<CurvePoint> out;
  for (size_t k = 0; k < length; ++k) {
    std::vector<double> v;
    for (const auto& r : rows)
      if (k < r.size()) v.push_back(r[k]);
    out.push_back({static_cast<int64_t>(k + 1), mean(v), standard_error(v),
                   static_cast<int>(v.size())});
  }
  return out;
}

// The last value of every run of a method that has one.
template <typename F>
std::vector<double> finals_of(const SweepData& sweep, const std::string& method, F final_of) {
  std::vector<double> out;
  for (const RunData* run : sweep.runs_of(method))
    if (std::optional<double> v = final_of(*run)) out.push_back(*v);
  return out;
}

std::optional<double> final_train(const RunData& run) {
  if (auto e = run.split("train"); !e.empty()) return e.back()->success;
  return std::nullopt;
}

std::optional<double> final_rollout(const RunData& run) {
  if (!run.rollout_success.empty()) return run.rollout_success.back().second;
  return std::nullopt;
}

std::optional<double> final_test(const RunData& run) {
  if (auto e = run.split("test"); !e.empty()) return e.back()->success;
  if (run.final_eval) return run.final_eval->mean_success;
  return std::nullopt;
}

// The env steps a run has reached: its last measurement.
int64_t reached_steps(const RunData& run) {
  int64_t steps = run.rollout_success.empty() ? 0 : run.rollout_success.back().first;
  for (const Evaluation& e : run.evaluations) steps = std::max(steps, e.env_steps);
  return steps;
}

// The meta-train panel's line for one method: evaluations, else the rollouts' success.
json train_curve(const SweepData& sweep, size_t m, Notes& notes) {
  const std::string& method = sweep.methods[m];
  const std::string label = method_label(sweep, method);
  auto evaluated = seeds_of(sweep, method, [](const RunData& r) { return split_series(r, "train"); });
  if (!evaluated.empty()) return curve_json(label, m, seed_curve(evaluated));
  auto rollout = seeds_of(sweep, method, [](const RunData& r) { return r.rollout_success; });
  if (rollout.empty()) return nullptr;
  notes.push_back(label + ": no meta-train evaluations; the meta-train panel shows its training "
                          "rollouts' success (metrics.csv) instead (dashed).");
  json c = curve_json(label + " (rollout success)", m, seed_curve(rollout));
  c["dashed"] = true;
  return c;
}

// The meta-test panel's line for one method: evaluations, else eval.json at the run's end.
json test_curve(const SweepData& sweep, size_t m, Notes& notes) {
  const std::string& method = sweep.methods[m];
  const std::string label = method_label(sweep, method);
  auto evaluated = seeds_of(sweep, method, [](const RunData& r) { return split_series(r, "test"); });
  if (!evaluated.empty()) return curve_json(label, m, seed_curve(evaluated));
  auto final_only = seeds_of(sweep, method, [](const RunData& r) {
    return r.final_eval ? Series{{reached_steps(r), r.final_eval->mean_success}} : Series{};
  });
  if (final_only.empty()) return nullptr;
  notes.push_back(label + ": no periodic meta-test evaluations; its meta-test point is the "
                          "final eval.json.");
  json c = curve_json(label + " (final eval.json)", m, seed_curve(final_only));
  c["markers"] = true;
  return c;
}

}  // namespace

std::string format_mean_se(const std::vector<double>& values) {
  if (values.empty()) return "–";
  const double se = standard_error(values);
  if (std::isnan(se)) return fmt::format("{:.3f} (n={})", mean(values), values.size());
  return fmt::format("{:.3f} ± {:.3f} (n={})", mean(values), se, values.size());
}

json success_figure(const SweepData& sweep, Notes& notes) {
  json train = json::array(), test = json::array();
  for (size_t m = 0; m < sweep.methods.size(); ++m) {
    if (json c = train_curve(sweep, m, notes); !c.is_null()) train.push_back(std::move(c));
    if (json c = test_curve(sweep, m, notes); !c.is_null()) test.push_back(std::move(c));
  }
  json panels = json::array();
  if (!train.empty()) panels.push_back(panel("Meta-train success", kSteps, kSuccess, true, train));
  if (!test.empty()) panels.push_back(panel("Meta-test success", kSteps, kSuccess, true, test));
  if (panels.empty()) {
    notes.push_back("No run has any success measurement yet: no success curves.");
    return nullptr;
  }
  return figure("success", "Success rate during meta-training",
                "Mean over seeds with a band of ± one standard error (no band where a method "
                "has a single seed). Meta-train: evaluations on the training tasks; meta-test: "
                "on the held-out tasks (the paper's Figures 4 and 5).",
                panels, static_cast<int>(panels.size()));
}

json rank_figure(const SweepData& sweep, Notes& notes) {
  json panels = json::array();
  for (const std::string split : {"train", "test"}) {
    // Per method with evaluations of this split: per task, the mean over seeds.
    std::vector<std::map<std::string, Series>> per_method;
    std::vector<size_t> ranked;
    for (size_t m = 0; m < sweep.methods.size(); ++m) {
      std::map<std::string, Series> tasks;
      for (const std::string& task : task_names(sweep, split)) {
        auto seeds = seeds_of(sweep, sweep.methods[m],
                              [&](const RunData& r) { return split_series(r, split, task); });
        if (seeds.empty()) continue;
        Series s;
        for (const CurvePoint& p : seed_curve(seeds)) s.emplace_back(p.x, p.mean);
        tasks[task] = std::move(s);
      }
      if (tasks.empty()) continue;
      per_method.push_back(std::move(tasks));
      ranked.push_back(m);
    }
    const std::string which = split == "train" ? "meta-train" : "meta-test";
    for (size_t m = 0; m < sweep.methods.size(); ++m)
      if (ranked.size() >= 2 && std::find(ranked.begin(), ranked.end(), m) == ranked.end())
        notes.push_back("Average rank (" + which + "): " + method_label(sweep, sweep.methods[m]) +
                        " is left out (no per-task " + which + " evaluations).");
    if (ranked.size() < 2) {
      notes.push_back("Average rank (" + which + "): needs per-task evaluations of at least two "
                      "methods; " + std::to_string(ranked.size()) + " have them.");
      continue;
    }
    const auto ranks = average_rank(per_method);
    json series = json::array();
    for (size_t i = 0; i < ranked.size(); ++i) {
      json x = json::array(), y = json::array();
      for (const RankPoint& p : ranks) {
        x.push_back(p.x);
        y.push_back(p.rank[i]);
      }
      series.push_back({{"label", method_label(sweep, sweep.methods[ranked[i]])},
                        {"color", ranked[i]}, {"x", x}, {"y", y}, {"lo", nullptr},
                        {"hi", nullptr}, {"dashed", false}, {"markers", ranks.size() == 1}});
    }
    json p = panel("Average rank, " + which + " tasks", kSteps, "average rank (1 = best)", true,
                   series);
    const double methods = static_cast<double>(ranked.size());
    p["ylim"] = {0.85, methods + 0.15};
    json ticks = json::array();
    for (size_t r = 1; r <= ranked.size(); ++r) ticks.push_back(r);
    p["yticks"] = ticks;
    panels.push_back(std::move(p));
  }
  if (panels.empty()) return nullptr;
  return figure("average_rank", "Average rank of the methods over tasks",
                "At each evaluation point the methods are ranked per task by success rate "
                "(mean over seeds; highest = 1, ties share the mean of their ranks) and the "
                "ranks are averaged over tasks; lower is better (the paper's Figure 6). "
                "Methods evaluated at different env steps are compared at the union of their "
                "points, each with its latest evaluation at or before the point.",
                panels, static_cast<int>(panels.size()));
}

json task_figure(const SweepData& sweep, Notes& notes) {
  // Every task of the largest benchmark (MT50's 50): a user of a 50-task run sees them all.
  const size_t kMaxPanels = 50;
  auto names = task_names(sweep, "test");
  if (names.empty()) {
    notes.push_back("No per-task meta-test evaluations (evaluations.jsonl): no per-task panels.");
    return nullptr;
  }
  if (names.size() > kMaxPanels) {
    notes.push_back(fmt::format("Per-task panels: the first {} of {} meta-test tasks.",
                                kMaxPanels, names.size()));
    names.resize(kMaxPanels);
  }
  json panels = json::array();
  for (const std::string& task : names) {
    json series = json::array();
    for (size_t m = 0; m < sweep.methods.size(); ++m) {
      auto seeds = seeds_of(sweep, sweep.methods[m],
                            [&](const RunData& r) { return split_series(r, "test", task); });
      if (!seeds.empty())
        series.push_back(curve_json(method_label(sweep, sweep.methods[m]), m, seed_curve(seeds)));
    }
    panels.push_back(panel(task, kSteps, kSuccess, true, std::move(series)));
  }
  const int columns = static_cast<int>(std::min<size_t>(5, panels.size()));
  return figure("task_success", "Meta-test success per task",
                "One panel per held-out task (variations sharing a name are averaged into one "
                "task): mean over seeds ± one standard error.",
                std::move(panels), columns);
}

json episode_figure(const SweepData& sweep, Notes& notes) {
  json panels = json::array();
  for (const std::string split : {"train", "test"}) {
    json series = json::array();
    int adaptation = 0;
    bool from_eval_json = false;
    for (size_t m = 0; m < sweep.methods.size(); ++m) {
      // Each run's last evaluation of the split; for meta-test, eval.json if it has none.
      std::vector<std::vector<double>> rows;
      for (const RunData* run : sweep.runs_of(sweep.methods[m])) {
        if (auto e = run->split(split); !e.empty()) {
          rows.push_back(e.back()->success_by_episode);
          adaptation = std::max(adaptation, e.back()->adaptation_episodes);
        } else if (split == "test" && run->final_eval) {
          rows.push_back(run->final_eval->success_by_episode);
          from_eval_json = true;
        }
      }
      if (!rows.empty())
        series.push_back(curve_json(method_label(sweep, sweep.methods[m]), m, per_index(rows)));
    }
    if (series.empty()) continue;
    for (json& s : series) s["markers"] = true;
    const std::string which = split == "train" ? "Meta-train" : "Meta-test";
    json p = panel(which + " tasks, final evaluation", "episode within the trial", kSuccess,
                   false, std::move(series));
    if (adaptation > 0) p["vline"] = {{"x", adaptation + 0.5}, {"label", "end of adaptation"}};
    if (from_eval_json) notes.push_back("Success by episode (meta-test): from eval.json for runs "
                                        "without periodic evaluations.");
    panels.push_back(std::move(p));
  }
  if (panels.empty()) return nullptr;
  return figure("success_by_episode", "Success by episode within a trial",
                "Success rate at each episode index of the trial (memory kept across the "
                "trial's episodes), at each run's final evaluation; mean over seeds ± one "
                "standard error. A method that adapts improves over the first episodes; the "
                "dotted line ends the adaptation episodes.",
                panels, static_cast<int>(panels.size()));
}

std::string final_table(const SweepData& sweep) {
  std::string md =
      "| method | runs with data | env steps reached | meta-train success | meta-test success |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const std::string& method : sweep.methods) {
    const auto runs = sweep.runs_of(method);
    size_t with_data = 0;
    int64_t reached = 0;
    for (const RunData* r : runs) {
      with_data += r->missing.empty() ? 1 : 0;
      reached = std::max(reached, reached_steps(*r));
    }
    // Meta-train from evaluations; from the rollouts where a method has none.
    std::vector<double> train = finals_of(sweep, method, final_train);
    std::string train_text = format_mean_se(train);
    if (train.empty()) {
      train = finals_of(sweep, method, final_rollout);
      if (!train.empty()) train_text = format_mean_se(train) + " (rollout)";
    }
    md += fmt::format("| {} | {} / {} | {} | {} | {} |\n", method_label(sweep, method), with_data,
                      runs.size(), reached, train_text,
                      format_mean_se(finals_of(sweep, method, final_test)));
  }
  return md;
}

std::string episodes_by_length_tables(const SweepData& sweep) {
  const GridKey* k_key = nullptr;
  const GridKey* s_key = nullptr;
  std::vector<const GridKey*> others;
  for (const GridKey& g : sweep.grid) {
    if (g.key == "agent.episodes") k_key = &g;
    else if (g.key == "agent.seq_len") s_key = &g;
    else others.push_back(&g);
  }
  if (!k_key || !s_key) return "";

  // The other keys' value combinations present among the runs, each its own table.
  auto others_of = [&](const RunData& r) {
    std::string text;
    for (const GridKey* g : others) {
      auto it = r.overrides.find(g->key);
      text += (text.empty() ? "" : ", ") + g->key + "=" + (it == r.overrides.end() ? "?" : it->second);
    }
    return text;
  };
  std::vector<std::string> groups;
  for (const RunData& r : sweep.runs)
    if (std::find(groups.begin(), groups.end(), others_of(r)) == groups.end())
      groups.push_back(others_of(r));

  // Final meta-train success per run: evaluations, else the last rollout (footnoted).
  bool used_rollout = false;
  auto final_of = [&](const RunData& r) {
    if (auto v = final_train(r)) return v;
    auto v = final_rollout(r);
    used_rollout = used_rollout || v.has_value();
    return v;
  };
  std::string md;
  for (const std::string& group : groups) {
    if (!group.empty()) md += "\n" + group + ":\n\n";
    md += "| K \\ S |";
    for (const auto& s : s_key->values) md += " S=" + s + " |";
    md += "\n| --- |";
    for (size_t i = 0; i < s_key->values.size(); ++i) md += " --- |";
    md += "\n";
    for (const auto& k : k_key->values) {
      md += "| K=" + k + " |";
      for (const auto& s : s_key->values) {
        std::vector<double> finals;
        for (const RunData& r : sweep.runs) {
          if (others_of(r) != group || r.overrides.count(k_key->key) == 0 ||
              r.overrides.count(s_key->key) == 0 || r.overrides.at(k_key->key) != k ||
              r.overrides.at(s_key->key) != s)
            continue;
          if (auto v = final_of(r)) finals.push_back(*v);
        }
        md += " " + format_mean_se(finals) + " |";
      }
      md += "\n";
    }
  }
  if (used_rollout)
    md += "\nRuns without meta-train evaluations count with their last training rollout's "
          "success (metrics.csv).\n";
  return md;
}

}  // namespace htrmrl
