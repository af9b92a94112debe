#include "rollouts/gradient_acting.hpp"

#include <algorithm>
#include <vector>

#include "algorithms/maml.hpp"
#include "common/error.hpp"

namespace htrmrl {
namespace {

class GradientActing : public Acting {
 public:
  GradientActing(MamlAgent& agent, int rows, const ActingOptions& o)
      : agent_(agent), layout_(o.layout), device_(o.device), rows_(rows) {}

  PolicyOutput act(RolloutState& s, int begin, int end) override {
    if (end - begin != rows_) throw Error("gradient acting: asked for another group of trials");
    const int a = layout_.act_dim;
    // Each active row's previous draw: the sampler wrote it after the last act().
    for (int r = 0; r < rows_; ++r) {
      const int i = begin + r;
      if (!s.active[i]) continue;
      const float* drawn = &s.actions[static_cast<size_t>(i) * a];
      if (trials_[r].acted) trials_[r].raw.insert(trials_[r].raw.end(), drawn, drawn + a);
      trials_[r].acted = true;
    }
    // Rows opening their first episode after the adaptation episodes adapt now.
    for (int r = 0; r < rows_; ++r) {
      const int i = begin + r;
      if (s.active[i] && trials_[r].params.empty() &&
          s.episode[i] == agent_.adaptation().episodes)
        trials_[r].params = adapted(s.memory[i], trials_[r].raw);
    }
    // The policy at each row's current state: the meta-parameters' in one pass, then each
    // adapted row's own.
    current_ = agent_.policy_input(current_observations(s, begin, rows_, layout_).to(device_));
    PolicyOutput meta = agent_.policy()->forward(current_);
    auto mean = meta.mean.clone(), log_std = meta.log_std.expand_as(meta.mean).clone();
    for (int r = 0; r < rows_; ++r) {
      if (!s.active[begin + r] || trials_[r].params.empty()) continue;
      PolicyOutput own = agent_.policy()->forward(current_[r], trials_[r].params);
      mean[r].copy_(own.mean);
      log_std[r].copy_(own.log_std);
    }
    return {mean.to(torch::kCPU), log_std.to(torch::kCPU), torch::zeros({rows_})};
  }

  torch::Tensor embedding() override {
    auto out = agent_.policy()->features(current_, agent_.policy()->meta_parameters()).clone();
    for (int r = 0; r < rows_; ++r)
      if (!trials_[r].params.empty())
        out[r].copy_(agent_.policy()->features(current_[r], trials_[r].params));
    return out.to(torch::kCPU);
  }

  void restart(int row) override { trials_.at(row) = RowState{}; }

 private:
  struct RowState {
    std::vector<float> raw;  // the trial's actions as drawn, [steps * act_dim]
    bool acted = false;      // whether an action was drawn since the trial began
    Params params;           // adapted parameters; empty: the meta-parameters
  };

  // The inner loop from the meta-parameters on the trial's adaptation episodes.
  Params adapted(const TrialMemory& memory, const std::vector<float>& raw) const {
    torch::AutoGradMode grad_on(true);  // the sampler acts without autograd
    const MamlAdaptation& adaptation = agent_.adaptation();
    const TrialEpisodes where = trial_episodes(memory.tokens().data(), memory.num_tokens(), layout_);
    const Episodes e = policy_episodes(
        agent_, gather_episodes(memory.tokens().data(), layout_, raw.data(), where, 0,
                                adaptation.episodes),
        device_);
    Params theta;
    for (const auto& p : agent_.policy()->meta_parameters())
      theta.push_back(p.detach().requires_grad_(true));
    Params out = adapt(*agent_.policy(), theta, e, maml_advantages(e, adaptation),
                       adaptation, /*second_order=*/false);
    for (auto& p : out) p = p.detach();
    return out;
  }

  MamlAgent& agent_;
  TokenLayout layout_;
  torch::Device device_;
  int rows_;
  std::vector<RowState> trials_ = std::vector<RowState>(rows_);
  torch::Tensor current_;  // the last act()'s policy inputs, [rows, obs_dim]
};

}  // namespace

std::unique_ptr<Acting> make_gradient_acting(MamlAgent& agent, int rows,
                                             const ActingOptions& options) {
  return std::make_unique<GradientActing>(agent, rows, options);
}

}  // namespace htrmrl
