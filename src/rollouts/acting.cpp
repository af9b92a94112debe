#include "rollouts/acting.hpp"

#include <algorithm>

#include "rollouts/actor.hpp"
#include "rollouts/gradient_acting.hpp"
#include "rollouts/posterior_acting.hpp"

namespace htrmrl {
namespace {

// Context agents: the group's windows through one Actor (one batched forward pass).
class ContextActing : public Acting {
 public:
  ContextActing(Agent& agent, int rows, const ActingOptions& o)
      : actor_(agent, rows, o.slots, o.seq_len, o.layout, o.device, o.cache_summaries),
        slots_(o.slots),
        token_rows_(rows) {}

  PolicyOutput act(RolloutState& state, int begin, int end) override {
    for (int i = begin; i < end; ++i) token_rows_[i - begin] = state.memory[i].tokens().data();
    return actor_.act(token_rows_.data(),
                      state.windows.data() + static_cast<size_t>(begin) * slots_,
                      state.active.data() + begin);
  }
  torch::Tensor embedding() override { return actor_.embedding(); }
  // The Actor's cache is dropped for every row: the others re-encode their windows (cheap, and
  // equal up to float rounding).
  void restart(int) override { actor_.reset(); }

 private:
  Actor actor_;
  int slots_;
  std::vector<const float*> token_rows_;  // each row's token buffer, for the Actor
};

// RL^2: one state per trial, advanced by every token of the trial in buffer order, one at a
// time. fed_[i] counts the tokens trial i's state has read.
class RecurrentActing : public Acting {
 public:
  RecurrentActing(RecurrentAgent& agent, int trials, const ActingOptions& o)
      : agent_(agent),
        device_(o.device),
        d_(o.layout.size()),
        state_(agent.initial_state(trials)),
        fed_(trials, 0) {}

  PolicyOutput act(RolloutState& s, int begin, int end) override {
    const int n = end - begin;
    // Catch up on the previous episode's terminal token (no action follows it) where a
    // new episode has begun: those trials advance, the others keep their state.
    std::vector<char> behind(n, 0);
    bool any = false;
    for (int i = 0; i < n; ++i)
      if (s.active[begin + i] && s.memory[begin + i].num_tokens() - fed_[i] > 1)
        behind[i] = any = 1;
    if (any) {
      auto next =
          agent_.unroll(next_tokens(s, begin, behind.data()).unsqueeze(1), state_).select(1, 0);
      auto keep = torch::from_blob(behind.data(), {n, 1}, torch::kChar).to(torch::kBool);
      state_ = torch::where(keep.to(device_), next, state_);
      for (int i = 0; i < n; ++i) fed_[i] += behind[i];
    }
    // The current state's token: one recurrent step for every trial (finished trials read
    // zeros; their outputs are unused).
    PolicyOutput out = agent_.step(next_tokens(s, begin, s.active.data() + begin), state_);
    for (int i = 0; i < n; ++i) fed_[i] += s.active[begin + i];
    return {out.mean.to(torch::kCPU), out.log_std.to(torch::kCPU), out.value.to(torch::kCPU)};
  }
  torch::Tensor embedding() override { return state_.to(torch::kCPU); }
  void restart(int row) override {
    torch::NoGradGuard no_grad;
    state_[row].copy_(agent_.initial_state(1)[0]);
    fed_[row] = 0;
  }

 private:
  // The tokens [n, d] at index fed_[i] of trial begin + i where take[i] (zeros elsewhere).
  torch::Tensor next_tokens(const RolloutState& s, int begin, const char* take) const {
    const int n = static_cast<int>(fed_.size());
    auto t = torch::zeros({n, d_});
    float* p = t.data_ptr<float>();
    for (int i = 0; i < n; ++i)
      if (take[i])
        std::copy_n(s.memory[begin + i].tokens().data() + static_cast<size_t>(fed_[i]) * d_,
                    d_, p + static_cast<size_t>(i) * d_);
    return t.to(device_);
  }

  RecurrentAgent& agent_;
  torch::Device device_;
  int d_;
  torch::Tensor state_;
  std::vector<int> fed_;
};

}  // namespace

torch::Tensor current_observations(const RolloutState& state, int begin, int rows,
                                   TokenLayout layout) {
  const int o = layout.obs_dim, d = layout.size();
  auto obs = torch::zeros({rows, o});
  for (int r = 0; r < rows; ++r) {
    const TrialMemory& m = state.memory[begin + r];
    std::copy_n(m.tokens().data() + static_cast<size_t>(m.num_tokens() - 1) * d, o,
                obs.data_ptr<float>() + static_cast<size_t>(r) * o);
  }
  return obs;
}

bool acts_per_trial(Agent& agent) { return dynamic_cast<RecurrentAgent*>(&agent) == nullptr; }

std::unique_ptr<Acting> make_acting(Agent& agent, int begin, int end,
                                    const ActingOptions& options) {
  if (auto* pearl = dynamic_cast<PearlAgent*>(&agent))
    return make_posterior_acting(*pearl, end - begin, options);
  if (auto* maml = dynamic_cast<MamlAgent*>(&agent))
    return make_gradient_acting(*maml, end - begin, options);
  if (auto* recurrent = dynamic_cast<RecurrentAgent*>(&agent))
    return std::make_unique<RecurrentActing>(*recurrent, end - begin, options);
  return std::make_unique<ContextActing>(agent, end - begin, options);
}

}  // namespace htrmrl
