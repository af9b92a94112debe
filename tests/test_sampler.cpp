// The sampler: a trial's outcome depends only on its task and its seed, never on which
// other trials share the batch or ran before it (memory never crosses a trial boundary).
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "rollouts/actor.hpp"
#include "rollouts/sampler.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

TEST(Sampler, TrialsAreIndependentOfTheirBatch) {
  Config c;
  c.env.benchmark = "point-robot";  // dense reward: returns differ from trial to trial
  c.env.episodes_per_trial = 3;
  RunSetup s = make_setup(c);
  Sampler sampler(s.benchmark, c.memory(), s.slots, 4, s.device);
  const auto& tasks = s.benchmark.train_tasks;
  const TrialSpec probe{5, 1234};

  // Alone; then after, and beside, other trials on other tasks.
  auto alone = sampler.run(*s.agent, tasks, {probe}, 3, false, nullptr);
  sampler.run(*s.agent, tasks, {{1, 1}, {2, 2}, {3, 3}, {4, 4}}, 3, false, nullptr);
  auto batched = sampler.run(*s.agent, tasks, {{7, 9}, probe, {8, 10}}, 3, false, nullptr);

  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(batched[1].task, 5);
  EXPECT_EQ(alone[0].success, batched[1].success);
  for (int e = 0; e < 3; ++e) EXPECT_NEAR(alone[0].returns[e], batched[1].returns[e], 1e-4);
  // A different seed is a different trial.
  auto other = sampler.run(*s.agent, tasks, {{5, 4321}}, 3, false, nullptr);
  EXPECT_NE(alone[0].returns[0], other[0].returns[0]);
}

TEST(Sampler, RecordsEveryStepWithItsWindows) {
  Config c;
  c.env.episodes_per_trial = 2;
  RunSetup s = make_setup(c);
  Sampler sampler(s.benchmark, c.memory(), s.slots, 2, s.device);
  RolloutBuffer buffer;
  sampler.run(*s.agent, s.benchmark.train_tasks, {{0, 1}, {1, 2}}, 2, false, &buffer);
  ASSERT_EQ(buffer.size(), 2 * 2 * 20);
  for (int32_t trial = 0; trial < 2; ++trial) {
    const TrialRecord& t = buffer.trials[trial];
    EXPECT_EQ(t.task, trial);  // the specs' tasks: 0, then 1
    EXPECT_EQ(t.steps(), 40);
    EXPECT_EQ(t.tokens.size(), static_cast<size_t>(2 * 21 * s.layout.size()));
    // Step 25 is step 5 of episode 2: its past slot holds a window of episode 1 (tokens
    // 0..20), its current window ends at token 21 + 5, the state after 5 steps.
    std::vector<Window> w(s.slots);
    buffer.windows(trial, 25, w.data());
    EXPECT_GT(w[0].length(), 0);
    EXPECT_LE(w[0].end, 21);
    EXPECT_EQ(w[1].begin, 21 + 5 + 1 - c.agent.seq_len);
    EXPECT_EQ(w[1].end, 21 + 5 + 1);
    // Step 2 of episode 1: no past window yet; the current one starts at the episode.
    buffer.windows(trial, 2, w.data());
    EXPECT_EQ(w[0].length(), 0);
    EXPECT_EQ(w[1].begin, 0);
    EXPECT_EQ(w[1].end, 3);
    // Past windows are drawn once per episode, so they are stored twice, not 40 times.
    EXPECT_EQ(t.draw_episode_begin.size(), 2u);
  }
}

// Acting on cached past summaries (Actor's cached way) is the same policy as re-encoding
// every slot at every step: the same recorded actions, log-probabilities and values up to
// float rounding, with far fewer sequences encoded when past windows are drawn per episode.
void expect_cached_equals_full(const std::string& sampling, const std::string& resample) {
  SCOPED_TRACE(sampling + ", resample per " + resample);
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 4;
  c.agent.episodes = 3;  // K = 3 < episodes: per-episode sampling drops the oldest episode
  c.agent.sampling = sampling;
  c.agent.resample = resample;
  RunSetup s = make_setup(c);
  // Policy outputs that depend visibly on the context (the initial mean head is tiny).
  {
    torch::NoGradGuard g;
    torch::manual_seed(3);
    for (auto& p : s.agent->named_parameters())
      if (p.key().find("policy") != std::string::npos) p.value().normal_(0, 0.5);
  }
  const std::vector<TrialSpec> specs{{0, 11}, {3, 12}, {5, 13}};
  RolloutBuffer cached, full;
  Sampler(s.benchmark, c.memory(), s.slots, 3, s.device, {1, true})
      .run(*s.agent, s.benchmark.train_tasks, specs, 4, false, &cached);
  Sampler(s.benchmark, c.memory(), s.slots, 3, s.device, {1, false})
      .run(*s.agent, s.benchmark.train_tasks, specs, 4, false, &full);
  ASSERT_EQ(cached.size(), full.size());
  for (size_t t = 0; t < specs.size(); ++t) {
    const TrialRecord &a = cached.trials[t], &b = full.trials[t];
    ASSERT_EQ(a.steps(), b.steps());
    for (int i = 0; i < a.steps(); ++i) {
      ASSERT_NEAR(a.log_probs[i], b.log_probs[i], 1e-4) << "trial " << t << " step " << i;
      ASSERT_NEAR(a.values[i], b.values[i], 1e-5) << "trial " << t << " step " << i;
    }
    for (size_t j = 0; j < a.actions.size(); ++j) ASSERT_NEAR(a.actions[j], b.actions[j], 1e-4);
  }
}

TEST(Sampler, CachedActingEqualsFullReencoding) {
  expect_cached_equals_full("per_episode", "episode");
  expect_cached_equals_full("random_episodes", "episode");
  expect_cached_equals_full("per_episode", "step");
}

// However the slots are grouped (one group; two halves overlapped; two or three lanes, each
// acting and stepping on its own thread) the trials are the same: the same recorded steps and
// episode-end embeddings, up to float rounding.
TEST(Sampler, GroupingsPlayTheSameTrials) {
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 3;
  RunSetup s = make_setup(c);
  const std::vector<TrialSpec> specs{{0, 31}, {3, 32}, {5, 33}, {7, 34}, {9, 35}};
  struct Played {
    RolloutBuffer buffer;
    std::vector<std::vector<float>> embeddings;
  };
  auto play = [&](SamplerOptions options) {
    Played p;
    p.embeddings.assign(specs.size() * 3, {});
    const EpisodeEndHook hook = [&](int trial, int episode, const torch::Tensor& z) {
      p.embeddings[trial * 3 + episode].assign(z.data_ptr<float>(),
                                               z.data_ptr<float>() + z.numel());
    };
    Sampler(s.benchmark, c.memory(), s.slots, 5, s.device, options)
        .run(*s.agent, s.benchmark.train_tasks, specs, 3, false, &p.buffer, &hook);
    return p;
  };
  const Played serial = play({2, true, false, 1});
  for (const SamplerOptions& grouping : {SamplerOptions{2, true, true, 1},
                                         SamplerOptions{1, true, false, 2},
                                         SamplerOptions{1, true, true, 3}}) {
    SCOPED_TRACE("overlap " + std::to_string(grouping.overlap) + ", lanes " +
                 std::to_string(grouping.lanes));
    const Played other = play(grouping);
    ASSERT_EQ(serial.buffer.size(), other.buffer.size());
    for (size_t t = 0; t < specs.size(); ++t) {
      const TrialRecord &a = serial.buffer.trials[t], &b = other.buffer.trials[t];
      ASSERT_EQ(a.steps(), b.steps());
      for (int i = 0; i < a.steps(); ++i) {
        ASSERT_NEAR(a.log_probs[i], b.log_probs[i], 1e-5) << "trial " << t << " step " << i;
        ASSERT_NEAR(a.rewards[i], b.rewards[i], 1e-5) << "trial " << t << " step " << i;
      }
    }
    for (size_t k = 0; k < serial.embeddings.size(); ++k) {
      ASSERT_FALSE(other.embeddings[k].empty())
          << "no embedding for trial " << k / 3 << " episode " << k % 3;
      ASSERT_EQ(serial.embeddings[k].size(), other.embeddings[k].size());
      for (size_t j = 0; j < serial.embeddings[k].size(); ++j)
        ASSERT_NEAR(serial.embeddings[k][j], other.embeddings[k][j], 1e-5);
    }
  }
}

TEST(Sampler, RefusesLanesWithAnEnvironmentPool) {
  Config c;
  RunSetup s = make_setup(c);
  EXPECT_THROW(Sampler(s.benchmark, c.memory(), s.slots, 4, s.device, {2, true, true, 2}),
               Error);
}

TEST(Actor, CachedWayEncodesEachPastWindowOncePerDraw) {
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 4;
  RunSetup s = make_setup(c);  // K = 25: 4 slots in use, 20-step episodes
  RolloutBuffer buffer;
  make_sampler(s, 2).run(*s.agent, s.benchmark.train_tasks, {{0, 1}, {1, 2}}, 4, false, &buffer);
  // Replay the rollout's acting both ways, counting the sequences encoded.
  auto replay = [&](bool cache) {
    torch::NoGradGuard g;
    Actor actor(*s.agent, 2, s.slots, c.agent.seq_len, s.layout, s.device, cache);
    std::vector<const float*> tokens{buffer.trials[0].tokens.data(),
                                     buffer.trials[1].tokens.data()};
    std::vector<char> active{1, 1};
    std::vector<Window> windows(2 * s.slots);
    for (int step = 0; step < buffer.trials[0].steps(); ++step) {
      for (int r = 0; r < 2; ++r) buffer.windows(r, step, &windows[r * s.slots]);
      actor.act(tokens.data(), windows.data(), active.data());
    }
    return actor.encoded_sequences();
  };
  // Full: every slot of both rows at each of the 80 steps. Cached: the current sequence per
  // step, plus each episode's past windows once (0 + 1 + 2 + 3 per trial).
  EXPECT_EQ(replay(false), 2 * 80 * s.slots);
  EXPECT_EQ(replay(true), 2 * 80 + 2 * (0 + 1 + 2 + 3));
}

}  // namespace
}  // namespace htrmrl
