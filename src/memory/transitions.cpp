#include "memory/transitions.hpp"

#include <algorithm>

namespace htrmrl {

std::vector<int32_t> transition_ends(const float* tokens, int num_tokens, TokenLayout layout,
                                     int max_episodes) {
  const int d = layout.size();
  std::vector<int32_t> ends;
  int episodes_closed = 0;
  for (int k = 1; k < num_tokens && episodes_closed < max_episodes; ++k) {
    // Token k - 1's end flag: it closed an episode, and token k opens the next.
    if (tokens[static_cast<size_t>(k - 1) * d + d - 1] != 0) {
      ++episodes_closed;
      continue;
    }
    ends.push_back(k);
  }
  return ends;
}

Transitions allocate_transitions(int64_t n, TokenLayout layout) {
  return {torch::empty({n, layout.obs_dim}), torch::empty({n, layout.act_dim}),
          torch::empty({n, 1}), torch::empty({n, layout.obs_dim})};
}

void write_transition(const float* tokens, int32_t end, TokenLayout layout, Transitions& out,
                      int64_t row) {
  const int d = layout.size(), o = layout.obs_dim, a = layout.act_dim;
  const float* before = tokens + static_cast<size_t>(end - 1) * d;
  const float* after = tokens + static_cast<size_t>(end) * d;
  std::copy_n(before, o, out.obs.data_ptr<float>() + row * o);
  std::copy_n(after + o, a, out.act.data_ptr<float>() + row * a);
  out.rew.data_ptr<float>()[row] = after[o + a];
  std::copy_n(after, o, out.next_obs.data_ptr<float>() + row * o);
}

Transitions gather_transitions(const float* tokens, const int32_t* ends, int64_t n,
                               TokenLayout layout) {
  Transitions t = allocate_transitions(n, layout);
  for (int64_t i = 0; i < n; ++i) write_transition(tokens, ends[i], layout, t, i);
  return t;
}

}  // namespace htrmrl
