// PPO: advantage estimation, the exactness of rebuilt contexts (first ratio = 1, and
// deduplicated contexts encoding like dense ones, for every agent kind), and run-level
// determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "algorithms/ppo.hpp"
#include "algorithms/reward_scaling.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/rng.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/config.hpp"
#include "training/setup.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

TEST(Gae, MatchesAHandComputedTrial) {
  RolloutBuffer b;
  TrialRecord t;
  t.rewards = {1, 0, 2};
  t.values = {0.5f, 0.2f, 0.1f};
  t.log_probs = {0, 0, 0};
  b.trials.push_back(t);
  compute_gae(b, 0.9, 0.8);
  // deltas: 1 + .9*.2 - .5 = .68; 0 + .9*.1 - .2 = -.11; 2 - .1 = 1.9 (trial end)
  const double a2 = 1.9, a1 = -0.11 + 0.72 * a2, a0 = 0.68 + 0.72 * a1;
  EXPECT_NEAR(b.trials[0].advantages[2], a2, 1e-6);
  EXPECT_NEAR(b.trials[0].advantages[1], a1, 1e-6);
  EXPECT_NEAR(b.trials[0].advantages[0], a0, 1e-6);
  EXPECT_NEAR(b.trials[0].returns[0], a0 + 0.5, 1e-6);
}

Config small_config(const std::string& kind = "htrmrl") {
  Config c;
  c.env.benchmark = "point-robot-sparse";
  c.env.episodes_per_trial = 3;
  c.ppo.trials_per_iter = 8;
  c.agent.kind = kind;
  c.agent.episodes = 3;
  if (kind == "trmrl") set_published_trmrl(c);
  return c;
}

// rl2 and varibad read contexts only through their fallback forward (their own paths are in
// tests/test_rl2.cpp and test_varibad.cpp); their ratio goes through the segment path of
// ppo_update.
const std::vector<std::string> kKinds{"htrmrl", "trmrl", "flat", "rl2", "varibad"};

// One rollout of c.ppo.trials_per_iter trials (trial i on train task i) by s's agent.
RolloutBuffer collect(RunSetup& s, const Config& c) {
  RolloutBuffer buffer = collect_trials(s, c, c.ppo.trials_per_iter, 0);
  compute_gae(buffer, 0.99, 0.95);
  return buffer;
}

// Collects one rollout and returns the first minibatch's max |ratio - 1|.
double first_ratio_error(const Config& c) {
  RunSetup s = make_setup(c);
  // A first rollout moves the normaliser away from identity, as in a real run.
  RolloutBuffer first = collect(s, c);
  auto obs = first.gather({0, 1, 2}, 0, 3).tokens.narrow(-1, 0, s.layout.obs_dim);
  s.agent->normalizer()->update(obs.reshape({-1, s.layout.obs_dim}) * 3 + 1);
  RolloutBuffer buffer = collect(s, c);
  torch::optim::Adam opt(s.agent->parameters(), torch::optim::AdamOptions(1e-3));
  return ppo_update(*s.agent, opt, buffer, c.ppo_options(), 1, s.device).first_ratio_error;
}

TEST(RolloutBuffer, DeduplicatedContextsEncodeTheSameAsDenseOnes) {
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind);
    Config c = small_config(kind);
    RunSetup s = make_setup(c);
    RolloutBuffer buffer = collect(s, c);
    std::vector<int64_t> ids(buffer.size());
    for (int64_t i = 0; i < buffer.size(); ++i) ids[i] = (i * 7919) % buffer.size();  // mixed
    Context dedup = buffer.gather(ids, 0, 200), dense = buffer.gather(ids, 0, 200, false);
    EXPECT_EQ(dense.tokens.size(0), 200 * s.slots);
    // Past windows repeat across an episode's steps: far fewer distinct sequences (TrMRL
    // has no past slots, so nothing to share).
    if (s.slots > 1) EXPECT_LT(dedup.tokens.size(0), dense.tokens.size(0) * 3 / 4);
    torch::NoGradGuard no_grad;
    auto a = s.agent->forward(dedup), b = s.agent->forward(dense);
    EXPECT_TRUE(torch::allclose(a.mean, b.mean, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(a.value, b.value, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(s.agent->embed(dedup), s.agent->embed(dense), 1e-5, 1e-6));
  }
}

TEST(Ppo, RebuiltContextsGiveRatioOneOnTheFirstMinibatch) {
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind);
    Config c = small_config(kind);
    EXPECT_LT(first_ratio_error(c), 1e-4);
    c.ppo.normalize_obs = true;
    c.agent.resample = "step";
    c.agent.sampling = "random_episodes";
    EXPECT_LT(first_ratio_error(c), 1e-4);
  }
}

TEST(Ppo, Rl2RatioIsOneForEveryBpttLength) {
  // Segment-start states are recomputed, so the segment length cannot change the ratio.
  for (int bptt : {1, 2, 7, 32, 1000}) {
    SCOPED_TRACE(bptt);
    Config c = small_config("rl2");
    c.agent.bptt = bptt;
    c.ppo.normalize_obs = bptt == 7;
    EXPECT_LT(first_ratio_error(c), 1e-4);
  }
}

// Workers split each minibatch into parts whose gradients add up to the whole's: the update
// of one thread up to float rounding, and the same bits from run to run whatever the
// threads' timing. For a context agent and the recurrent one (segments as units).
TEST(Ppo, WorkersGiveTheUpdateOfOneThread) {
  for (const std::string kind : {"htrmrl", "rl2"}) {
    SCOPED_TRACE(kind);
    Config c = small_config(kind);
    RunSetup s = make_setup(c);
    RolloutBuffer buffer = collect(s, c);
    PpoOptions o = c.ppo_options();
    o.epochs = 2;
    o.minibatches = 3;
    // Plain SGD: Adam's first steps are about lr x sign(g), which rounding could flip.
    auto update = [&](int workers) {
      RunSetup fresh = make_setup(c);
      torch::optim::SGD opt(fresh.agent->parameters(), torch::optim::SGDOptions(0.05));
      o.workers = workers;
      const PpoStats stats = ppo_update(*fresh.agent, opt, buffer, o, 1, fresh.device);
      std::vector<torch::Tensor> flat;
      for (const auto& p : fresh.agent->parameters()) flat.push_back(p.detach().reshape(-1));
      return std::make_pair(torch::cat(flat), stats);
    };
    const auto [one, one_stats] = update(1);
    for (int workers : {2, 3}) {
      SCOPED_TRACE(workers);
      const auto [many, stats] = update(workers);
      EXPECT_TRUE(torch::allclose(many, one, 1e-4, 1e-5))
          << "max difference " << (many - one).abs().max().item<float>();
      EXPECT_TRUE(torch::equal(many, update(workers).first));
      EXPECT_EQ(stats.minibatch_steps, one_stats.minibatch_steps);
      EXPECT_NEAR(stats.policy_loss, one_stats.policy_loss, 1e-5);
      EXPECT_NEAR(stats.value_loss, one_stats.value_loss, 1e-4);
      EXPECT_NEAR(stats.approx_kl, one_stats.approx_kl, 1e-6);
      EXPECT_NEAR(stats.grad_norm, one_stats.grad_norm, 1e-4);
    }
    // The update moved the parameters: the comparisons above are not of untouched copies.
    std::vector<torch::Tensor> initial;
    for (const auto& p : make_setup(c).agent->parameters()) initial.push_back(p.reshape(-1));
    EXPECT_GT((one - torch::cat(initial)).abs().max().item<float>(), 1e-3);
  }
}

TEST(Ppo, TargetKlStopsTheUpdateEarly) {
  Config c = small_config();
  RunSetup s = make_setup(c);
  RolloutBuffer buffer = collect(s, c);
  // A large learning rate moves the policy far within one epoch.
  PpoOptions o = c.ppo_options();
  o.epochs = 4;
  o.minibatches = 8;
  for (double target : {0.0, 1e-4}) {
    RunSetup fresh = make_setup(c);
    torch::optim::Adam opt(fresh.agent->parameters(), torch::optim::AdamOptions(0.05));
    o.target_kl = target;
    const int steps = ppo_update(*fresh.agent, opt, buffer, o, 1, fresh.device).minibatch_steps;
    if (target == 0) EXPECT_EQ(steps, 32);
    else EXPECT_LT(steps, 32);
  }
}

TEST(Trainer, SameSeedGivesIdenticalMetrics) {
  const fs::path root = fs::temp_directory_path() / "htrmrl_test_determinism";
  fs::remove_all(root);
  Config c = small_config();
  c.train.total_env_steps = 3 * 8 * 60;
  c.train.eval_at_end = false;
  train_new(c, (root / "a").string());
  train_new(c, (root / "b").string());
  c.seed = 2;
  train_new(c, (root / "c").string());
  const auto a = stable_metrics_rows((root / "a" / "metrics.csv").string());
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, stable_metrics_rows((root / "b" / "metrics.csv").string()));
  EXPECT_NE(a, stable_metrics_rows((root / "c" / "metrics.csv").string()));
  fs::remove_all(root);
}

// A buffer of trials with the given rewards (only what the reward scaler reads).
RolloutBuffer reward_buffer(const std::vector<std::vector<float>>& rewards) {
  RolloutBuffer b;
  for (const auto& r : rewards) {
    TrialRecord t;
    t.rewards = r;
    b.trials.push_back(t);
  }
  return b;
}

// Population standard deviation of the discounted returns-so-far of the given trials.
double discounted_return_std(const std::vector<std::vector<float>>& rewards, double gamma) {
  std::vector<double> returns;
  for (const auto& trial : rewards) {
    double g = 0;
    for (float r : trial) returns.push_back(g = gamma * g + r);
  }
  double mean = 0, var = 0;
  for (double x : returns) mean += x / returns.size();
  for (double x : returns) var += (x - mean) * (x - mean) / returns.size();
  return std::sqrt(var);
}

TEST(RewardScaling, DividesByTheRunningStdOfDiscountedReturns) {
  const std::vector<std::vector<float>> first{{1, 0, 2, 5}, {10, 10}}, second{{0, 3, 3}};
  RewardScaler scaler(RewardScaling::kGlobal, 1, 0.9);
  RolloutBuffer b = reward_buffer(first);
  scaler.scale(b, {0, 0}, nullptr);
  const double d1 = discounted_return_std(first, 0.9);
  EXPECT_NEAR(scaler.divisor(0), d1, 1e-6);
  EXPECT_NEAR(b.trials[1].rewards[0], 10 / d1, 1e-5);
  // A second batch merges with the first: the statistics of both together.
  RolloutBuffer b2 = reward_buffer(second);
  scaler.scale(b2, {0}, nullptr);
  const double d2 = discounted_return_std({{1, 0, 2, 5}, {10, 10}, {0, 3, 3}}, 0.9);
  EXPECT_NEAR(scaler.divisor(0), d2, 1e-6);
  EXPECT_NEAR(b2.trials[0].rewards[1], 3 / d2, 1e-5);
  // The state round-trips; a state of another shape is refused.
  RewardScaler restored(RewardScaling::kGlobal, 1, 0.9);
  restored.load_state(scaler.state());
  EXPECT_EQ(restored.divisor(0), scaler.divisor(0));
  EXPECT_THROW(restored.load_state(torch::zeros({2, 3}, torch::kFloat64)), Error);
}

TEST(RewardScaling, PerTaskKeepsEachFamilysStatistics) {
  // Family 1's rewards are 100 times family 0's: each is divided by its own deviation, so
  // both end on the same scale.
  const std::vector<std::vector<float>> rewards{{1, 0, 2}, {100, 0, 200}, {1, 0, 2}};
  RewardScaler scaler(RewardScaling::kPerTask, 2, 0.5);
  RolloutBuffer b = reward_buffer(rewards);
  scaler.scale(b, {0, 1, 0}, nullptr);
  EXPECT_NEAR(scaler.divisor(0), discounted_return_std({rewards[0], rewards[2]}, 0.5), 1e-6);
  EXPECT_NEAR(scaler.divisor(1), discounted_return_std({rewards[1]}, 0.5), 1e-6);
  EXPECT_NEAR(scaler.divisor(1), 100 * scaler.divisor(0), 1e-4);
  EXPECT_NEAR(b.trials[0].rewards[2], b.trials[1].rewards[2], 1e-5);
  // Off leaves rewards alone.
  RewardScaler off(RewardScaling::kOff, 2, 0.5);
  RolloutBuffer untouched = reward_buffer(rewards);
  off.scale(untouched, {0, 1, 0}, nullptr);
  EXPECT_EQ(untouched.trials[1].rewards, rewards[1]);
  EXPECT_EQ(off.divisor(1), 1.0);
}

// The statistics are part of the checkpoint: a run resumed from iteration 3 continues as the
// uninterrupted run does (and scaling does change the run, so the comparison means something).
TEST(RewardScaling, ResumedRunMatchesTheUninterruptedOne) {
  const fs::path root = fs::temp_directory_path() / "htrmrl_test_reward_scaling";
  fs::remove_all(root);
  Config c = small_config();
  c.env.benchmark = "point-robot";  // dense rewards: every iteration moves the statistics
  c.ppo.scale_rewards = "global";
  c.ppo.anneal_lr = false;  // so the 3-iteration run is the start of the 5-iteration one
  c.train.total_env_steps = 5 * 8 * 60;
  c.train.eval_at_end = false;
  train_new(c, (root / "whole").string());
  Config early = c;
  early.train.total_env_steps = 3 * 8 * 60;
  train_new(early, (root / "part").string());
  write_file_atomic((root / "part" / "config.toml").string(), to_toml(c));
  train_resume((root / "part").string());
  const auto whole = stable_metrics_rows((root / "whole" / "metrics.csv").string());
  ASSERT_EQ(whole.size(), 5u);
  EXPECT_EQ(stable_metrics_rows((root / "part" / "metrics.csv").string()), whole);
  c.ppo.scale_rewards = "off";
  train_new(c, (root / "unscaled").string());
  EXPECT_NE(stable_metrics_rows((root / "unscaled" / "metrics.csv").string()), whole);
  fs::remove_all(root);
}

}  // namespace
}  // namespace htrmrl
