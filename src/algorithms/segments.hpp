// RL^2's truncated backpropagation through time: each trial cut into segments of bptt tokens,
// the recurrent state at every segment's start recomputed with the current parameters, and a
// minibatch of segments unrolled into the policy outputs of the steps they hold. PPO's
// update (ppo.cpp) sees a segment as one unit, as it sees one sample of a context agent.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "memory/rollout_buffer.hpp"
#include "models/agent.hpp"

namespace htrmrl {

// A recurrent agent's unit of update (truncated BPTT): tokens [token_begin, token_end) of one
// trial, and the steps [step_begin, step_end) that act at a token inside them. A step acts at
// its current state's token, its current window's end - 1 (step_token).
struct Segment {
  int32_t trial = 0;
  int32_t token_begin = 0, token_end = 0;
  int32_t step_begin = 0, step_end = 0;
};

// Token index of step s of trial t: the last token of its current (last-slot) window.
int32_t step_token(const RolloutBuffer& buffer, int32_t trial, int32_t step);
// Each trial cut into consecutive segments of bptt tokens (the last one shorter); segments in
// which no step acts (a lone terminal token, with bptt = 1) are left out.
std::vector<Segment> make_segments(const RolloutBuffer& buffer, int bptt);
// The recurrent states at each segment's first token, [segments, H], recomputed with the
// agent's current parameters: one no-grad unroll of every trial from a zero state.
torch::Tensor segment_start_states(RecurrentAgent& agent, const RolloutBuffer& buffer,
                                   const std::vector<Segment>& segments,
                                   const torch::Device& device);
// Policy outputs of the steps of segments units[begin, end), segment by segment and step by
// step, each segment unrolled from its start state (start_states [segments, H]); their
// sample ids (indices into buffer.samples) are appended to `samples` in the same order.
PolicyOutput evaluate_segments(RecurrentAgent& agent, const RolloutBuffer& buffer,
                               const std::vector<Segment>& segments,
                               const torch::Tensor& start_states,
                               const std::vector<int64_t>& units, int64_t begin, int64_t end,
                               const torch::Device& device, std::vector<int64_t>& samples);

}  // namespace htrmrl
