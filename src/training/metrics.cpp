#include "training/metrics.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"

namespace htrmrl {
namespace {

std::vector<double> row_values(const IterationMetrics& m) {
  return {static_cast<double>(m.iteration), static_cast<double>(m.env_steps), m.wall_seconds,
          m.steps_per_second, m.train_success, m.train_success_first, m.train_success_later,
          m.train_return, static_cast<double>(m.unstable_steps), m.ppo.policy_loss, m.ppo.value_loss, m.ppo.entropy, m.ppo.approx_kl,
          m.ppo.clip_fraction, m.ppo.grad_norm, m.ppo.explained_variance,
          m.ppo.first_ratio_error, static_cast<double>(m.ppo.minibatch_steps),
          m.learning_rate, m.rollout_seconds, m.update_seconds};
}

std::string duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

std::vector<std::string> metrics_columns() {
  return {"iteration",     "env_steps",         "wall_seconds",      "env_steps_per_s",
          "train_success", "train_success_first", "train_success_later", "train_return",
          "unstable_steps",
          "policy_loss",   "value_loss",        "entropy",           "approx_kl",
          "clip_fraction", "grad_norm",         "explained_variance", "ratio_error",
          "minibatch_steps", "learning_rate",
          "rollout_seconds", "update_seconds"};
}

bool is_timing_column(const std::string& name) {
  return name == "wall_seconds" || name == "env_steps_per_s" || name == "rollout_seconds" ||
         name == "update_seconds";
}

MetricsLog::MetricsLog(const std::string& path, int64_t keep_until) {
  // Keep the header and the rows up to keep_until, written back atomically.
  std::vector<std::string> kept;
  if (std::ifstream in(path); in) {
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.rfind("iteration", 0) == 0) continue;
      if (std::stoll(line.substr(0, line.find(','))) <= keep_until) kept.push_back(line);
    }
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    const auto cols = metrics_columns();
    for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
    out << "\n";
    for (const auto& line : kept) out << line << "\n";
    if (!out) throw Error("cannot write metrics file '" + tmp + "'");
  }
  std::filesystem::rename(tmp, path);
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot open metrics file '" + path + "'");
}

void MetricsLog::append(const IterationMetrics& m) {
  const auto values = row_values(m);
  for (size_t i = 0; i < values.size(); ++i)
    out_ << (i ? "," : "") << (i < 2 ? fmt::format("{}", static_cast<int64_t>(values[i]))
                                     : fmt::format("{:.9g}", values[i]));
  out_ << "\n";
  out_.flush();
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
