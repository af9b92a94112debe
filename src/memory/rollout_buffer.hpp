// What one PPO iteration collected: per trial, the raw tokens and, per step, the action and
// its statistics and which windows it read. Windows are stored without repeats: a step's
// past windows are those of its draw (one per episode unless agent.resample = "step") and
// its current window follows from where it ends. Memory per step is O(obs + act), never
// O(slots * S * token) as a stored context would be.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "memory/context.hpp"

namespace htrmrl {

struct TrialRecord {
  int task = -1;                  // the task it played: index into the tasks it was run on
  std::vector<float> tokens;      // the trial's token buffer at its end
  std::vector<Window> draws;      // [draws * (slots - 1)]: the past windows of each draw
  std::vector<int32_t> draw_episode_begin;  // [draws]: first token of the draw's episode
  std::vector<int32_t> step_draw;  // [steps]: the draw each step read
  std::vector<int32_t> step_end;   // [steps]: end of its current window (its state's token + 1)
  std::vector<float> actions;     // [steps * act_dim], raw (before clipping)
  std::vector<float> log_probs;   // [steps] under the policy that acted
  std::vector<float> values;      // [steps]
  std::vector<float> rewards;     // [steps]
  std::vector<float> advantages;  // [steps], filled by compute_gae
  std::vector<float> returns;     // [steps], advantages + values

  int steps() const { return static_cast<int>(log_probs.size()); }
  void clear();
  // Records the windows of the next step (slots of them, the current one last) read in the
  // episode starting at token episode_begin; a draw equal to the last one is not repeated.
  void record_windows(const Window* windows, int slots, int32_t episode_begin);
  // Room for `steps` steps without regrowth (vectors grown by doubling hold up to 2x).
  void reserve(int steps, int act_dim);
};

struct RolloutBuffer {
  TokenLayout layout;
  int slots = 0;
  int seq_len = 0;
  std::vector<TrialRecord> trials;
  std::vector<std::pair<int32_t, int32_t>> samples;  // (trial, step) for every step

  // Lists every (trial, step) after collection.
  void index();
  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  // The `slots` windows step `step` of trial `trial` read, the current one last.
  void windows(int32_t trial, int32_t step, Window* out) const;
  // Rebuilds the contexts of samples ids[begin, end) exactly as the rollout saw them. With
  // deduplicate, a window shared by several samples (same trial, same tokens) and every
  // empty slot are stored once; without, one sequence per slot, as the rollout built them.
  Context gather(const std::vector<int64_t>& ids, int64_t begin, int64_t end,
                 bool deduplicate = true) const;
  // Bytes held, for the memory report.
  int64_t bytes() const;
};

}  // namespace htrmrl
