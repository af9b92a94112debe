// The agent's memory of one trial: every transition as a token, and the windows (sequences
// of S consecutive tokens) sampled from it at each step. A context is never copied per step:
// rollouts store windows (two ints each) and the update rebuilds contexts from the tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/rng.hpp"

namespace htrmrl {

// Token t of an episode, in RL^2 order: [s_t | a_{t-1} | r_{t-1} | d_{t-1}], zeros for the
// previous action, reward and flag at t = 0. The current state is thus the last token of
// the current sequence, and an episode of L steps holds L + 1 tokens.
struct TokenLayout {
  int obs_dim = 0;
  int act_dim = 0;
  int size() const { return obs_dim + act_dim + 2; }
};

// Tokens [begin, end) of a trial's buffer; begin == end marks an empty slot.
struct Window {
  int32_t begin = 0;
  int32_t end = 0;
  int length() const { return end - begin; }
  bool operator==(const Window& other) const {
    return begin == other.begin && end == other.end;
  }
};

// How past sequences are chosen (the paper's two strategies).
enum class Sampling {
  kPerEpisode,      // one sequence from each of the K - 1 most recent past episodes
  kRandomEpisodes,  // K - 1 sequences from uniformly drawn past episodes (with replacement)
};
// When past sequences are drawn: once per episode, or afresh at every step.
enum class Resample { kEpisode, kStep };

Sampling parse_sampling(const std::string& name);
Resample parse_resample(const std::string& name);
std::string to_string(Sampling s);
std::string to_string(Resample r);

struct MemoryOptions {
  int episodes = 25;  // K: sequences per context, the current one included
  int seq_len = 5;    // S: tokens per sequence
  Sampling sampling = Sampling::kPerEpisode;
  Resample resample = Resample::kEpisode;
};

// Context slots actually needed: with one sequence per episode a trial of E episodes never
// fills more than E slots, so padding beyond that would be masked work only.
int context_slots(const MemoryOptions& options, int episodes_per_trial);

class TrialMemory {
 public:
  TrialMemory(TokenLayout layout, MemoryOptions options, int slots);

  // Forgets everything: memory never crosses a trial boundary.
  void clear();
  // Opens an episode with its first observation.
  void begin_episode(const float* obs);
  // Appends the token produced by one step: next state, action taken, reward, end flag.
  void push_step(const float* action, float reward, bool episode_end, const float* next_obs);
  // Windows for the current step: slots - 1 past sequences (or empty), then the current
  // sequence, which ends at the current state.
  void sample(Rng& rng, Window* out);

  const std::vector<float>& tokens() const { return tokens_; }
  int num_tokens() const { return static_cast<int>(tokens_.size()) / layout_.size(); }
  int num_past_episodes() const { return static_cast<int>(past_.size()); }
  int32_t episode_begin() const { return episode_begin_; }
  int slots() const { return slots_; }

 private:
  Window sample_window(Rng& rng, const Window& episode) const;
  void sample_past(Rng& rng);

  TokenLayout layout_;
  MemoryOptions options_;
  int slots_;
  std::vector<float> tokens_;
  std::vector<Window> past_;     // whole past episodes, oldest first
  int32_t episode_begin_ = 0;    // first token of the current episode
  std::vector<Window> drawn_;    // past windows drawn for this episode (Resample::kEpisode)
};

// Copies windows into a zero-padded block: out_tokens [slots, S, token_dim] and out_mask
// [slots, S] (1 = real token). Sequences are right-aligned, so position S - 1 always holds
// a sequence's last token and positions are the same whatever the padding.
void gather_context(const float* tokens, const Window* windows, int slots, int seq_len,
                    int token_dim, float* out_tokens, float* out_mask);

}  // namespace htrmrl
