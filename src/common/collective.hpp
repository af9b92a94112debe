// The collective operations data-parallel training needs from a group of processes (ranks).
// PPO, the trainer and meta-testing take an optional Collective*: none means one process and
// today's code path. The c10d implementation (Gloo, NCCL) is training/distributed.cpp.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace htrmrl {

class Collective {
 public:
  enum class Op { kSum, kMax };

  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise over ranks, in place (float or double); every rank ends with the same bytes.
  virtual void all_reduce(torch::Tensor& values, Op op = Op::kSum) = 0;
  // Every rank's `values` (same shape and type on every rank), stacked in rank order.
  virtual torch::Tensor all_gather(const torch::Tensor& values) = 0;
  virtual void barrier() = 0;
};

// Block [first, last) of n items that rank r of `ranks` owns: contiguous, in rank order,
// sizes differing by at most one.
std::pair<int64_t, int64_t> rank_block(int64_t n, int rank, int ranks);

// One integer from every rank, in rank order.
std::vector<int64_t> all_gather_counts(Collective& group, int64_t count);

// Every rank's rows [n_r, ...] (any n_r, the rest of the shape the same everywhere),
// concatenated in rank order; exact copies, no arithmetic.
torch::Tensor gather_rows(Collective& group, const torch::Tensor& rows);

}  // namespace htrmrl
