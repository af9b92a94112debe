// What a PPO update iterates over, and which of it this process evaluates: the plumbing
// between the update's loss (ppo.cpp) and the agent kinds and ranks it runs for.
//   units   a context agent's unit is one sample, its context rebuilt from tokens and windows;
//           a recurrent agent's is one segment of bptt tokens (segments.hpp)
//   shard   with a group of ranks, the update's units are every rank's in rank order, and each
//           rank evaluates the ids of a minibatch that fall in its own block
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "common/collective.hpp"
#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// What the update iterates over: `size()` units, each a list of samples; evaluate() returns
// the policy outputs of a minibatch's samples in the order it lists their ids.
class UpdateUnits {
 public:
  virtual ~UpdateUnits() = default;
  virtual int64_t size() const = 0;
  virtual void begin_epoch() {}
  virtual PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                                std::vector<int64_t>& samples) = 0;
  // Sequences encoded so far (context agents; the work deduplication saves).
  virtual int64_t encoded_sequences() const { return 0; }
};

// The units of the agent's kind: segments of bptt tokens for a recurrent agent, samples (their
// contexts deduplicated when `deduplicate`) for a context agent.
std::unique_ptr<UpdateUnits> make_update_units(Agent& agent, const RolloutBuffer& buffer,
                                               int bptt, bool deduplicate,
                                               const torch::Device& device);

// The units this process evaluates. Alone: all of them. With a group, the update's units are
// every rank's in rank order (trial-major, as one process holding all trials lists them): the
// global shuffle and minibatches are the single process's, and each rank evaluates the ids of
// a minibatch that fall in its own block.
class Shard {
 public:
  Shard(Collective* group, int64_t units) : count_(units), total_(units) {
    if (!group) return;
    const std::vector<int64_t> counts = all_gather_counts(*group, units);
    first_ = std::accumulate(counts.begin(), counts.begin() + group->rank(), int64_t{0});
    total_ = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  }
  int64_t total() const { return total_; }
  // This process's units among order[begin, end), as local ids, in that order.
  std::vector<int64_t> select(const std::vector<int64_t>& order, int64_t begin,
                              int64_t end) const {
    std::vector<int64_t> mine;
    for (int64_t i = begin; i < end; ++i)
      if (order[i] >= first_ && order[i] < first_ + count_) mine.push_back(order[i] - first_);
    return mine;
  }

 private:
  int64_t first_ = 0, count_, total_;
};

}  // namespace htrmrl
