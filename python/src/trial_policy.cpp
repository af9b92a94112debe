#include "trial_policy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/finite.hpp"
#include "common/rng.hpp"

namespace htrmrl::python {
namespace {

// The purpose tag of a policy row's streams, beside those of common/rng.hpp (a value none of
// them takes), so a Python trial never replays a training or meta-test trial's draws.
constexpr uint64_t kTagPolicy = 0x706f6c69;  // "poli"

}  // namespace

TrialPolicy::TrialPolicy(std::shared_ptr<TrainedRun> run, int rows, uint64_t seed,
                         bool deterministic)
    : run_(std::move(run)),
      rows_(rows),
      seed_(seed),
      deterministic_(deterministic) {
  const RunSetup& s = run_->setup;
  state_.n = rows;
  for (int i = 0; i < rows; ++i) state_.memory.emplace_back(s.layout, s.config.memory(), s.slots);
  state_.active.assign(rows, 0);
  state_.windows.resize(static_cast<size_t>(rows) * s.slots);
  acting_ = make_acting(*s.agent, 0, rows,
                        {s.slots, s.config.agent.seq_len, s.layout, s.device,
                         s.config.cached_acting});
  rng_.resize(rows);
  trials_.assign(rows, 0);
  episodes_.assign(rows, 0);
  actions_.assign(static_cast<size_t>(rows) * s.layout.act_dim, 0.0f);
  clipped_.resize(s.layout.act_dim);
}

void TrialPolicy::require_finite(const float* values, size_t n, const char* what) const {
  const size_t bad = first_non_finite(values, n);
  if (bad == n) return;
  const size_t width = n / rows_;
  const std::string at = width == 1 ? fmt::format("[{}]", bad)
                                    : fmt::format("[{}, {}]", bad / width, bad % width);
  throw Error(fmt::format("{} {} is {}", what, at, non_finite_name(values[bad])));
}

void TrialPolicy::reset(const float* obs, const std::vector<char>* mask) {
  if (mask && phase_ == Phase::kObserves)
    throw Error("reset with a mask after act(): observe() the step first (or reset every row)");
  const int o = spec().obs_dim;
  require_finite(obs, static_cast<size_t>(rows_) * o, "obs");
  for (int i = 0; i < rows_; ++i) {
    if (mask && !(*mask)[i]) continue;
    state_.memory[i].clear();
    state_.memory[i].begin_episode(obs + static_cast<size_t>(i) * o);
    rng_[i] = Rng(derive_seed(seed_, {kTagPolicy, static_cast<uint64_t>(i), trials_[i]++}));
    episodes_[i] = 0;
    state_.active[i] = 1;
    // Forget what was kept of the old trial: a context agent's cached summaries (the new
    // windows may name the old ones' token ranges), a recurrent agent's state.
    acting_->restart(i);
  }
  acted_ = false;
  phase_ = Phase::kActs;
}

const std::vector<float>& TrialPolicy::act() {
  if (phase_ == Phase::kNeedsReset) throw Error("act() before reset(obs): start the trials first");
  if (phase_ == Phase::kObserves) throw Error("act() twice: observe() the last step first");
  const int slots = run_->setup.slots, a = spec().act_dim;
  for (int i = 0; i < rows_; ++i)
    if (state_.active[i])
      state_.memory[i].sample(rng_[i], &state_.windows[static_cast<size_t>(i) * slots]);
  torch::NoGradGuard no_grad;
  PolicyOutput out = acting_->act(state_, 0, rows_);
  out = {out.mean.contiguous(), out.log_std.contiguous(), out.value};
  // As the Sampler chooses: the distribution's mode, or a draw from the row's own stream;
  // rows between episodes get zeros.
  const ActionDistribution& policy = run_->setup.agent->distribution();
  for (int i = 0; i < rows_; ++i) {
    float* action = &actions_[static_cast<size_t>(i) * a];
    if (!state_.active[i]) std::fill_n(action, a, 0.0f);
    else if (deterministic_) policy.mode(out, i, action);
    else policy.sample(out, i, rng_[i], action);
  }
  acted_ = true;
  phase_ = Phase::kObserves;
  return actions_;
}

void TrialPolicy::observe(const float* obs, const float* rewards, const std::vector<char>& dones) {
  if (phase_ != Phase::kObserves) throw Error("observe() without act(): act on the step first");
  const int o = spec().obs_dim, a = spec().act_dim;
  require_finite(obs, static_cast<size_t>(rows_) * o, "obs");
  require_finite(rewards, rows_, "rewards");
  for (int i = 0; i < rows_; ++i) {
    const float* next = obs + static_cast<size_t>(i) * o;
    if (!state_.active[i]) {
      state_.memory[i].begin_episode(next);
      state_.active[i] = 1;
      continue;
    }
    // The token keeps the action the environment executed (clipped), as in training.
    for (int j = 0; j < a; ++j)
      clipped_[j] = std::clamp(actions_[static_cast<size_t>(i) * a + j], spec().action_low,
                               spec().action_high);
    state_.memory[i].push_step(clipped_.data(), rewards[i], dones[i] != 0, next);
    if (dones[i]) {
      state_.active[i] = 0;
      ++episodes_[i];
    }
  }
  phase_ = Phase::kActs;
}

torch::Tensor TrialPolicy::embeddings() {
  if (!acted_) throw Error("embeddings() before act(): they are those of the last act()");
  return acting_->embedding().to(torch::kFloat).contiguous();
}

}  // namespace htrmrl::python
