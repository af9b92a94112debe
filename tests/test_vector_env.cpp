// The vector of environments: parallel stepping equals stepping one by one.
#include <gtest/gtest.h>

#include "common/rng.hpp"
#include "envs/vector_env.hpp"

namespace htrmrl {
namespace {

std::vector<float> rollout(int threads) {
  Benchmark b = make_benchmark("point-robot", 1);
  VectorEnv envs(b, 9, threads);
  const int n = envs.size();
  std::vector<float> obs(n * 2), actions(n * 2), trace;
  std::vector<StepResult> results(n);
  std::vector<char> active(n, 1);
  active[4] = 0;  // an inactive row must stay untouched
  for (int i = 0; i < n; ++i) {
    envs.env(i).set_task(b.train_tasks[i]);
    envs.env(i).reset(0, &obs[i * 2]);
  }
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
