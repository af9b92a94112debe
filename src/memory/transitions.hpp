// A trial's tokens read as transitions (s, a, r, s'), for learners that learn from
// transitions rather than sequences (PEARL's SAC and its context encoder). Token k of a trial
// is [s_k | a_{k-1} | r_{k-1} | d_{k-1}] (trial_memory.hpp), so every token that does not open
// an episode ends one transition: (token k-1's state, token k's action and reward, token k's
// state). A transition is named by that token, its end.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "memory/trial_memory.hpp"

namespace htrmrl {

// Transitions as tensors: obs and next_obs [..., obs_dim], act [..., act_dim] (as the
// environment executed it), rew [..., 1].
struct Transitions {
  torch::Tensor obs, act, rew, next_obs;

  Transitions to(const torch::Device& device) const {
    return {obs.to(device), act.to(device), rew.to(device), next_obs.to(device)};
  }
};

// The ends of the transitions of the trial's first `max_episodes` episodes (all by default),
// in order: the tokens among tokens[0, num_tokens) that do not open an episode.
std::vector<int32_t> transition_ends(const float* tokens, int num_tokens, TokenLayout layout,
                                     int max_episodes = std::numeric_limits<int>::max());

// Uninitialised CPU tensors for n transitions.
Transitions allocate_transitions(int64_t n, TokenLayout layout);
// Writes the transition ending at token `end` of a trial's tokens into row `row` of out.
void write_transition(const float* tokens, int32_t end, TokenLayout layout, Transitions& out,
                      int64_t row);
// The transitions ending at ends[0, n) of one trial's tokens, on the CPU, each [n, dim].
Transitions gather_transitions(const float* tokens, const int32_t* ends, int64_t n,
                               TokenLayout layout);

}  // namespace htrmrl
