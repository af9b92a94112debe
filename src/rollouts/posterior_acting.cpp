#include "rollouts/posterior_acting.hpp"

#include <vector>

#include "memory/transitions.hpp"

namespace htrmrl {
namespace {

class PosteriorActing : public Acting {
 public:
  PosteriorActing(PearlAgent& agent, int rows, const ActingOptions& o)
      : agent_(agent),
        layout_(o.layout),
        device_(o.device),
        z_(torch::zeros({rows, agent.options().latent})),
        drawn_for_(rows, -1) {}

  PolicyOutput act(RolloutState& s, int begin, int end) override {
    // Rows that opened an episode since their last draw draw its z.
    for (int r = 0; r < end - begin; ++r) {
      const int i = begin + r;
      if (!s.active[i] || drawn_for_[r] == s.episode[i]) continue;
      z_[r].copy_(draw(s.memory[i], s.episode[i], s.rng[i]));
      drawn_for_[r] = s.episode[i];
    }
    // The policy at each row's current state under its z.
    PolicyOutput out = agent_.policy(
        current_observations(s, begin, end - begin, layout_).to(device_), z_.to(device_));
    return {out.mean.to(torch::kCPU), out.log_std.to(torch::kCPU), out.value.to(torch::kCPU)};
  }

  torch::Tensor embedding() override { return z_.clone(); }

  void restart(int row) override { drawn_for_.at(row) = -1; }

 private:
  // z for `episode` of a trial: from the prior in its first prior_episodes episodes, else
  // from the posterior of every transition in its memory; [latent], CPU.
  torch::Tensor draw(const TrialMemory& memory, int episode, Rng& rng) {
    const int latent = agent_.options().latent;
    auto noise = standard_normal(1, latent, rng);
    if (episode < agent_.options().prior_episodes) return noise[0];
    const std::vector<int32_t> ends =
        transition_ends(memory.tokens().data(), memory.num_tokens(), layout_);
    const Transitions t = gather_transitions(memory.tokens().data(), ends.data(),
                                             static_cast<int64_t>(ends.size()), layout_);
    const auto n = static_cast<int64_t>(ends.size());
    auto context = agent_.context_features(t.to(device_));
    const Posterior q =
        agent_.posterior(context.unsqueeze(0), torch::ones({1, n}, context.options()));
    return (q.mean + q.var.sqrt() * noise.to(device_))[0].to(torch::kCPU);
  }

  PearlAgent& agent_;
  TokenLayout layout_;
  torch::Device device_;
  torch::Tensor z_;              // [rows, latent]: each row's z for its current episode
  std::vector<int> drawn_for_;   // the episode each row's z was drawn for; -1: none yet
};

}  // namespace

std::unique_ptr<Acting> make_posterior_acting(PearlAgent& agent, int rows,
                                              const ActingOptions& options) {
  return std::make_unique<PosteriorActing>(agent, rows, options);
}

}  // namespace htrmrl
