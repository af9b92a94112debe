#include "reports/sweep_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Parses JSON text; a syntax error names the file (and line, for JSON lines).
json parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(where + ": not valid JSON (" + e.what() + ")");
  }
}

// Reads a value of the expected type from a JSON object, or fails naming key and file.
template <typename T>
T field(const json& object, const std::string& key, const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw Error(where + ": missing field '" + key + "'");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(where + ": field '" + key + "' has the wrong type");
  }
}

// Complete lines of a file that another process may still be appending to: a last line
// without its newline is a write in progress, not yet data.
std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1)
    lines.push_back(text.substr(begin, end - begin));
  return lines;
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

// One run of the manifest: its name, method, seed, directory and overrides.
RunData parse_run_entry(const std::string& sweep_dir, const json& entry,
                        const std::string& where) {
  RunData run;
  run.name = field<std::string>(entry, "name", where);
  run.method = field<std::string>(entry, "method", where);
  run.seed = field<int64_t>(entry, "seed", where);
  const fs::path relative = field<std::string>(entry, "dir", where);
  run.dir = (relative.is_absolute() ? relative : fs::path(sweep_dir) / relative).string();
  if (entry.contains("overrides"))
    run.overrides = field<std::map<std::string, std::string>>(entry, "overrides", where);
  return run;
}

// A run's measurements: whatever files it has so far.
void load_run(RunData& run) {
  if (!fs::is_directory(run.dir)) {
    run.missing = "not started (no run directory)";
    return;
  }
  const std::string config = run.dir + "/config.toml";
  if (!fs::exists(config)) {
    run.missing = "not started (no config.toml)";
    return;
  }
  run.config = load_run_config(run.dir);
  if (const auto path = run.dir + "/metrics.csv"; fs::exists(path))
    run.rollout_success = parse_rollout_success(read_file(path), path);
  if (const auto path = run.dir + "/evaluations.jsonl"; fs::exists(path))
    run.evaluations = parse_evaluations(read_file(path), path);
  if (const auto path = run.dir + "/eval.json"; fs::exists(path))
    run.final_eval = parse_final_eval(read_file(path), path);
  if (run.rollout_success.empty() && run.evaluations.empty() && !run.final_eval)
    run.missing = "started, no measurements yet";
}

}  // namespace

std::vector<const Evaluation*> RunData::split(const std::string& name) const {
  std::vector<const Evaluation*> out;
  for (const Evaluation& e : evaluations)
    if (e.split == name) out.push_back(&e);
  std::stable_sort(out.begin(), out.end(), [](const Evaluation* a, const Evaluation* b) {
    return a->env_steps < b->env_steps;
  });
  return out;
}

std::vector<const RunData*> SweepData::runs_of(const std::string& method) const {
  std::vector<const RunData*> out;
  for (const RunData& r : runs)
    if (r.method == method) out.push_back(&r);
  return out;
}

std::vector<Evaluation> parse_evaluations(const std::string& text, const std::string& path) {
  std::vector<Evaluation> out;
  const auto lines = complete_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}: line {}", path, i + 1);
    const json j = parse_json(lines[i], where);
    Evaluation e;
    e.iteration = field<int64_t>(j, "iteration", where);
    e.env_steps = field<int64_t>(j, "env_steps", where);
    e.split = field<std::string>(j, "split", where);
    if (e.split != "train" && e.split != "test")
      throw Error(where + ": split must be \"train\" or \"test\", not \"" + e.split + "\"");
    e.adaptation_episodes = field<int>(j, "adaptation_episodes", where);
    e.evaluation_episodes = field<int>(j, "evaluation_episodes", where);
    e.success = field<double>(j, "success", where);
    e.success_by_episode = field<std::vector<double>>(j, "success_by_episode", where);
    for (const json& t : field<json>(j, "tasks", where)) {
      TaskSuccess task{field<std::string>(t, "name", where), field<double>(t, "success", where),
                       {}};
      if (t.contains("success_by_episode"))
        task.success_by_episode = field<std::vector<double>>(t, "success_by_episode", where);
      e.tasks.push_back(std::move(task));
    }
    out.push_back(std::move(e));
  }
  return out;
}

Series parse_rollout_success(const std::string& text, const std::string& path) {
  const auto lines = complete_lines(text);
  if (lines.empty()) return {};
  // Columns by name, so added columns do not break the report.
  const auto header = split_commas(lines[0]);
  auto column = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw Error(path + ": no '" + name + "' column in the header");
    return static_cast<size_t>(it - header.begin());
  };
  const size_t steps = column("env_steps"), success = column("train_success");
  Series out;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto cells = split_commas(lines[i]);
    try {
      out.emplace_back(std::stoll(cells.at(steps)), std::stod(cells.at(success)));
    } catch (const std::exception&) {
      throw Error(fmt::format("{}: line {}: unreadable row", path, i + 1));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

FinalEval parse_final_eval(const std::string& text, const std::string& path) {
  const json j = parse_json(text, path);
  return {field<double>(j, "mean_success", path),
          field<std::vector<double>>(j, "success_by_episode", path)};
}

SweepData parse_sweep_manifest(const std::string& text, const std::string& dir,
                               const std::string& path) {
  const json j = parse_json(text, path);
  SweepData s;
  s.dir = dir;
  s.config = j.contains("config") ? field<std::string>(j, "config", path) : "";
  if (j.contains("sets")) s.sets = field<std::vector<std::string>>(j, "sets", path);
  s.seeds = field<std::vector<int64_t>>(j, "seeds", path);
  if (j.contains("grid"))
    for (const json& g : field<json>(j, "grid", path))
      s.grid.push_back({field<std::string>(g, "key", path),
                        field<std::vector<std::string>>(g, "values", path)});
  const json runs = field<json>(j, "runs", path);
  if (!runs.is_array() || runs.empty()) throw Error(path + ": 'runs' lists no runs");
  for (size_t i = 0; i < runs.size(); ++i) {
    s.runs.push_back(parse_run_entry(dir, runs[i], fmt::format("{}: runs[{}]", path, i)));
    const std::string& m = s.runs.back().method;
    if (std::find(s.methods.begin(), s.methods.end(), m) == s.methods.end())
      s.methods.push_back(m);
  }
  return s;
}

SweepData load_sweep(const std::string& dir) {
  const std::string path = dir + "/sweep.json";
  if (!fs::exists(path)) throw Error("'" + dir + "' is not a sweep (no sweep.json)");
  SweepData s = parse_sweep_manifest(read_file(path), dir, path);
  for (RunData& run : s.runs) load_run(run);
  return s;
}

std::string method_label(const SweepData& sweep, const std::string& method) {
  const auto runs = sweep.runs_of(method);
  if (sweep.grid.empty() || runs.empty()) return method;
  std::string label;
  for (const GridKey& g : sweep.grid) {
    auto it = runs.front()->overrides.find(g.key);
    if (it == runs.front()->overrides.end()) return method;
    if (!label.empty()) label += ", ";
    const std::string tail = g.key.substr(g.key.rfind('.') + 1);
    label += sweep.grid.size() == 1 ? it->second : tail + "=" + it->second;
  }
  return label;
}

}  // namespace htrmrl
