// Point robot: dynamics, rewards, success, truncation, and task generation.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/error.hpp"
#include "envs/benchmark.hpp"

namespace htrmrl {
namespace {

Task goal_at(double x, double y) { return {"point-robot", "test", {x, y}}; }

TEST(PointRobot, MovesByClippedActionsAndTruncatesAtTwentySteps) {
  Benchmark b = make_benchmark("point-robot", 0);
  auto env = b.make_env();
  env->set_task(goal_at(1, 0));
  float obs[2];
  env->reset(0, obs);
  EXPECT_EQ(obs[0], 0.0f);
  const float push[2] = {5.0f, -0.5f};  // x clipped to 1 -> 0.1 per step
  StepResult r;
  for (int t = 0; t < 20; ++t) {
    r = env->step(push, obs);
    EXPECT_EQ(r.truncated, t == 19);
  }
  EXPECT_NEAR(obs[0], 2.0f, 1e-5);
  EXPECT_NEAR(obs[1], -1.0f, 1e-5);
  EXPECT_FALSE(r.terminated);
}

TEST(PointRobot, DenseRewardIsMinusDistanceAndSparseRewardOnlyInsideTheRadius) {
  for (bool sparse : {false, true}) {
    Benchmark b = make_benchmark(sparse ? "point-robot-sparse" : "point-robot", 0);
    auto env = b.make_env();
    env->set_task(goal_at(0, 1));
    float obs[2];
    env->reset(0, obs);
    const float up[2] = {0, 1};
    for (int t = 1; t <= 10; ++t) {
      StepResult r = env->step(up, obs);
      const float distance = 1.0f - 0.1f * t;
      EXPECT_EQ(r.success, distance <= 0.2f + 1e-6f) << t;
      if (sparse) EXPECT_EQ(r.reward, r.success ? 1.0f : 0.0f);
      else EXPECT_NEAR(r.reward, -distance, 1e-5);
    }
  }
}

TEST(PointRobot, TasksAreSeededHalfCircleGoalsWithDisjointSplits) {
  Benchmark a = make_benchmark("point-robot-sparse", 4), b = make_benchmark("point-robot-sparse", 4);
  Benchmark c = make_benchmark("point-robot-sparse", 5);
  ASSERT_EQ(a.train_tasks.size(), 40u);
  ASSERT_EQ(a.test_tasks.size(), 10u);
  std::set<std::vector<double>> train;
  for (size_t i = 0; i < a.train_tasks.size(); ++i) {
    const auto& p = a.train_tasks[i].params;
    EXPECT_EQ(p, b.train_tasks[i].params);  // same seed, same tasks
    EXPECT_NEAR(std::hypot(p[0], p[1]), 1.0, 1e-9);
    EXPECT_GE(p[1], 0.0);  // upper half
    train.insert(p);
  }
  for (const auto& t : a.test_tasks) EXPECT_EQ(train.count(t.params), 0u);
  EXPECT_NE(a.train_tasks[0].params, c.train_tasks[0].params);
}

TEST(Registry, UnknownBenchmarkIsRefusedWithTheKnownNames) {
  try {
    make_benchmark("point-robott", 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("point-robott"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("point-robot-sparse"), std::string::npos);
  }
}

}  // namespace
}  // namespace htrmrl
