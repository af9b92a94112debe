// How a rollout turns a group of trials' memories into this step's policy: the seam between
// the sampler, which knows nothing of agent kinds, and the agents. Four kinds today:
//   ContextActing    context agents (HTrMRL, TrMRL, flat): each trial's windows become one
//                    batched forward pass through an Actor (cached or full, actor.hpp); any
//                    grouping of trials gives the same numbers, so groups may act apart
//   RecurrentActing  RL^2: one recurrent state per trial (zeros at the trial's start) fed
//                    every token of the trial in buffer order; the state is one batch, so
//                    all trials act as one group
//   GradientActing   MAML (gradient_acting.hpp): the meta-policy on the current state, then
//                    per trial the parameters adapted on its adaptation episodes
//   PosteriorActing  PEARL (posterior_acting.hpp): per trial a task latent drawn at each
//                    episode's start, from the prior, then from the posterior of the trial's
//                    transitions; the policy on the current state and that latent
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "memory/trial_memory.hpp"
#include "models/agent.hpp"
#include "rollouts/rollout_state.hpp"

namespace htrmrl {

class Acting {
 public:
  virtual ~Acting() = default;
  // The policy of trials [begin, end) at this step, on the CPU (output row r = trial
  // begin + r), from their memories and this step's windows (already drawn for active
  // trials). Inactive trials' rows are finite but meaningless.
  virtual PolicyOutput act(RolloutState& state, int begin, int end) = 0;
  // The embeddings of the last act(), [end - begin, d], on the CPU.
  virtual torch::Tensor embedding() = 0;
  // Row `row` (trial begin + row) starts a new trial: its memory was cleared, so whatever was
  // kept of its old one (cached summaries, a recurrent state) is dropped. The sampler never
  // reuses a row; Python's TrialPolicy does.
  virtual void restart(int row) = 0;
};

// What acting needs to know of the rollout beyond its state.
struct ActingOptions {
  int slots = 1;
  int seq_len = 1;
  TokenLayout layout;
  torch::Device device{torch::kCPU};
  bool cache_summaries = true;  // act on cached past summaries when the agent offers it
};

// The last token of each of trials [begin, begin + rows)'s memories: its current state's
// observation, [rows, obs_dim] on the CPU.
torch::Tensor current_observations(const RolloutState& state, int begin, int rows,
                                   TokenLayout layout);

// Whether the agent's trials may be split into groups that act apart (context agents).
bool acts_per_trial(Agent& agent);
// The acting of the agent's kind for trials [begin, end).
std::unique_ptr<Acting> make_acting(Agent& agent, int begin, int end,
                                    const ActingOptions& options);

}  // namespace htrmrl
