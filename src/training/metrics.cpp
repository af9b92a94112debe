#include "training/metrics.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using M = IterationMetrics;

// One metrics.csv column: its name, its TensorBoard tag ("" for the step itself), whether it
// is written as an integer, and its value.
struct Column {
  const char* name;
  const char* tag;
  bool integer;
  double (*value)(const M&);
};

// The trainer's own columns, in file order: these, the learner's (Learner::columns), then
// the timings. The one list the CSV header, rows and tags come from.
const std::vector<Column>& leading_columns() {
  static const std::vector<Column> table = {
      {"iteration", "train/iteration", true, [](const M& m) { return double(m.iteration); }},
      {"env_steps", "", true, [](const M& m) { return double(m.env_steps); }},
      {"wall_seconds", "perf/wall_seconds", false, [](const M& m) { return m.wall_seconds; }},
      {"env_steps_per_s", "perf/env_steps_per_s", false,
       [](const M& m) { return m.steps_per_second; }},
      {"train_success", "train/success", false, [](const M& m) { return m.train_success; }},
      {"train_success_first", "train/success_first", false,
       [](const M& m) { return m.train_success_first; }},
      {"train_success_later", "train/success_later", false,
       [](const M& m) { return m.train_success_later; }},
      {"train_return", "train/return", false, [](const M& m) { return m.train_return; }},
      {"unstable_steps", "env/unstable_steps", true,
       [](const M& m) { return double(m.unstable_steps); }},
  };
  return table;
}
const std::vector<Column>& trailing_columns() {
  static const std::vector<Column> table = {
      {"rollout_seconds", "perf/rollout_seconds", false,
       [](const M& m) { return m.rollout_seconds; }},
      {"update_seconds", "perf/update_seconds", false, [](const M& m) { return m.update_seconds; }},
  };
  return table;
}

// Every column of a run whose learner fills `learner`, in file order.
std::vector<MetricColumn> all_columns(const std::vector<MetricColumn>& learner) {
  std::vector<MetricColumn> out;
  for (const Column& c : leading_columns()) out.push_back({c.name, c.tag, c.integer});
  out.insert(out.end(), learner.begin(), learner.end());
  for (const Column& c : trailing_columns()) out.push_back({c.name, c.tag, c.integer});
  return out;
}

// A row's values in the same order.
std::vector<double> row_values(const M& m) {
  std::vector<double> out;
  for (const Column& c : leading_columns()) out.push_back(c.value(m));
  out.insert(out.end(), m.learner.begin(), m.learner.end());
  for (const Column& c : trailing_columns()) out.push_back(c.value(m));
  return out;
}

// Rewrites metrics.csv (atomically) with what a resume keeps of it; returns the env_steps of
// the last row kept.
int64_t keep_rows(const std::string& path, int64_t keep_until,
                  const std::vector<std::string>& header) {
  const KeptMetrics kept =
      keep_metrics_rows(fs::exists(path) ? read_file(path) : "", keep_until, header, path);
  write_file_atomic(path, kept.text);
  return kept.env_steps;
}

std::string duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

KeptMetrics keep_metrics_rows(const std::string& old, int64_t keep_until,
                              const std::vector<std::string>& header,
                              const std::string& origin) {
  KeptMetrics kept{fmt::format("{}\n", fmt::join(header, ",")), 0};
  size_t number = 0;
  for (size_t begin = 0, end; (end = old.find('\n', begin)) != std::string::npos;
       begin = end + 1) {
    const std::string line = old.substr(begin, end - begin);
    ++number;
    if (line.empty() || line.rfind("iteration", 0) == 0) continue;
    int64_t iteration = 0, env_steps = 0;
    char comma = 0;
    if (!(std::istringstream(line) >> iteration >> comma >> env_steps) || comma != ',')
      throw Error(fmt::format("'{}' line {} is not a metrics row", origin, number));
    if (iteration > keep_until) continue;
    kept.env_steps = env_steps;
    kept.text += line + "\n";
  }
  return kept;
}

std::vector<std::string> metrics_columns(const std::vector<MetricColumn>& learner) {
  std::vector<std::string> names;
  for (const MetricColumn& c : all_columns(learner)) names.push_back(c.name);
  return names;
}

std::vector<std::string> metrics_tags(const std::vector<MetricColumn>& learner) {
  std::vector<std::string> tags;
  for (const MetricColumn& c : all_columns(learner)) tags.push_back(c.tag);
  return tags;
}

bool is_timing_column(const std::string& name) {
  for (const auto* table : {&leading_columns(), &trailing_columns()})
    for (const Column& c : *table)
      if (name == c.name) return std::string(c.tag).rfind("perf/", 0) == 0;
  return false;
}

MetricsLog::MetricsLog(const std::string& path, int64_t keep_until,
                       const std::vector<MetricColumn>& learner)
    : columns_(all_columns(learner)),
      kept_env_steps_(keep_rows(path, keep_until, metrics_columns(learner))),
      out_(path),
      events_(fs::path(path).parent_path().string()) {
  // TensorBoard drops the earlier files' events at steps >= this one: the rows not kept.
  events_.session_start(kept_env_steps_ + 1);
}

void MetricsLog::append(const IterationMetrics& m) {
  std::vector<std::pair<std::string, double>> scalars;
  std::string row;
  const std::vector<double> values = row_values(m);
  if (values.size() != columns_.size())
    throw Error(fmt::format("a metrics row of {} values for {} columns", values.size(),
                            columns_.size()));
  for (size_t i = 0; i < columns_.size(); ++i) {
    const MetricColumn& c = columns_[i];
    const double value = values[i];
    row += (i ? "," : "") + (c.integer ? fmt::format("{}", static_cast<int64_t>(value))
                                       : fmt::format("{:.9g}", value));
    if (!c.tag.empty()) scalars.emplace_back(c.tag, value);
  }
  out_.append(row + "\n");
  events_.scalars(m.env_steps, scalars);
}

void MetricsLog::scalars(int64_t env_steps,
                         const std::vector<std::pair<std::string, double>>& values) {
  events_.scalars(env_steps, values);
}

Progress::Progress(int64_t total_iterations)
    : total_(total_iterations), tty_(isatty(fileno(stderr)) != 0) {}

void Progress::update(const IterationMetrics& m) {
  const double per_iter = m.iteration > 0 ? m.wall_seconds / m.iteration : 0.0;
  const std::string line = fmt::format(
      "iter {}/{} | steps {} | {:.0f} steps/s | success {:.3f} (later eps {:.3f}) | "
      "return {:.2f} | ETA {}",
      m.iteration, total_, m.env_steps, m.steps_per_second, m.train_success,
      m.train_success_later, m.train_return, duration(per_iter * (total_ - m.iteration)));
  // On a terminal one line redrawn in place; in a log one line per iteration.
  if (tty_) std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace htrmrl
