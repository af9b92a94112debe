// A trained agent acting for trials that the caller plays (htrmrl.Agent.policy): one row per
// trial, each row's memory kept here and fed as the Sampler feeds it (rollouts/sampler.hpp):
// an episode's first observation, then per step the action taken (clipped to the action
// space), the reward, the episode-end flag and the next observation. Every act() draws each
// row's windows and acts for all rows at once through the agent kind's Acting
// (rollouts/acting.hpp): one batched forward pass of a context agent, or one recurrent step of
// RL^2's state.
// Plain C++ on raw buffers: agents_module.cpp converts arrays and releases the GIL around it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rollouts/acting.hpp"
#include "rollouts/rollout_state.hpp"
#include "training/trained_run.hpp"

namespace htrmrl::python {

class TrialPolicy {
 public:
  // rows: trials acted for at once; seed: the rows' random streams (window draws, action
  // noise); deterministic: act with the policy mean.
  TrialPolicy(std::shared_ptr<TrainedRun> run, int rows, uint64_t seed, bool deterministic);

  int rows() const { return rows_; }
  const EnvSpec& spec() const { return run_->setup.benchmark.spec; }
  // Episodes each row's trial has completed.
  const std::vector<int64_t>& episodes() const { return episodes_; }

  // Fresh trials (memory wiped, a new random stream) in the rows where mask is set, every row
  // without a mask, their first episode starting at obs [rows, obs_dim]. With a mask it needs
  // the last act() observed.
  void reset(const float* obs, const std::vector<char>* mask);
  // The action of every row at its current state, [rows, act_dim], unclipped (environments
  // clip); zeros for a row whose episode has ended. Must be followed by observe().
  const std::vector<float>& act();
  // What the environment returned for act()'s actions: next observations [rows, obs_dim],
  // rewards [rows], episode ends [rows]. A row whose episode had ended takes obs as its next
  // episode's first observation (its reward and flag are ignored): next-step autoreset.
  void observe(const float* obs, const float* rewards, const std::vector<char>& dones);
  // The embedding each row acted on at the last act(), [rows, d] (z_task for HTrMRL).
  torch::Tensor embeddings();

 private:
  enum class Phase { kNeedsReset, kActs, kObserves };
  void require_finite(const float* values, size_t n, const char* what) const;

  std::shared_ptr<TrainedRun> run_;
  int rows_;
  uint64_t seed_;
  bool deterministic_;
  // The rows' memories, windows and whether each plays an episode (RolloutState's memory,
  // windows and active: what an Acting reads), and the acting itself.
  RolloutState state_;
  std::unique_ptr<Acting> acting_;
  Phase phase_ = Phase::kNeedsReset;
  bool acted_ = false;  // an act() since the last reset, so embeddings() has a context
  std::vector<Rng> rng_;
  std::vector<uint64_t> trials_;   // trials started per row: the index of its stream
  std::vector<int64_t> episodes_;
  std::vector<float> actions_, clipped_;
};

}  // namespace htrmrl::python
