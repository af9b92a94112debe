// Point robot dynamics and task generation. State = position (x, y); action = displacement,
// clipped to [-1, 1] and scaled by kMaxStep; the start is the origin.
#include "envs/point_robot/point_robot.hpp"

#include <algorithm>
#include <cmath>

#include "common/rng.hpp"

namespace htrmrl {
namespace {

constexpr int kEpisodeSteps = 20;      // PEARL's horizon for this task
constexpr float kMaxStep = 0.1f;       // distance covered per step at full action
constexpr float kGoalRadius = 0.2f;    // success (and sparse reward) radius
constexpr int kTrainTasks = 40;
constexpr int kTestTasks = 10;

class PointRobot final : public Env {
 public:
  explicit PointRobot(bool sparse) : sparse_(sparse) {
    spec_.obs_dim = 2;
    spec_.act_dim = 2;
    spec_.max_episode_steps = kEpisodeSteps;
  }

  const EnvSpec& spec() const override { return spec_; }

  void set_task(const Task& task) override {
    goal_x_ = static_cast<float>(task.params.at(0));
    goal_y_ = static_cast<float>(task.params.at(1));
  }

  void reset(uint64_t /*seed*/, float* obs) override {
    x_ = y_ = 0.0f;
    t_ = 0;
    obs[0] = x_;
    obs[1] = y_;
  }

  StepResult step(const float* action, float* obs) override {
    // Move by the clipped action.
    x_ += kMaxStep * std::clamp(action[0], -1.0f, 1.0f);
    y_ += kMaxStep * std::clamp(action[1], -1.0f, 1.0f);
    ++t_;
    obs[0] = x_;
    obs[1] = y_;
    // Reward and success from the distance to the hidden goal.
    const float d = std::hypot(x_ - goal_x_, y_ - goal_y_);
    StepResult r;
    r.success = d <= kGoalRadius;
    r.reward = sparse_ ? (r.success ? 1.0f : 0.0f) : -d;
    r.truncated = t_ >= kEpisodeSteps;
    return r;
  }

 private:
  EnvSpec spec_;
  bool sparse_;
  float goal_x_ = 1.0f, goal_y_ = 0.0f;
  float x_ = 0.0f, y_ = 0.0f;
  int t_ = 0;
};

// Names a goal task; its parameters are the goal's (x, y).
Task goal_task(const char* family, const char* split, int index, double angle) {
  Task t;
  t.family = family;
  t.name = std::string(split) + "-" + std::to_string(index);
  t.params = {std::cos(angle), std::sin(angle)};
  return t;
}

}  // namespace

Benchmark make_point_robot_benchmark(uint64_t seed, bool sparse) {
  Benchmark b;
  b.name = sparse ? "point-robot-sparse" : "point-robot";
  b.spec = PointRobot(sparse).spec();
  b.suite_version = "point-robot-1";
  // Shuffle the 50 strata of the half circle, draw one angle inside each, split 40 / 10.
  Rng rng(derive_seed(seed, {kTagTasks}));
  const int n = kTrainTasks + kTestTasks;
  std::vector<int> strata(n);
  for (int i = 0; i < n; ++i) strata[i] = i;
  for (int i = n - 1; i > 0; --i) std::swap(strata[i], strata[rng.below(i + 1)]);
  const double pi = 3.141592653589793;
  for (int i = 0; i < n; ++i) {
    const double angle = pi * (strata[i] + rng.uniform()) / n;
    if (i < kTrainTasks)
      b.train_tasks.push_back(goal_task(b.name.c_str(), "train", i, angle));
    else
      b.test_tasks.push_back(goal_task(b.name.c_str(), "test", i - kTrainTasks, angle));
  }
  b.make_env = [sparse] { return std::make_unique<PointRobot>(sparse); };
  return b;
}

}  // namespace htrmrl
