#include "reports/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

namespace htrmrl {
namespace {

// Every x any of the series has, sorted and distinct.
std::vector<int64_t> union_of_steps(const std::vector<const Series*>& series) {
  std::set<int64_t> xs;
  for (const Series* s : series)
    for (const auto& p : *s) xs.insert(p.first);
  return {xs.begin(), xs.end()};
}

}  // namespace

double mean(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double standard_error(const std::vector<double>& values) {
  const size_t n = values.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double m = mean(values);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
}

std::optional<double> value_at(const Series& series, int64_t x) {
  // The first point after x; the one before it is the latest at or before x.
  auto after = std::upper_bound(series.begin(), series.end(), x,
                                [](int64_t v, const auto& p) { return v < p.first; });
  if (after == series.begin()) return std::nullopt;
  return std::prev(after)->second;
}

std::vector<CurvePoint> seed_curve(const std::vector<Series>& seeds) {
  std::vector<const Series*> all;
  for (const Series& s : seeds) all.push_back(&s);
  std::vector<CurvePoint> curve;
  for (int64_t x : union_of_steps(all)) {
    std::vector<double> values;
    for (const Series& s : seeds) {
      if (s.empty() || x > s.back().first) continue;
      if (auto v = value_at(s, x)) values.push_back(*v);
    }
    if (values.empty()) continue;
    curve.push_back({x, mean(values), standard_error(values), static_cast<int>(values.size())});
  }
  return curve;
}

std::vector<double> ranks_highest_first(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  // Runs of equal scores in that order share the mean of positions first+1 .. last+1.
  std::vector<double> rank(scores.size());
  for (size_t first = 0; first < order.size();) {
    size_t last = first;
    while (last + 1 < order.size() && scores[order[last + 1]] == scores[order[first]]) ++last;
    const double shared = (static_cast<double>(first + 1) + static_cast<double>(last + 1)) / 2;
    for (size_t i = first; i <= last; ++i) rank[order[i]] = shared;
    first = last + 1;
  }
  return rank;
}

std::vector<RankPoint> average_rank(const std::vector<std::map<std::string, Series>>& per_method) {
  if (per_method.empty()) return {};
  // Tasks every method was measured on.
  std::vector<std::string> tasks;
  for (const auto& [task, series] : per_method.front()) {
    bool everywhere = true;
    for (const auto& m : per_method) everywhere = everywhere && m.count(task) > 0;
    if (everywhere) tasks.push_back(task);
  }
  if (tasks.empty()) return {};
  std::vector<const Series*> all;
  for (const auto& m : per_method)
    for (const auto& task : tasks) all.push_back(&m.at(task));

  // At each point: rank per task, averaged over tasks; skipped while any value is missing.
  std::vector<RankPoint> out;
  const size_t methods = per_method.size();
  for (int64_t x : union_of_steps(all)) {
    RankPoint point{x, std::vector<double>(methods, 0.0)};
    bool complete = true;
    for (const auto& task : tasks) {
      std::vector<double> scores;
      for (const auto& m : per_method) {
        auto v = value_at(m.at(task), x);
        if (!v) break;
        scores.push_back(*v);
      }
      if (scores.size() < methods) {
        complete = false;
        break;
      }
      const auto rank = ranks_highest_first(scores);
      for (size_t i = 0; i < methods; ++i) point.rank[i] += rank[i] / tasks.size();
    }
    if (complete) out.push_back(std::move(point));
  }
  return out;
}

}  // namespace htrmrl
