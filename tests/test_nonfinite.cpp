// Non-finite values: a NaN or infinity injected into a run (an environment that returns one,
// an absurd learning rate, a poisoned parameter) stops it where it first appears with one
// message naming what, where and the last good checkpoint, which stays intact and resumable.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <memory>

#include "algorithms/learner.hpp"
#include "algorithms/ppo.hpp"
#include "common/files.hpp"
#include "common/finite.hpp"
#include "envs/benchmark.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/checkpoint.hpp"
#include "training/setup.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

// While set, the poisoned environments corrupt the 4th step of every episode. Set only
// between runs, read by the sampler's threads.
std::atomic<bool> poisoned{false};

enum class Poison { kObservation, kReward };

// A point-robot environment that, while `poisoned` is set, returns a NaN observation or an
// infinite reward at the 4th step of every episode.
class PoisonedEnv : public Env {
 public:
  PoisonedEnv(std::unique_ptr<Env> inner, Poison poison)
      : inner_(std::move(inner)), poison_(poison) {}
  const EnvSpec& spec() const override { return inner_->spec(); }
  void set_task(const Task& task) override { inner_->set_task(task); }
  void reset(uint64_t seed, float* obs) override {
    steps_ = 0;
    inner_->reset(seed, obs);
  }
  StepResult step(const float* action, float* obs) override {
    StepResult r = inner_->step(action, obs);
    if (++steps_ == 4 && poisoned) {
      if (poison_ == Poison::kObservation) obs[0] = std::nanf("");
      else r.reward = INFINITY;
    }
    return r;
  }

 private:
  std::unique_ptr<Env> inner_;
  Poison poison_;
  int steps_ = 0;
};

// Registers test-nan-observation and test-inf-reward (point-robot with a PoisonedEnv) once.
void register_poisoned_benchmarks() {
  static const bool done = [] {
    for (const auto& [name, poison] : {std::pair{"test-nan-observation", Poison::kObservation},
                                       std::pair{"test-inf-reward", Poison::kReward}}) {
      const std::string benchmark = name;
      register_benchmark(benchmark, [benchmark, poison = poison](uint64_t seed) {
        Benchmark b = make_benchmark("point-robot", seed);
        b.name = benchmark;
        b.make_env = [inner = b.make_env, poison] {
          return std::make_unique<PoisonedEnv>(inner(), poison);
        };
        return b;
      });
    }
    return true;
  }();
  (void)done;
}

constexpr int64_t kStepsPerIteration = 8 * 3 * 20;  // trials x episodes x point-robot steps

// A tiny run of `iterations` iterations with a checkpoint after each; the learning rate is not
// annealed, so a shorter run is the start of a longer one.
Config tiny_config(const std::string& benchmark, int64_t iterations) {
  Config c;
  c.env.benchmark = benchmark;
  c.env.episodes_per_trial = 3;
  c.ppo.trials_per_iter = 8;
  c.agent.episodes = 3;
  c.agent.d_model = 16;
  c.agent.ff_dim = 32;
  c.agent.hidden = 32;
  c.ppo.anneal_lr = false;
  c.train.total_env_steps = iterations * kStepsPerIteration;
  c.train.checkpoint_every = 1;
  c.train.eval_at_end = false;
  return c;
}

TEST(NonFinite, NanObservationStopsTheRunAndItsLastCheckpointResumes) {
  register_poisoned_benchmarks();
  ScratchDir scratch;
  const Config c = tiny_config("test-nan-observation", 4);
  poisoned = false;
  train_new(c, scratch.path("whole"));

  // Two good iterations, then the environment turns NaN in the third.
  const std::string dir = scratch.path("run");
  train_new(tiny_config("test-nan-observation", 2), dir);
  write_file_atomic(dir + "/config.toml", to_toml(c));
  const std::string checkpoint = read_file(dir + "/checkpoints/latest.pt");
  poisoned = true;
  const std::string message = error_of<NonFiniteError>([&] { train_resume(dir); });
  poisoned = false;
  EXPECT_EQ(message.rfind("iteration 3: the environment's observation [0] is NaN at step 4 of "
                          "episode 1 of trial 1 (task #", 0),
            0u)
      << message;
  EXPECT_NE(message.find(" of test-nan-observation); the last good checkpoint is iteration 2 (" +
                         dir + "/checkpoints/latest.pt)"),
            std::string::npos)
      << message;
  EXPECT_EQ(read_file(dir + "/checkpoints/latest.pt"), checkpoint);
  EXPECT_EQ(stable_metrics_rows(dir + "/metrics.csv").size(), 2u);

  // The environment healthy again, the run resumes from iteration 2 to the uninterrupted end.
  train_resume(dir);
  const auto whole = stable_metrics_rows(scratch.path("whole/metrics.csv"));
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(stable_metrics_rows(dir + "/metrics.csv"), whole);
  EXPECT_NE(read_file(dir + "/status.json").find("\"iteration\": 4"), std::string::npos);
}

TEST(NonFinite, InfiniteRewardIsNamedAndNoCheckpointIsWritten) {
  register_poisoned_benchmarks();
  ScratchDir scratch;
  const std::string dir = scratch.path("run");
  poisoned = true;
  const std::string message =
      error_of<NonFiniteError>([&] { train_new(tiny_config("test-inf-reward", 2), dir); });
  poisoned = false;
  EXPECT_EQ(message.rfind("iteration 1: the environment's reward is +inf at step 4 of episode 1 "
                          "of trial 1 (task #", 0),
            0u)
      << message;
  EXPECT_NE(message.find(" of test-inf-reward); no checkpoint has been written yet"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(dir + "/checkpoints/latest.pt"));
  EXPECT_TRUE(stable_metrics_rows(dir + "/metrics.csv").empty());
  EXPECT_FALSE(fs::exists(dir + "/status.json"));
}

// The configuration caps ppo.lr at 1, so the absurd rate is given to the optimiser directly:
// its first step sends the parameters to about 1e30 and the next minibatch's losses overflow.
// The update stops before that step is taken, so the parameters stay finite.
TEST(NonFinite, AbsurdLearningRateStopsTheUpdateBeforeItsStep) {
  Config c = tiny_config("point-robot", 1);
  RunSetup s = make_setup(c);
  Sampler sampler = make_sampler(s, c.ppo.trials_per_iter);
  std::vector<TrialSpec> specs;
  for (int i = 0; i < c.ppo.trials_per_iter; ++i) specs.push_back({i, static_cast<uint64_t>(i)});
  RolloutBuffer buffer;
  sampler.run(*s.agent, s.benchmark.train_tasks, specs, c.env.episodes_per_trial, false, &buffer);
  compute_gae(buffer, c.ppo.gamma, c.ppo.gae_lambda);
  torch::optim::Adam optimizer(s.agent->parameters(), torch::optim::AdamOptions(1e30));
  const std::string message = error_of<NonFiniteError>(
      [&] { ppo_update(*s.agent, optimizer, buffer, c.ppo_options(), 1, s.device); });
  EXPECT_EQ(message.rfind("the PPO ", 0), 0u) << message;
  EXPECT_NE(message.find(" (minibatch step 2)"), std::string::npos) << message;
  EXPECT_NO_THROW(require_finite_state(*s.agent, optimizer));
}

TEST(NonFinite, ParametersAndOptimiserMomentsAreChecked) {
  RunSetup s = make_setup(tiny_config("point-robot", 1));
  torch::optim::Adam optimizer(s.agent->parameters(), torch::optim::AdamOptions(1e-3));
  EXPECT_NO_THROW(require_finite_state(*s.agent, optimizer));
  // One optimiser step creates the moments; an infinite gradient poisons them.
  for (auto& p : s.agent->parameters()) p.mutable_grad() = torch::full_like(p, INFINITY);
  optimizer.step();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : s.agent->parameters()) p.zero_();  // parameters fine, moments not
  }
  EXPECT_EQ(error_of<NonFiniteError>([&] { require_finite_state(*s.agent, optimizer); }),
            "an Adam first moment holds +inf after the update");
  optimizer.state().clear();
  const auto named = s.agent->named_parameters();
  {
    torch::NoGradGuard no_grad;
    named[3].value().view(-1)[0] = -INFINITY;
  }
  EXPECT_EQ(error_of<NonFiniteError>([&] { require_finite_state(*s.agent, optimizer); }),
            "parameter '" + named[3].key() + "' holds -inf after the update");
}

}  // namespace
}  // namespace htrmrl
