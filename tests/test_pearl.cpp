// PEARL: the tanh-Gaussian's host draws and tensor densities agree; the posterior is the
// closed-form product of the encoder's factors and narrows as context grows; a trial's tokens
// read back as its steps' transitions; acting draws z from the prior, then from the posterior
// of the trial's earlier transitions, from the trial's own stream; the per-task replay keeps
// and draws only its task and round-trips through an archive; SAC steps on a fixed batch
// lower the critic's loss; whole runs repeat bit for bit and resume to the uninterrupted
// rows; bad keys are refused by name; and it learns point-robot on CI's budget.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "algorithms/pearl_learner.hpp"
#include "memory/transitions.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/agent_kinds.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

// A small PEARL on point-robot (dense): 3-episode trials, small networks and batches.
Config pearl_config() {
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 3;
  c.ppo.trials_per_iter = 8;
  c.agent.kind = "pearl";
  c.agent.hidden = 32;
  c.agent.latent_dim = 3;
  c.pearl.encoder_hidden = 32;
  c.pearl.gradient_steps = 4;
  c.pearl.meta_batch = 4;
  c.pearl.batch = 16;
  c.pearl.context_batch = 8;
  return c;
}

PearlAgent& pearl(RunSetup& s) { return dynamic_cast<PearlAgent&>(*s.agent); }

TEST(TanhGaussian, HostDrawsAndTensorDensitiesAgree) {
  torch::manual_seed(3);
  const TanhGaussian d;
  const PolicyOutput out{torch::randn({4, 3}), 0.5 * torch::randn({4, 3}), torch::zeros({4})};
  for (int64_t row = 0; row < 4; ++row) {
    Rng rng(10 + row), replay(10 + row);
    float action[3];
    const double log_prob = d.sample(out, row, rng, action);
    auto a = torch::from_blob(action, {1, 3}).clone();
    EXPECT_TRUE((a.abs() < 1).all().item<bool>());
    // The tensor density of the same action, and the reparameterised draw from the same noise.
    const PolicyOutput one{out.mean[row].unsqueeze(0), out.log_std[row].unsqueeze(0),
                           torch::zeros({1})};
    EXPECT_NEAR(d.log_prob(one, a).item<double>(), log_prob, 2e-3);
    const auto [drawn, drawn_log_prob] = d.rsample(one, standard_normal(1, 3, replay));
    EXPECT_TRUE(torch::allclose(drawn, a, 1e-5, 1e-6));
    EXPECT_NEAR(drawn_log_prob.item<double>(), log_prob, 1e-4);
    // The mode is tanh of the mean and draws nothing.
    d.mode(out, row, action);
    EXPECT_TRUE(torch::allclose(torch::from_blob(action, {3}), torch::tanh(out.mean[row])));
  }
  EXPECT_NE(error_of([&] { d.entropy(out); }).find("no closed-form entropy"), std::string::npos);
}

TEST(Pearl, ThePosteriorIsTheProductOfTheFactorsAndThePriorWithoutContext) {
  torch::manual_seed(4);
  RunSetup s = make_setup(pearl_config());
  PearlAgent& agent = pearl(s);
  auto context = torch::randn({3, 5, agent.context_dim()});
  auto mask = torch::ones({3, 5});
  mask[1].narrow(0, 2, 3).zero_();  // task 1: two transitions
  mask[2].zero_();                  // task 2: none
  torch::NoGradGuard no_grad;
  const Posterior q = agent.posterior(context, mask);
  const Posterior f = agent.factors(context);
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t j = 0; j < agent.options().latent; ++j) {
      double precision = 0, weighted = 0;
      for (int64_t i = 0; i < 5; ++i) {
        if (mask[t][i].item<float>() == 0) continue;
        const double var = f.var[t][i][j].item<double>();
        precision += 1 / var;
        weighted += f.mean[t][i][j].item<double>() / var;
      }
      EXPECT_NEAR(q.var[t][j].item<double>(), 1 / precision, 1e-6);
      EXPECT_NEAR(q.mean[t][j].item<double>(), weighted / precision, 1e-5);
    }
  EXPECT_TRUE(torch::equal(q.mean[2], torch::zeros({agent.options().latent})));
  EXPECT_TRUE(torch::equal(q.var[2], torch::ones({agent.options().latent})));
}

TEST(Pearl, ATrialsTokensReadBackAsItsStepsTransitions) {
  const Config c = pearl_config();
  RunSetup s = make_setup(c);
  const RolloutBuffer buffer = collect_trials(s, c, 2, 7);
  const TrialRecord& trial = buffer.trials[1];
  const int tokens = static_cast<int>(trial.tokens.size()) / buffer.layout.size();
  const auto ends = transition_ends(trial.tokens.data(), tokens, buffer.layout);
  // One transition per step, ending where the step's outcome token is.
  ASSERT_EQ(ends.size(), static_cast<size_t>(3 * 20));
  EXPECT_EQ(ends, trial.step_end);
  EXPECT_EQ(transition_ends(trial.tokens.data(), tokens, buffer.layout, 1).size(), 20u);
  const Transitions t = gather_transitions(trial.tokens.data(), ends.data(), 60, buffer.layout);
  // Rewards and (in-box tanh) actions as recorded; states chain within an episode and the
  // point robot's first state is the origin.
  EXPECT_TRUE(torch::allclose(t.rew.squeeze(-1), torch::tensor(trial.rewards)));
  EXPECT_TRUE(torch::allclose(t.act.flatten(), torch::tensor(trial.actions)));
  for (int j = 0; j < 60; ++j) {
    if (j % 20 == 0) EXPECT_TRUE(torch::equal(t.obs[j], torch::zeros({2})));
    else EXPECT_TRUE(torch::equal(t.obs[j], t.next_obs[j - 1]));
  }
}

TEST(Pearl, ThePosteriorNarrowsAsContextGrowsOnOneTask) {
  const Config c = pearl_config();
  RunSetup s = make_setup(c);
  const RolloutBuffer buffer = collect_trials(s, c, 1, 11);
  const TrialRecord& trial = buffer.trials[0];
  torch::NoGradGuard no_grad;
  double last = 1e9;
  for (int64_t n : {1, 2, 5, 10, 20, 40}) {
    const Transitions t =
        gather_transitions(trial.tokens.data(), trial.step_end.data(), n, buffer.layout);
    const Posterior q =
        pearl(s).posterior(pearl(s).context_features(t).unsqueeze(0), torch::ones({1, n}));
    const double width = q.var.sum().item<double>();
    EXPECT_LT(width, last) << n << " transitions";
    last = width;
  }
}

// With the mode's actions a trial's stream is drawn by resets and z alone: one draw for each
// reset, then at each episode's first step `latent` normals for its z.
TEST(Pearl, ActingDrawsZFromThePriorThenFromThePosteriorOfTheTrialSoFar) {
  Config c = pearl_config();
  c.pearl.prior_episodes = 1;
  RunSetup s = make_setup(c);
  PearlAgent& agent = pearl(s);
  const int latent = c.agent.latent_dim;
  std::map<std::pair<int, int>, torch::Tensor> z;  // (trial, episode) -> z
  const EpisodeEndHook hook = [&](int trial, int episode, const torch::Tensor& e) {
    z[{trial, episode}] = e.clone();
  };
  Sampler sampler(s.benchmark, c.memory(), s.slots, 2, s.device);
  RolloutBuffer buffer;
  const std::vector<TrialSpec> specs = {{0, 21}, {5, 22}};
  sampler.run(agent, s.benchmark.train_tasks, specs, 3, /*deterministic=*/true, &buffer, &hook);
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 2; ++i) {
    Rng stream(specs[i].seed);
    const TrialRecord& trial = buffer.trials[i];
    const int tokens = static_cast<int>(trial.tokens.size()) / buffer.layout.size();
    for (int e = 0; e < 3; ++e) {
      stream.next();  // the episode's reset
      auto expected = standard_normal(1, latent, stream)[0];
      if (e >= 1) {  // the posterior of episodes [0, e)
        const auto ends = transition_ends(trial.tokens.data(), tokens, buffer.layout, e);
        const Transitions t = gather_transitions(trial.tokens.data(), ends.data(),
                                                 static_cast<int64_t>(ends.size()),
                                                 buffer.layout);
        const auto n = static_cast<int64_t>(ends.size());
        const Posterior q =
            agent.posterior(agent.context_features(t).unsqueeze(0), torch::ones({1, n}));
        expected = q.mean[0] + q.var[0].sqrt() * expected;
      }
      EXPECT_TRUE(torch::allclose(z.at({i, e}), expected, 1e-5, 1e-6))
          << "trial " << i << " episode " << e;
    }
  }
}

// A trial's draws come from its own stream: grouping changes nothing but rounding.
TEST(Pearl, TrialsActTheSameInOneGroupOrInLanes) {
  Config c = pearl_config();
  RunSetup s = make_setup(c);
  std::vector<TrialSpec> specs;
  for (int i = 0; i < 6; ++i) specs.push_back({i, 100 + static_cast<uint64_t>(i)});
  std::vector<std::vector<float>> tokens[2];
  for (int lanes : {1, 2}) {
    SamplerOptions o;
    o.lanes = lanes;
    o.overlap = false;
    Sampler sampler(s.benchmark, c.memory(), s.slots, 6, s.device, o);
    RolloutBuffer buffer;
    sampler.run(*s.agent, s.benchmark.train_tasks, specs, 3, false, &buffer);
    for (const auto& t : buffer.trials) tokens[lanes - 1].push_back(t.tokens);
  }
  // Equal up to float rounding (a batch of one and of three round apart in the matmuls).
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(torch::allclose(torch::tensor(tokens[0][i]), torch::tensor(tokens[1][i]), 1e-4,
                                1e-4))
        << "trial " << i;
}

TEST(TrialReplay, KeepsAndDrawsOnlyItsTaskAndRoundTripsThroughAnArchive) {
  const Config c = pearl_config();
  RunSetup s = make_setup(c);
  const RolloutBuffer buffer = collect_trials(s, c, 8, 3);  // trial i on task i
  TrialReplay replay(40, 2);
  for (int round = 0; round < 2; ++round)
    for (const TrialRecord& t : buffer.trials) {
      TrialRecord moved = t;
      moved.task = t.task % 3;  // tasks 0, 1, 2 get 3, 3 and 2 trials: capacity drops one
      replay.add(moved);
    }
  EXPECT_EQ(replay.size(0), 2);
  EXPECT_EQ(replay.size(2), 2);
  EXPECT_EQ(replay.size(3), 0);
  Rng rng(1);
  for (const TrialRecord* t : replay.sample(1, 50, rng)) EXPECT_EQ(t->task, 1);
  // The newest trial of task 1 is buffer trial 7's copy (tasks 1, 4, 7 -> 1).
  EXPECT_EQ(replay.newest(1).tokens, buffer.trials[7].tokens);
  EXPECT_TRUE(replay.newest(1).log_probs.empty());  // on-policy fields are not kept
  EXPECT_NE(error_of([&] { replay.sample(3, 1, rng); }).find("no trial of task 3"),
            std::string::npos);
  // Through an archive and back.
  std::stringstream bytes;
  {
    torch::serialize::OutputArchive out;
    replay.save(out);
    out.save_to(bytes);
  }
  TrialReplay back(40, 2);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  back.load(in);
  for (int task = 0; task < 40; ++task) {
    ASSERT_EQ(back.size(task), replay.size(task));
    if (replay.size(task) == 0) continue;
    EXPECT_EQ(back.newest(task).tokens, replay.newest(task).tokens);
    EXPECT_EQ(back.newest(task).step_end, replay.newest(task).step_end);
    EXPECT_EQ(back.newest(task).task, task);
  }
  TrialReplay other(39, 2);
  EXPECT_NE(error_of([&] { other.load(in); }).find("40 tasks"), std::string::npos);
}

TEST(PearlLearner, SacStepsOnAFixedBatchLowerTheCriticLoss) {
  Config c = pearl_config();
  c.pearl.gradient_steps = 1;
  c.pearl.lr = 1e-3;
  RunSetup s = make_setup(c);
  RolloutBuffer buffer = collect_trials(s, c, 8, 5);
  auto learner = make_learner(s, nullptr);
  auto& sac = dynamic_cast<PearlLearner&>(*learner);
  std::vector<int> tasks;
  for (const auto& t : buffer.trials) tasks.push_back(t.task);
  sac.update({buffer, tasks, 0, 1});
  // The same stream each step: the same tasks, transitions and noise.
  const auto q_loss = [&] {
    Rng rng(9);
    return sac.step(rng)[0];
  };
  const double first = q_loss();
  double last = 0;
  for (int i = 0; i < 300; ++i) last = q_loss();
  std::cout << "critic loss " << first << " -> " << last << "\n";
  EXPECT_LT(last, 0.2 * first);
  sac.require_finite_state();
}

TEST(Pearl, RunsRepeatAndResumeToTheUninterruptedRows) {
  ScratchDir scratch;
  Config c = pearl_config();
  c.train.total_env_steps = 3 * 8 * 3 * 20;
  c.eval.trials = 1;
  expect_repeat_and_resume(c, scratch.root, pearl_columns());
}

TEST(Pearl, BadKeysAreRefusedByName) {
  for (const std::string bad :
       {"pearl.prior_episodes=3", "pearl.context_episodes=4", "pearl.lr=0", "pearl.batch=0",
        "pearl.entropy=adaptive", "pearl.tau=0", "pearl.replay_trials=0"}) {
    SCOPED_TRACE(bad);
    Config c = pearl_config();
    const std::string message = error_of([&] { apply_override(c, bad); });
    EXPECT_NE(message.find(bad.substr(0, bad.find('='))), std::string::npos) << message;
  }
}

// Learning on CI's budget: PEARL sized for a CPU (64-wide networks, meta-batches of 8 tasks x
// 64 transitions, 400 SAC steps per 640 collected transitions, reward scale 10) meta-trained
// on point-robot for 102,400 env steps, about 3 minutes a seed. The settings were chosen on
// seeds 101 and 102, the bars on seeds 1 and 2; the test runs seeds 3 and 4
// (docs/results.md, "VariBAD and PEARL learn, on CI's budget").
Config pearl_learning_config(int64_t seed) {
  Config c = load_config(HTRMRL_SOURCE_DIR "/configs/pearl-point-robot.toml");
  c.seed = seed;
  c.agent.hidden = 64;
  c.pearl.encoder_hidden = 64;
  c.pearl.meta_batch = 8;
  c.pearl.batch = 64;
  c.pearl.context_batch = 32;
  c.pearl.gradient_steps = 400;
  c.pearl.reward_scale = 10;
  c.ppo.trials_per_iter = 8;
  c.train.total_env_steps = 102400;
  c.eval.trials = 10;  // 10 held-out goals x 10 trials
  c.eval.every = 0;    // one meta-test, after training
  return c;
}

TEST(PearlLearning, BeatsItsUntrainedSelfOnEverySeedAndThePosteriorBeatsThePrior) {
  ScratchDir scratch;
  double posterior_gain = 0;
  const std::vector<int64_t> seeds = {3, 4};
  for (int64_t seed : seeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Config c = pearl_learning_config(seed);
    const HeldOut untrained = untrained_held_out(c);
    const HeldOut trained = trained_held_out(c, scratch.path("seed" + std::to_string(seed)));
    // Against the same agent untrained: in the scored 4th episode it gets nearer the goals
    // (return = minus the summed distance, about -20 for a policy that does not head for
    // them), and in the episodes that act on the posterior (2-4) it reaches them. Success is
    // read over those three episodes: SAC's success swings by 0.2 between iterations late in
    // such a run, and the 4th episode alone caught seed 2 in a trough (docs/results.md).
    EXPECT_GT(trained.mean_return, untrained.mean_return + 4.0);
    EXPECT_GT(trained.later_success, untrained.later_success + 0.15);
    posterior_gain += (trained.later_success - trained.first_success) / seeds.size();
  }
  // Over the seeds, acting on the posterior beats acting on the prior (the first episode).
  EXPECT_GT(posterior_gain, 0.05);
}

}  // namespace
}  // namespace htrmrl
