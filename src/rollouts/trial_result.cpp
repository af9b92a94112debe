#include "rollouts/trial_result.hpp"

#include <torch/torch.h>

namespace htrmrl {

std::vector<TrialResult> gather_results(Collective& group, const std::vector<TrialResult>& mine,
                                        int episodes) {
  // One row per trial: task, unstable steps, success per episode, return per episode.
  const int64_t width = 2 + 2 * static_cast<int64_t>(episodes);
  auto rows = torch::empty({static_cast<int64_t>(mine.size()), width}, torch::kFloat64);
  double* p = rows.data_ptr<double>();
  for (const TrialResult& t : mine) {
    *p++ = t.task;
    *p++ = t.unstable_steps;
    for (int k = 0; k < episodes; ++k) *p++ = t.success[k];
    for (int k = 0; k < episodes; ++k) *p++ = t.returns[k];
  }
  auto all = gather_rows(group, rows);
  std::vector<TrialResult> out(all.size(0));
  const double* q = all.data_ptr<double>();
  for (TrialResult& t : out) {
    t.task = static_cast<int>(*q++);
    t.unstable_steps = static_cast<int>(*q++);
    for (int k = 0; k < episodes; ++k) t.success.push_back(static_cast<char>(*q++));
    for (int k = 0; k < episodes; ++k) t.returns.push_back(static_cast<float>(*q++));
  }
  return out;
}

}  // namespace htrmrl
