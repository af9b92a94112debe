// The acting side of a context agent: each step's windows of a batch of rows (one trial per
// row) become one batched forward pass. Two ways, equal up to float rounding:
//   full    every slot's window is gathered and encoded at every step (Agent::forward; any
//           context agent, and the reference the cached way is tested against);
//   cached  for a SummaryAgent (HTrMRL): a past window is encoded when it is drawn and its
//           summary kept on the device; each step encodes only the current sequences. With
//           agent.resample = "episode" that is once per episode instead of once per step.
// Buffers are allocated once; a step allocates only what LibTorch's operators do.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "memory/context.hpp"
#include "models/agent.hpp"

namespace htrmrl {

class Actor {
 public:
  // rows: trials acted for at once; cache: use the cached way when the agent offers it.
  Actor(Agent& agent, int rows, int slots, int seq_len, TokenLayout layout,
        torch::Device device, bool cache);

  // New trials in every row: forgets the cached summaries.
  void reset();
  // The policy of every row at this step, on the CPU. Row i reads the token buffer tokens[i]
  // through windows [i * slots, (i + 1) * slots); rows with active[i] == 0 are skipped and
  // their outputs are finite but meaningless.
  PolicyOutput act(const float* const* tokens, const Window* windows, const char* active);
  // The embeddings (Agent::embed) of the contexts of the last act(), [rows, d], on the CPU.
  torch::Tensor embedding();
  bool cached() const { return summary_agent_ != nullptr; }
  // Sequences encoded so far (through T1, for HTrMRL): the work the cache saves, for bench.
  int64_t encoded_sequences() const { return encoded_sequences_; }

 private:
  PolicyOutput act_full(const float* const* tokens, const Window* windows, const char* active);
  PolicyOutput act_cached(const float* const* tokens, const Window* windows,
                          const char* active);
  // Encodes the past windows of rows whose draw changed into past_ (cached way).
  void refresh_past(const float* const* tokens, const Window* windows, const char* active);
  torch::Tensor host_tensor(std::vector<int64_t> shape) const;

  Agent& agent_;
  SummaryAgent* summary_agent_ = nullptr;
  int rows_, slots_, seq_len_;
  TokenLayout layout_;
  torch::Device device_;
  // Full way: a dense context on the host, the one last acted on on the device.
  Context host_context_, acted_on_;
  // Cached way: per row the past windows whose summaries past_ holds, the host-side mask of
  // those slots, the current sequences on the host, and the last context acted on.
  std::vector<Window> cached_windows_;
  torch::Tensor past_, past_mask_, current_, current_mask_;
  SummaryContext summary_context_;
  int64_t encoded_sequences_ = 0;
};

}  // namespace htrmrl
