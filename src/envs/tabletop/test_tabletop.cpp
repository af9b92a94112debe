// The tabletop suite: reward building blocks against hand-computed values, scenes, variations,
// determinism, divergence handling, no goal in ML observations beyond the scene, and per task: a scripted expert succeeds on at least 90%
// of the 50 training variations while doing nothing succeeds on (almost) none.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "common/rng.hpp"
#include "envs/benchmark.hpp"
#include "envs/tabletop/benchmarks.hpp"
#include "envs/tabletop/tabletop_env.hpp"

namespace htrmrl::tabletop {
namespace {

// ---- reward building blocks ----

TEST(TabletopReward, ToleranceLongTailAndGaussian) {
  EXPECT_DOUBLE_EQ(tolerance(0.3, 0.0, 0.5, 1.0), 1.0);
  // One margin outside: 0.1 for both sigmoids.
  EXPECT_NEAR(tolerance(1.5, 0.0, 0.5, 1.0), 0.1, 1e-12);
  EXPECT_NEAR(tolerance(1.5, 0.0, 0.5, 1.0, Sigmoid::kGaussian), 0.1, 1e-12);
  // Half a margin below the interval: 1 / (1 + 9/4) and 0.1^(1/4).
  EXPECT_NEAR(tolerance(-0.25, 0.0, 0.5, 0.5), 1.0 / 3.25, 1e-12);
  EXPECT_NEAR(tolerance(-0.25, 0.0, 0.5, 0.5, Sigmoid::kGaussian), std::pow(0.1, 0.25), 1e-12);
  EXPECT_DOUBLE_EQ(tolerance(0.6, 0.0, 0.5, 0.0), 0.0);
}

TEST(TabletopReward, Hamacher) {
  EXPECT_DOUBLE_EQ(hamacher(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(hamacher(1.0, 0.3), 0.3);
  EXPECT_NEAR(hamacher(0.5, 0.5), 0.25 / 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(hamacher(0.0, 0.7), 0.0);
}

TEST(TabletopReward, CagingByHand) {
  // Object exactly between the pads, tcp on it, gripper fully closing: everything is 1.
  Gripper g;
  g.tcp = {0, 0.6, 0.02};
  g.init_tcp = {0, 0.6, 0.2};
  g.left_pad = {0, 0.63, 0.02};
  g.right_pad = {0, 0.57, 0.02};
  g.a3 = 1.0;
  const Vec3 obj{0, 0.6, 0.02}, init{0, 0.6, 0.02};
  EXPECT_NEAR(cage(g, obj, init, {0.015, 0.05, 0.01, 0.005}), 1.0, 1e-12);
  // Gripper open: caging 1, gripping 0, so (H(1, 0) + 1) / 2 = 0.5.
  g.a3 = -1.0;
  EXPECT_NEAR(cage(g, obj, init, {0.015, 0.05, 0.01, 0.005}), 0.5, 1e-12);
  // tcp 0.1 above the object: xz tolerance with margin |0.18| - 0.005 at distance 0.095.
  g.tcp = {0, 0.6, 0.12};
  const double u = 3.0 * (0.1 - 0.005) / (0.18 - 0.005);
  const double xz = 1.0 / (u * u + 1.0);
  EXPECT_NEAR(cage(g, obj, init, {0.015, 0.05, 0.01, 0.005}), xz / 2.0, 1e-12);
}

TEST(TabletopReward, OldCagingByHand) {
  // Pads 3 cm either side of the object: caged (3 cm is inside [0.015, 0.05]); gripping with
  // a 2.5 cm margin is 0.5 cm short, margin |0.03 - 0.05| = 0.02, so each pad gives
  // 1 / (1 + 9 * 0.25^2) = 0.64 and their Hamacher product 0.4096 / 0.8704.
  Gripper g;
  g.tcp = {0, 0.6, 0.02};
  g.init_tcp = {0, 0.6, 0.2};
  g.left_pad = {0, 0.63, 0.02};
  g.right_pad = {0, 0.57, 0.02};
  const Vec3 obj{0, 0.6, 0.02};
  const double gripping = 0.4096 / 0.8704;
  EXPECT_NEAR(cage_old(g, obj, obj, 0.015, 0.025, 0.005), (1.0 + gripping) / 2.0, 1e-12);
  // The object outside the pads (right pad beyond it): the signed offset is negative.
  g.right_pad = {0, 0.61, 0.02};
  EXPECT_LT(cage_old(g, obj, obj, 0.015, 0.025, 0.005), 0.5);
}

// ---- scenes and variations ----

TEST(TabletopScene, EachTaskBuildsItsOwnScene) {
  for (const TabletopTask* t : all_tasks()) {
    Benchmark b = make_benchmark(std::string("ml1-") + t->name(), 3);
    auto env = b.make_env();
    auto& te = dynamic_cast<TabletopEnv&>(*env);
    te.set_task(b.train_tasks.at(0));
    // The compiled model carries the name of the task whose logic runs on it.
    EXPECT_STREQ(te.model()->names, t->name());
    EXPECT_STREQ(te.task().name(), t->name());
    EXPECT_EQ(b.train_tasks[0].name, t->name());
  }
}

TEST(TabletopScene, VariationsAreDistinctSeededAndInTheBox) {
  for (const TabletopTask* t : all_tasks()) {
    const auto v = make_variations(*t, 5);
    ASSERT_EQ(v.size(), 50u);
    EXPECT_EQ(v, make_variations(*t, 5)) << t->name();
    EXPECT_NE(v, make_variations(*t, 6)) << t->name();
    const VariationBox box = t->variation_box();
    std::set<std::vector<double>> distinct(v.begin(), v.end());
    EXPECT_EQ(distinct.size(), v.size()) << t->name();
    for (const auto& p : v) {
      EXPECT_TRUE(t->accept(p)) << t->name();
      for (size_t i = 0; i < p.size(); ++i) {
        EXPECT_GE(p[i], box.low[i]);
        EXPECT_LE(p[i], box.high[i]);
      }
    }
  }
}

TEST(TabletopScene, Ml1DrawsTestVariationsFromTheNextSeed) {
  Benchmark b = make_benchmark("ml1-pick-place", 4);
  const auto train = make_variations(*find_task("pick-place"), 4);
  const auto test = make_variations(*find_task("pick-place"), 5);
  ASSERT_EQ(b.train_tasks.size(), 50u);
  ASSERT_EQ(b.test_tasks.size(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(b.train_tasks[i].params, train[i]);
    EXPECT_EQ(b.test_tasks[i].params, test[i]);
  }
}

TEST(TabletopScene, EveryBenchmarkReportsTheSuiteVersion) {
  EXPECT_EQ(suite_version(), "tabletop-" + std::to_string(kSuiteVersion));
  EXPECT_EQ(make_benchmark("ml10", 1).suite_version, suite_version());
  for (const TabletopTask* t : all_tasks())
    EXPECT_EQ(make_benchmark(std::string("ml1-") + t->name(), 1).suite_version, suite_version());
}

TEST(TabletopScene, Ml10SplitsTasks) {
  Benchmark b = make_benchmark("ml10", 1);
  std::set<std::string> train, test;
  for (const auto& t : b.train_tasks) train.insert(t.name);
  for (const auto& t : b.test_tasks) test.insert(t.name);
  EXPECT_EQ(train.size(), 10u);
  EXPECT_EQ(test.size(), 5u);
  EXPECT_EQ(b.train_tasks.size(), 500u);
  for (const auto& t : test) EXPECT_EQ(train.count(t), 0u) << t;
  // One environment runs every task of the benchmark.
  auto env = b.make_env();
  std::vector<float> obs(39);
  env->set_task(b.test_tasks.back());
  env->reset(0, obs.data());
}

// Multi-task: the goal shown, a one-hot of the task's place in the list appended; the rest
// of the observation, the reward and success are ML's.
void expect_multi_task(const std::string& name, const std::vector<std::string>& tasks) {
  Benchmark b = make_benchmark(name, 1);
  const int n = static_cast<int>(tasks.size());
  EXPECT_EQ(b.spec.obs_dim, kObsDim + n);
  EXPECT_EQ(b.train_tasks.size(), 50u * n);
  EXPECT_EQ(b.test_tasks.size(), 50u * n);
  auto env = b.make_env();
  auto& te = dynamic_cast<TabletopEnv&>(*env);
  std::vector<float> obs(b.spec.obs_dim);
  for (int i = 0; i < n; ++i) {
    const Task& task = b.train_tasks[50 * i];
    EXPECT_EQ(task.name, tasks[i]);
    EXPECT_EQ(task.params, make_variations(*find_task(tasks[i]), 1)[0]);
    EXPECT_EQ(b.test_tasks[50 * i].params, make_variations(*find_task(tasks[i]), 2)[0]);
    env->set_task(task);
    env->reset(0, obs.data());
    for (int step = 0; step < 2; ++step) {
      for (int k = 0; k < n; ++k) EXPECT_EQ(obs[kObsDim + k], k == i ? 1.0f : 0.0f) << name;
      EXPECT_FLOAT_EQ(obs[kGoalOffset], static_cast<float>(te.episode().goal.x));
      EXPECT_FLOAT_EQ(obs[kGoalOffset + 1], static_cast<float>(te.episode().goal.y));
      EXPECT_FLOAT_EQ(obs[kGoalOffset + 2], static_cast<float>(te.episode().goal.z));
      const float act[4] = {0.3f, -0.2f, 0.1f, 1.0f};
      env->step(act, obs.data());
    }
  }
  // The same steps in ML1 give the same first 36 numbers and the same reward.
  Benchmark ml1 = make_benchmark("ml1-" + tasks[0], 1);
  auto single = ml1.make_env();
  std::vector<float> ml_obs(kObsDim);
  env->set_task(b.train_tasks[3]);
  single->set_task(ml1.train_tasks[3]);
  env->reset(0, obs.data());
  single->reset(0, ml_obs.data());
  for (int step = 0; step < 20; ++step) {
    const float act[4] = {0.5f, 0.5f, -0.5f, step < 10 ? -1.0f : 1.0f};
    const StepResult a = env->step(act, obs.data()), c = single->step(act, ml_obs.data());
    EXPECT_EQ(a.reward, c.reward);
    EXPECT_EQ(std::memcmp(obs.data(), ml_obs.data(), kGoalOffset * sizeof(float)), 0);
  }
  for (int i = kGoalOffset; i < kObsDim; ++i) EXPECT_EQ(ml_obs[i], 0.0f);
}

TEST(TabletopScene, Mt10ShowsTheGoalAndATaskId) { expect_multi_task("mt10", mt10_tasks()); }

TEST(TabletopScene, Mt50ShowsTheGoalAndATaskIdOfEveryTask) {
  std::vector<std::string> all;
  for (const TabletopTask* t : all_tasks()) all.push_back(t->name());
  ASSERT_EQ(all.size(), 50u);
  expect_multi_task("mt50", all);
}

TEST(TabletopScene, Ml45HoldsOutMetaWorldsFiveTasks) {
  Benchmark b = make_benchmark("ml45", 1);
  EXPECT_EQ(b.spec.obs_dim, kObsDim);
  std::set<std::string> train, test;
  for (const auto& t : b.train_tasks) train.insert(t.name);
  for (const auto& t : b.test_tasks) test.insert(t.name);
  EXPECT_EQ(train.size(), 45u);
  EXPECT_EQ(test, (std::set<std::string>{"bin-picking", "box-close", "hand-insert", "door-lock",
                                         "door-unlock"}));
  EXPECT_EQ(b.train_tasks.size(), 45u * 50u);
  EXPECT_EQ(b.test_tasks.size(), 5u * 50u);
  for (const auto& t : test) EXPECT_EQ(train.count(t), 0u) << t;
  EXPECT_EQ(train.size() + test.size(), all_tasks().size());
}

TEST(TabletopScene, MetaLearningBenchmarksKeepTheirObservation) {
  EXPECT_EQ(make_benchmark("ml10", 1).spec.obs_dim, kObsDim);
  EXPECT_EQ(make_benchmark("ml1-reach", 1).spec.obs_dim, kObsDim);
  EXPECT_EQ(make_benchmark("ml10", 1).make_env()->spec().obs_dim, kObsDim);
}

// ---- the environment ----

// Obs and rewards of an episode under seeded random actions.
std::vector<float> trace(Env& env, const Task& task, uint64_t seed, int steps) {
  std::vector<float> obs(kObsDim), act(kActDim), out;
  env.set_task(task);
  env.reset(seed, obs.data());
  Rng rng(seed);
  for (int t = 0; t < steps; ++t) {
    for (auto& a : act) a = static_cast<float>(2.0 * rng.uniform() - 1.0);
    const StepResult r = env.step(act.data(), obs.data());
    out.insert(out.end(), obs.begin(), obs.end());
    out.push_back(r.reward);
  }
  return out;
}

TEST(TabletopEnv, SameVariationAndSeedGiveBitIdenticalTrajectories) {
  Benchmark b = make_benchmark("ml1-push", 2);
  auto a = b.make_env(), c = b.make_env();
  const auto first = trace(*a, b.train_tasks[3], 7, 120);
  trace(*a, b.train_tasks[4], 8, 50);  // another episode in between changes nothing
  const auto again = trace(*a, b.train_tasks[3], 7, 120);
  const auto other_env = trace(*c, b.train_tasks[3], 7, 120);
  ASSERT_EQ(first.size(), again.size());
  EXPECT_EQ(std::memcmp(first.data(), again.data(), first.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(first.data(), other_env.data(), first.size() * sizeof(float)), 0);
}

TEST(TabletopEnv, ObservationLayout) {
  Benchmark b = make_benchmark("ml1-reach", 2);
  auto env = b.make_env();
  std::vector<float> obs(kObsDim);
  env->set_task(b.train_tasks[0]);
  env->reset(0, obs.data());
  // At reset the previous frame is the current one; the goal is hidden.
  for (int i = 0; i < kFrameDim; ++i) EXPECT_EQ(obs[i], obs[kFrameDim + i]);
  for (int i = kGoalOffset; i < kObsDim; ++i) EXPECT_EQ(obs[i], 0.0f);
  // The hand starts near (0, 0.6, 0.2) with the gripper open; quaternions are unit.
  EXPECT_NEAR(obs[0], 0.0, 0.02);
  EXPECT_NEAR(obs[1], 0.6, 0.02);
  EXPECT_NEAR(obs[2], 0.2, 0.02);
  EXPECT_GT(obs[3], 0.95);
  EXPECT_NEAR(std::hypot(std::hypot(obs[7], obs[8]), std::hypot(obs[9], obs[10])), 1.0, 1e-5);
  // Closing on nothing reads about 0.3; the hand moves at most 1 cm per step.
  const float close[4] = {1, 0, 0, 1};
  float before = obs[0];
  for (int t = 0; t < 30; ++t) {
    env->step(close, obs.data());
    EXPECT_LE(obs[0] - before, 0.0105);
    before = obs[0];
  }
  EXPECT_NEAR(obs[3], 0.3, 0.1);
  EXPECT_NEAR(obs[kFrameDim], obs[0] - 0.01, 0.003);  // previous frame, one step back
  // Truncated at 500 steps, never terminated.
  StepResult r;
  for (int t = 30; t < kEpisodeSteps; ++t) {
    r = env->step(close, obs.data());
    EXPECT_FALSE(r.terminated);
    EXPECT_EQ(r.truncated, t == kEpisodeSteps - 1);
  }
}

TEST(TabletopEnv, DivergenceFreezesTheEpisodeWithZeroReward) {
  Benchmark b = make_benchmark("ml1-push", 2);
  auto env = b.make_env();
  auto& te = dynamic_cast<TabletopEnv&>(*env);
  std::vector<float> obs(kObsDim), frozen(kObsDim);
  const float act[4] = {0, 1, 0, -1};
  env->set_task(b.train_tasks[0]);
  env->reset(0, obs.data());
  env->step(act, obs.data());
  frozen = obs;
  // Corrupt the state the way a blow-up does.
  const_cast<mjData*>(te.data())->qvel[0] = std::nan("");
  for (int t = 0; t < 5; ++t) {
    const StepResult r = env->step(act, obs.data());
    EXPECT_TRUE(r.unstable);
    EXPECT_EQ(r.reward, 0.0f);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(obs, frozen);
  }
  // The next episode is healthy again.
  env->reset(0, obs.data());
  EXPECT_FALSE(env->step(act, obs.data()).unstable);
}

// ---- every task: solvable, and not solved by doing nothing ----

// Fraction of the 50 training variations on which the policy sets the success flag.
template <class Policy>
double success_rate(const std::string& task, Policy policy) {
  Benchmark b = make_ml1_benchmark(task, 1);
  auto env = b.make_env();
  auto& te = dynamic_cast<TabletopEnv&>(*env);
  std::vector<float> obs(kObsDim), act(kActDim);
  int successes = 0;
  for (const Task& t : b.train_tasks) {
    env->set_task(t);
    env->reset(0, obs.data());
    for (int step = 0; step < kEpisodeSteps; ++step) {
      te.reveal_goal(obs.data());
      policy(te, obs.data(), act.data());
      const StepResult r = env->step(act.data(), obs.data());
      EXPECT_GE(r.reward, 0.0f);
      EXPECT_LE(r.reward, 10.0f);
      EXPECT_FALSE(r.unstable) << task;
      if (r.success) {
        ++successes;
        break;
      }
    }
  }
  return successes / static_cast<double>(b.train_tasks.size());
}

class EveryTask : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryTask, ScriptedExpertSucceedsOnNinetyPercent) {
  const double rate = success_rate(GetParam(), [](const TabletopEnv& e, const float* o, float* a) {
    e.task().scripted_action(o, a);
  });
  EXPECT_GE(rate, 0.9) << GetParam();
  RecordProperty("scripted_success", std::to_string(rate));
}

TEST_P(EveryTask, DoingNothingAlmostNeverSucceeds) {
  const double rate = success_rate(GetParam(), [](const TabletopEnv&, const float*, float* a) {
    std::fill(a, a + kActDim, 0.0f);
  });
  EXPECT_LE(rate, 0.04) << GetParam();
}

// ---- no goal in the observation beyond what the scene shows ----

// What the agent could see of the scene after a reset: joint positions, and where every mocap
// body stands except goal markers (bodies whose names hold "goal": invisible targets).
std::vector<double> visible_state(const TabletopEnv& env) {
  const mjModel* m = env.model();
  const mjData* d = env.data();
  std::vector<double> state(d->qpos, d->qpos + m->nq);
  for (int b = 0; b < m->nbody; ++b) {
    const int mocap = m->body_mocapid[b];
    const char* name = mj_id2name(m, mjOBJ_BODY, b);
    if (mocap < 0 || (name && std::strstr(name, "goal"))) continue;
    state.insert(state.end(), d->mocap_pos + 3 * mocap, d->mocap_pos + 3 * mocap + 3);
  }
  return state;
}

// The observations of 20 steps of seeded random actions from a reset of variation v.
std::vector<float> observed(TabletopEnv& env, const Task& task, uint64_t seed) {
  std::vector<float> obs(kObsDim), act(kActDim), out;
  env.set_task(task);
  env.reset(seed, obs.data());
  out = obs;
  Rng rng(seed);
  for (int t = 0; t < 20; ++t) {
    for (auto& a : act) a = static_cast<float>(2.0 * rng.uniform() - 1.0);
    env.step(act.data(), obs.data());
    out.insert(out.end(), obs.begin(), obs.end());
  }
  return out;
}

// Each coordinate of five variations is set in turn to the next variation's value. Where
// that moves the episode's goal and nothing the agent could see (visible_state), the two
// episodes' observations under the same actions must be bit-identical: the goal reaches the
// agent through its rewards only. Returns how many such goal-only changes were tried.
int goal_only_changes_observed_alike(const std::string& task) {
  Benchmark b = make_ml1_benchmark(task, 1);
  auto env = b.make_env();
  auto& te = dynamic_cast<TabletopEnv&>(*env);
  int tried = 0;
  for (int i = 0; i < 5; ++i) {
    const Task& base = b.train_tasks[i];
    std::vector<float> obs(kObsDim);
    te.set_task(base);
    te.reset(3, obs.data());
    const auto scene = visible_state(te);
    const Vec3 goal = te.episode().goal;
    const auto before = observed(te, base, 3);
    for (size_t j = 0; j < base.params.size(); ++j) {
      Task changed = base;
      changed.params[j] = b.train_tasks[i + 1].params[j];
      te.set_task(changed);
      te.reset(3, obs.data());
      const Vec3 moved = te.episode().goal;
      const bool goal_moved = moved.x != goal.x || moved.y != goal.y || moved.z != goal.z;
      if (!goal_moved || visible_state(te) != scene) continue;
      ++tried;
      EXPECT_EQ(observed(te, changed, 3), before)
          << task << ": variation " << i << ", coordinate " << j
          << " moves only the goal, yet the observation changes";
    }
  }
  return tried;
}

TEST(TabletopScene, NoMlObservationShowsTheGoalBeyondTheScene) {
  std::set<std::string> checked;
  for (const TabletopTask* t : all_tasks())
    if (goal_only_changes_observed_alike(t->name()) > 0) checked.insert(t->name());
  // The check must have had something to check: the tasks whose goal is drawn apart from
  // everything visible (the others place it relative to a visible object, a door, a drawer).
  for (const char* task :
       {"coffee-pull", "hand-insert", "pick-out-of-hole", "pick-place", "pick-place-wall",
        "plate-slide-back", "plate-slide-back-side", "push", "push-back", "push-wall", "reach",
        "reach-wall", "soccer", "stick-pull", "stick-push"})
    EXPECT_TRUE(checked.count(task)) << task << " has no coordinate that moves only its goal";
  std::string names;
  for (const auto& n : checked) names += (names.empty() ? "" : " ") + n;
  RecordProperty("tasks_with_goal_only_coordinates", names);
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const TabletopTask* t : all_tasks()) names.push_back(t->name());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Tabletop, EveryTask, ::testing::ValuesIn(task_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace htrmrl::tabletop
