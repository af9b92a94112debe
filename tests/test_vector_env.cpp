// The vector of environments: parallel stepping equals stepping one by one, and a row that is
// not active is neither stepped nor written.
#include <gtest/gtest.h>

#include "common/rng.hpp"
#include "envs/vector_env.hpp"

namespace htrmrl {
namespace {

constexpr int kInactive = 4;

// Steps 9 point-robots for 15 steps with row kInactive inactive; the trace of every row's
// observations and rewards.
std::vector<float> rollout(int threads) {
  Benchmark b = make_benchmark("point-robot", 1);
  VectorEnv envs(b, 9, threads);
  const int n = envs.size();
  std::vector<float> obs(n * 2), actions(n * 2), trace;
  std::vector<StepResult> results(n);
  std::vector<char> active(n, 1);
  active[kInactive] = 0;
  for (int i = 0; i < n; ++i) {
    envs.env(i).set_task(b.train_tasks[i]);
    envs.env(i).reset(0, &obs[i * 2]);
  }
  // Sentinels in the inactive row's observation and result: step must not write either.
  obs[kInactive * 2] = obs[kInactive * 2 + 1] = -123.0f;
  results[kInactive].reward = -456.0f;
  Rng rng(9);
  for (int t = 0; t < 15; ++t) {
    for (auto& a : actions) a = static_cast<float>(rng.normal());
    envs.step(active, actions.data(), obs.data(), results.data());
    trace.insert(trace.end(), obs.begin(), obs.end());
    for (const auto& r : results) trace.push_back(r.reward);
  }
  return trace;
}

TEST(VectorEnv, ThreadCountDoesNotChangeResults) {
  const auto one = rollout(1);
  EXPECT_EQ(one, rollout(2));
  EXPECT_EQ(one, rollout(4));
}

TEST(VectorEnv, AnInactiveRowStaysUntouched) {
  const auto trace = rollout(2);
  const size_t per_step = 9 * 2 + 9;  // observations, then rewards
  for (size_t step = 0; step < 15; ++step) {
    SCOPED_TRACE(step);
    const float* row = trace.data() + step * per_step;
    EXPECT_EQ(row[kInactive * 2], -123.0f);
    EXPECT_EQ(row[kInactive * 2 + 1], -123.0f);
    EXPECT_EQ(row[9 * 2 + kInactive], -456.0f);
    EXPECT_NE(row[0], -123.0f);  // an active row did move on
  }
}

TEST(ThreadPool, RunsEveryIndexOnceAndRethrows) {
  ThreadPool pool(3);
  std::vector<int> hits(100, 0);
  pool.parallel_for(100, [&](int i) { ++hits[i]; });
  for (int h : hits) EXPECT_EQ(h, 1);
  EXPECT_THROW(pool.parallel_for(10, [](int i) { if (i == 7) throw std::runtime_error("x"); }),
               std::runtime_error);
}

}  // namespace
}  // namespace htrmrl
