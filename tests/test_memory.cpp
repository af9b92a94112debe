// Trial memory: token layout, window sampling rules, masking, and trial boundaries.
#include <gtest/gtest.h>

#include <set>

#include "common/error.hpp"
#include "memory/trial_memory.hpp"
#include "memory/trial_replay.hpp"

namespace htrmrl {
namespace {

constexpr TokenLayout kLayout{1, 1};  // token = [s, a, r, d]

// Plays `episodes` episodes of `length` steps; the state is a running counter so every
// token is recognisable: state value = 100 * episode + step.
TrialMemory play(const MemoryOptions& options, int slots, int episodes, int length) {
  TrialMemory m(kLayout, options, slots);
  for (int e = 0; e < episodes; ++e) {
    float s = 100.0f * e;
    m.begin_episode(&s);
    for (int t = 1; t <= length; ++t) {
      const float a = 0.5f, next = 100.0f * e + t;
      m.push_step(&a, 1.0f, t == length, &next);
    }
  }
  return m;
}

float state_at(const TrialMemory& m, int token) { return m.tokens()[token * kLayout.size()]; }

TEST(TrialMemory, TokensFollowTheRl2Layout) {
  MemoryOptions o;
  TrialMemory m = play(o, 1, 1, 2);
  ASSERT_EQ(m.num_tokens(), 3);
  const std::vector<float> expected = {0, 0, 0, 0,   // s0, no previous action/reward/flag
                                       1, 0.5f, 1, 0,  // s1, a0, r0, not the end
                                       2, 0.5f, 1, 1};  // s2, a1, r1, episode end
  EXPECT_EQ(m.tokens(), expected);
}

TEST(TrialMemory, CurrentSequenceEndsAtTheCurrentStateAndIsPaddedEarly) {
  MemoryOptions o;
  o.seq_len = 5;
  TrialMemory m(kLayout, o, 1);
  float s = 7.0f;
  m.begin_episode(&s);
  Rng rng(1);
  Window w;
  m.sample(rng, &w);
  EXPECT_EQ(w.begin, 0);
  EXPECT_EQ(w.end, 1);
  // Right-aligned: only the last position is real, and it holds the current state.
  std::vector<float> tokens(5 * kLayout.size()), mask(5);
  gather_context(m.tokens().data(), &w, 1, 5, kLayout.size(), tokens.data(), mask.data());
  EXPECT_EQ(mask, (std::vector<float>{0, 0, 0, 0, 1}));
  EXPECT_EQ(tokens[4 * kLayout.size()], 7.0f);
  for (int i = 0; i < 4 * kLayout.size(); ++i) EXPECT_EQ(tokens[i], 0.0f);
  // After 7 steps the window is the last 5 tokens, ending at the newest state.
  for (int t = 1; t <= 7; ++t) {
    const float a = 0, next = 7.0f + t;
    m.push_step(&a, 0, false, &next);
  }
  m.sample(rng, &w);
  EXPECT_EQ(w.end, m.num_tokens());
  EXPECT_EQ(w.length(), 5);
  EXPECT_EQ(state_at(m, w.end - 1), 14.0f);
}

TEST(TrialMemory, PerEpisodeSamplingTakesOneWindowFromEachRecentEpisode) {
  MemoryOptions o;
  o.episodes = 3;
  o.seq_len = 4;
  TrialMemory m = play(o, 3, 4, 10);  // 3 finished episodes + the 4th just finished too
  float s = 400.0f;
  m.begin_episode(&s);  // episode 4 is now current; 0..3 are past
  Rng rng(3);
  std::vector<Window> w(3);
  m.sample(rng, w.data());
  // Slots 0 and 1 hold the two most recent past episodes (2 and 3), oldest first.
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(w[k].length(), 4);
    const int episode = static_cast<int>(state_at(m, w[k].begin)) / 100;
    EXPECT_EQ(episode, 2 + k);
    // Never crosses the episode boundary.
    EXPECT_EQ(static_cast<int>(state_at(m, w[k].end - 1)) / 100, episode);
  }
  EXPECT_EQ(state_at(m, w[2].end - 1), 400.0f);
}

TEST(TrialMemory, MissingEpisodesLeaveEmptyMaskedSlots) {
  MemoryOptions o;
  o.episodes = 4;
  TrialMemory m = play(o, 4, 1, 6);
  float s = 100.0f;
  m.begin_episode(&s);
  Rng rng(5);
  std::vector<Window> w(4);
  m.sample(rng, w.data());
  EXPECT_EQ(w[0].length(), 0);
  EXPECT_EQ(w[1].length(), 0);
  EXPECT_GT(w[2].length(), 0);
  std::vector<float> tokens(4 * 5 * kLayout.size()), mask(4 * 5);
  gather_context(m.tokens().data(), w.data(), 4, 5, kLayout.size(), tokens.data(), mask.data());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(mask[i], 0.0f) << i;
}

TEST(TrialMemory, ClearForgetsTheTrial) {
  MemoryOptions o;
  o.episodes = 3;
  TrialMemory m = play(o, 3, 2, 5);
  m.clear();
  float s = 9.0f;
  m.begin_episode(&s);
  EXPECT_EQ(m.num_past_episodes(), 0);
  EXPECT_EQ(m.num_tokens(), 1);
  Rng rng(1);
  std::vector<Window> w(3);
  m.sample(rng, w.data());
  EXPECT_EQ(w[0].length() + w[1].length(), 0);
}

TEST(TrialMemory, ResampleModeDecidesWhetherPastWindowsMove) {
  for (Resample mode : {Resample::kEpisode, Resample::kStep}) {
    MemoryOptions o;
    o.episodes = 2;
    o.seq_len = 2;
    o.resample = mode;
    TrialMemory m = play(o, 2, 1, 50);
    float s = 100.0f;
    m.begin_episode(&s);
    Rng rng(11);
    bool moved = false;
    Window first[2];
    m.sample(rng, first);
    for (int t = 0; t < 20; ++t) {
      Window w[2];
      m.sample(rng, w);
      moved |= w[0].begin != first[0].begin;
    }
    EXPECT_EQ(moved, mode == Resample::kStep);
  }
}

TEST(TrialMemory, RandomEpisodesFillEverySlotFromPastEpisodes) {
  MemoryOptions o;
  o.episodes = 6;
  o.seq_len = 3;
  o.sampling = Sampling::kRandomEpisodes;
  EXPECT_EQ(context_slots(o, 2), 6);
  TrialMemory m = play(o, 6, 2, 8);
  float s = 200.0f;
  m.begin_episode(&s);
  Rng rng(2);
  std::vector<Window> w(6);
  m.sample(rng, w.data());
  for (int k = 0; k < 5; ++k) {
    ASSERT_EQ(w[k].length(), 3);
    EXPECT_LT(state_at(m, w[k].begin), 200.0f);  // a past episode, never the current one
  }
}

TEST(TrialMemory, PerEpisodeSlotsAreCappedByTrialLength) {
  MemoryOptions o;
  o.episodes = 25;
  EXPECT_EQ(context_slots(o, 4), 4);
  EXPECT_EQ(context_slots(o, 40), 25);
}

// A trial record of `task` whose one token value tells the trials apart (the replay keeps a
// trial's task, tokens and step ends only).
TrialRecord replay_trial(int task, float id) {
  TrialRecord t;
  t.task = task;
  t.tokens = {id};
  return t;
}

TEST(TrialReplay, KeepsTheNewestTrialsOfEachTask) {
  TrialReplay replay(2, 3);
  for (int i = 0; i < 5; ++i) replay.add(replay_trial(0, static_cast<float>(i)));
  replay.add(replay_trial(1, 100.0f));
  EXPECT_EQ(replay.size(0), 3);
  EXPECT_EQ(replay.size(1), 1);
  // FIFO: trials 0 and 1 of task 0 were dropped.
  Rng rng(1);
  for (const TrialRecord* t : replay.sample(0, 50, rng)) EXPECT_GE(t->tokens[0], 2.0f);
}

TEST(TrialReplay, SamplesOnlyTheAskedTaskFromTheGivenStream) {
  TrialReplay replay(3, 10);
  RolloutBuffer buffer;
  for (int i = 0; i < 30; ++i) buffer.trials.push_back(replay_trial(i % 3, static_cast<float>(i)));
  replay.add(buffer);
  Rng a(7), b(7);
  const auto first = replay.sample(1, 40, a), again = replay.sample(1, 40, b);
  std::set<float> seen;
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i]->task, 1);
    EXPECT_EQ(first[i], again[i]);  // the same stream, the same draws
    seen.insert(first[i]->tokens[0]);
  }
  EXPECT_GT(seen.size(), 5u);  // uniform over the task's 10 trials, not one of them
}

TEST(TrialReplay, RefusesUnknownOrEmptyTasks) {
  TrialReplay replay(2, 4);
  Rng rng(1);
  EXPECT_THROW(replay.add(replay_trial(2, 0.0f)), Error);
  EXPECT_THROW(replay.add(replay_trial(-1, 0.0f)), Error);
  EXPECT_THROW(replay.sample(0, 1, rng), Error);
  EXPECT_THROW(TrialReplay(0, 4), Error);
}

}  // namespace
}  // namespace htrmrl
