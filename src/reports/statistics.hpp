// Aggregates across seeds and methods: mean and standard error, curves over env steps whose
// evaluation points need not coincide, and the paper's average rank.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace htrmrl {

// A run's measurements against env steps, sorted by steps.
using Series = std::vector<std::pair<int64_t, double>>;

double mean(const std::vector<double>& values);
// Sample standard deviation (n - 1) over sqrt(n); NaN for fewer than two values (no band).
double standard_error(const std::vector<double>& values);

// The series' latest value at or before x; none if its first point is after x.
std::optional<double> value_at(const Series& series, int64_t x);

// One point of a curve over seeds.
struct CurvePoint {
  int64_t x = 0;
  double mean = 0;
  double se = 0;  // NaN when n < 2
  int n = 0;      // seeds that contributed
};

// Mean and standard error over seeds at every env-step count any seed was measured at. A seed
// contributes at x its latest value at or before x, and only while x is within its own range
// (a seed that stopped early does not carry its last value forward).
std::vector<CurvePoint> seed_curve(const std::vector<Series>& seeds);

// Ranks of scores, highest = 1; tied scores share the mean of the ranks they span.
std::vector<double> ranks_highest_first(const std::vector<double>& scores);

// Average rank over env steps. per_method[m] maps a task name to method m's success on it
// (already averaged over seeds). Tasks that some method lacks are left out. Points are the
// union of every method's env steps; at each, a method takes its latest value at or before
// it, and points before every method has a value are skipped. Returns, per point, each
// method's rank averaged over tasks (lower is better).
struct RankPoint {
  int64_t x = 0;
  std::vector<double> rank;  // per method
};
std::vector<RankPoint> average_rank(const std::vector<std::map<std::string, Series>>& per_method);

}  // namespace htrmrl
