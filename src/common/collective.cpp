#include "common/collective.hpp"

#include <algorithm>

namespace htrmrl {

std::pair<int64_t, int64_t> rank_block(int64_t n, int rank, int ranks) {
  return {n * rank / ranks, n * (rank + 1) / ranks};
}

std::vector<int64_t> all_gather_counts(Collective& group, int64_t count) {
  auto all = group.all_gather(torch::tensor({count}, torch::kInt64));
  return std::vector<int64_t>(all.data_ptr<int64_t>(), all.data_ptr<int64_t>() + all.numel());
}

torch::Tensor gather_rows(Collective& group, const torch::Tensor& rows) {
  const std::vector<int64_t> counts = all_gather_counts(group, rows.size(0));
  // All-gather wants equal shapes: pad every rank's rows to the longest, then cut them back.
  const int64_t longest = *std::max_element(counts.begin(), counts.end());
  auto shape = rows.sizes().vec();
  shape[0] = longest;
  auto padded = torch::zeros(shape, rows.options());
  padded.narrow(0, 0, rows.size(0)).copy_(rows);
  auto all = group.all_gather(padded);
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < group.size(); ++r) parts.push_back(all[r].narrow(0, 0, counts[r]));
  return torch::cat(parts);
}

}  // namespace htrmrl
