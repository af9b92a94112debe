// The sampler: a trial's outcome depends only on its task and its seed, never on which
// other trials share the batch or ran before it (memory never crosses a trial boundary).
#include <gtest/gtest.h>

#include "training/sampler.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

TEST(Sampler, TrialsAreIndependentOfTheirBatch) {
  Config c;
  c.env.benchmark = "point-robot";  // dense reward: returns differ from trial to trial
  c.env.episodes_per_trial = 3;
  RunSetup s = make_setup(c);
  Sampler sampler(s.benchmark, c.memory(), s.slots, 4, 1, s.device);
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
  Sampler sampler(s.benchmark, c.memory(), s.slots, 2, 1, s.device);
  RolloutBuffer buffer;
  sampler.run(*s.agent, s.benchmark.train_tasks, {{0, 1}, {1, 2}}, 2, false, &buffer);
  ASSERT_EQ(buffer.size(), 2 * 2 * 20);
  for (const TrialRecord& t : buffer.trials) {
    EXPECT_EQ(t.steps(), 40);
    EXPECT_EQ(t.tokens.size(), static_cast<size_t>(2 * 21 * s.layout.size()));
    // Step 25 is step 5 of episode 2: its past slot holds a window of episode 1 (tokens
    // 0..20), its current window ends at token 21 + 5, the state after 5 steps.
    const Window* w = &t.windows[25 * s.slots];
    EXPECT_GT(w[0].length(), 0);
    EXPECT_LE(w[0].end, 21);
    EXPECT_EQ(w[1].end, 21 + 5 + 1);
  }
}

}  // namespace
}  // namespace htrmrl
