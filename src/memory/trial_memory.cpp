#include "memory/trial_memory.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"

namespace htrmrl {

Sampling parse_sampling(const std::string& name) {
  if (name == "per_episode") return Sampling::kPerEpisode;
  if (name == "random_episodes") return Sampling::kRandomEpisodes;
  throw Error("unknown sampling strategy '" + name + "' (per_episode, random_episodes)");
}

Resample parse_resample(const std::string& name) {
  if (name == "episode") return Resample::kEpisode;
  if (name == "step") return Resample::kStep;
  throw Error("unknown resample mode '" + name + "' (episode, step)");
}

std::string to_string(Sampling s) {
  return s == Sampling::kPerEpisode ? "per_episode" : "random_episodes";
}

std::string to_string(Resample r) { return r == Resample::kEpisode ? "episode" : "step"; }

int context_slots(const MemoryOptions& options, int episodes_per_trial) {
  if (options.sampling == Sampling::kPerEpisode)
    return std::max(1, std::min(options.episodes, episodes_per_trial));
  return options.episodes;
}

TrialMemory::TrialMemory(TokenLayout layout, MemoryOptions options, int slots)
    : layout_(layout), options_(options), slots_(slots) {}

void TrialMemory::clear() {
  tokens_.clear();
  past_.clear();
  drawn_.clear();
  episode_begin_ = 0;
}

void TrialMemory::begin_episode(const float* obs) {
  // Close the previous episode, if any, into the list of past episodes.
  const int32_t now = num_tokens();
  if (now > episode_begin_) past_.push_back({episode_begin_, now});
  episode_begin_ = now;
  // First token: the state, with zero previous action, reward and flag.
  tokens_.insert(tokens_.end(), obs, obs + layout_.obs_dim);
  tokens_.insert(tokens_.end(), layout_.act_dim + 2, 0.0f);
  drawn_.clear();
}

void TrialMemory::push_step(const float* action, float reward, bool episode_end,
                            const float* next_obs) {
  tokens_.insert(tokens_.end(), next_obs, next_obs + layout_.obs_dim);
  tokens_.insert(tokens_.end(), action, action + layout_.act_dim);
  tokens_.push_back(reward);
  tokens_.push_back(episode_end ? 1.0f : 0.0f);
}

Window TrialMemory::sample_window(Rng& rng, const Window& episode) const {
  // A uniformly placed run of S tokens, or the whole episode if it is shorter.
  const int n = episode.length(), s = options_.seq_len;
  if (n <= s) return episode;
  const int32_t start = episode.begin + static_cast<int32_t>(rng.below(n - s + 1));
  return {start, start + s};
}

void TrialMemory::sample_past(Rng& rng) {
  // Fill the slots - 1 past slots; unused ones stay empty (masked).
  drawn_.assign(slots_ - 1, Window{});
  const int past = num_past_episodes();
  if (past == 0) return;
  if (options_.sampling == Sampling::kPerEpisode) {
    // The most recent episodes, oldest first, right-aligned against the current slot.
    const int used = std::min(past, slots_ - 1);
    for (int i = 0; i < used; ++i)
      drawn_[slots_ - 1 - used + i] = sample_window(rng, past_[past - used + i]);
  } else {
    for (auto& w : drawn_) w = sample_window(rng, past_[rng.below(past)]);
  }
}

void TrialMemory::sample(Rng& rng, Window* out) {
  // Past windows: drawn once per episode unless resampling every step.
  if (options_.resample == Resample::kStep || drawn_.size() != static_cast<size_t>(slots_ - 1))
    sample_past(rng);
  std::copy(drawn_.begin(), drawn_.end(), out);
  // Current window: the last S tokens of the current episode, ending at the current state.
  const int32_t end = num_tokens();
  out[slots_ - 1] = {std::max(episode_begin_, end - options_.seq_len), end};
}

void gather_context(const float* tokens, const Window* windows, int slots, int seq_len,
                    int token_dim, float* out_tokens, float* out_mask) {
  const size_t block = static_cast<size_t>(seq_len) * token_dim;
  std::memset(out_tokens, 0, sizeof(float) * block * slots);
  std::memset(out_mask, 0, sizeof(float) * static_cast<size_t>(seq_len) * slots);
  for (int k = 0; k < slots; ++k) {
    const Window& w = windows[k];
    const int n = w.length();
    if (n <= 0) continue;
    // Right-align: the window's last token lands at position S - 1.
    const int pad = seq_len - n;
    std::memcpy(out_tokens + k * block + static_cast<size_t>(pad) * token_dim,
                tokens + static_cast<size_t>(w.begin) * token_dim,
                sizeof(float) * static_cast<size_t>(n) * token_dim);
    std::fill(out_mask + k * seq_len + pad, out_mask + (k + 1) * seq_len, 1.0f);
  }
}

}  // namespace htrmrl
