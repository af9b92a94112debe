// A PPO minibatch's assembly and gradient plumbing: its units split into parts that worker
// threads (and the ranks of a group) evaluate and differentiate side by side, each part's
// stored targets, the means over the whole minibatch that the parts' sums make up, and the
// parts' gradients summed in a fixed order. ppo.cpp holds the loss; this file what surrounds it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "algorithms/update_units.hpp"
#include "common/collective.hpp"
#include "common/thread_pool.hpp"
#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// The per-minibatch diagnostics: KL, policy loss, value loss, entropy, clipped share,
// action standard deviation.
constexpr int64_t kDiagnostics = 6;

// Means over one minibatch's samples, as sums divided by the minibatch's sample count: the
// minibatch may be split in parts (evaluated on worker threads, or on the ranks of a group),
// each summing its own samples, so the parts' gradients add up to the whole's. With a group
// the count and the advantages' moments are every rank's, and scalar statistics are summed
// over the ranks.
class MinibatchMeans {
 public:
  MinibatchMeans(Collective* group, const torch::Tensor& advantages);
  int64_t count() const { return count_; }
  torch::Tensor operator()(const torch::Tensor& x) const {
    return x.sum() / static_cast<double>(count_);
  }
  // Advantages standardised by the minibatch's mean and unbiased deviation (torch's std).
  torch::Tensor standardise(const torch::Tensor& advantages) const;
  // Per-part sums made by operator(), as the minibatch's totals (over the ranks too).
  std::vector<double> totals(const std::vector<std::vector<torch::Tensor>>& parts) const;
  // The largest of every rank's value.
  double max(double value) const;

 private:
  Collective* group_;
  int64_t count_ = 0;
  double sum_ = 0, sum_squares_ = 0;
};

// One part of a minibatch: its units and samples, their policy outputs and targets, then the
// part's loss terms and gradients. Parts are evaluated and differentiated on worker threads.
struct MinibatchPart {
  std::vector<int64_t> units, samples;
  PolicyOutput out;
  torch::Tensor action, old_log_prob, advantage, ret;
  torch::Tensor loss, ratio;
  std::vector<torch::Tensor> diagnostics;  // kDiagnostics of them
  std::vector<torch::Tensor> grads;
};

// The minibatch's units in `workers` parts. One part keeps the shuffled order; several are
// contiguous blocks of the sorted ids, which are trial-major, so each part holds whole runs
// of a trial's samples and deduplication shares their sequences as in one part.
std::vector<MinibatchPart> split_minibatch(std::vector<int64_t> units, int workers);

// Each part's policy outputs (units.evaluate), then the stored targets of its samples in the
// same order: action, old log-probability, advantage, return. One part per worker thread.
void evaluate_parts(ThreadPool& workers, UpdateUnits& units, const RolloutBuffer& buffer,
                    std::vector<MinibatchPart>& parts, const torch::Device& device);

// Each part's loss differentiated on its worker, then the parts' gradients summed in part
// order (the same sum whatever the threads' timing) into the parameters' gradients, then over
// the ranks of a group. A parameter no part reached keeps what zero_grad left.
void sum_gradients(ThreadPool& workers, std::vector<MinibatchPart>& parts,
                   const std::vector<torch::Tensor>& parameters, Collective* group);

}  // namespace htrmrl
