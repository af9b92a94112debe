// MAML as an agent kind: a trial's episodes are read back from its tokens and raw actions;
// the acting side plays the meta-parameters for the adaptation episodes and then the
// parameters the inner loop gives on them (the learner's recomputation agrees: ratio 1);
// the TRPO and PPO outer steps improve the surrogate within their limits; runs repeat and
// resume to the uninterrupted rows; bad keys are refused by name; and on point-robot,
// meta-training makes the adapted policy clearly better than the one it adapts from, and
// than the untrained policy adapted the same way.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "algorithms/maml_learner.hpp"
#include "common/files.hpp"
#include "evaluation/evaluate.hpp"
#include "models/distribution.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/setup.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

Config maml_config() {
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 5;
  c.agent.kind = "maml";
  c.agent.hidden = 16;
  c.agent.init_std = 1.0;
  c.maml.adaptation_episodes = 3;
  c.eval.adaptation_episodes = 3;
  c.eval.evaluation_episodes = 2;
  c.eval.deterministic = false;
  c.ppo.trials_per_iter = 6;
  return c;
}

MamlAgent& maml(RunSetup& s) { return dynamic_cast<MamlAgent&>(*s.agent); }

// Trial `trial` of the buffer's episodes [first, first + count) as the policy reads them.
Episodes episodes_of(MamlAgent& agent, const RolloutBuffer& buffer, int trial, int first,
                     int count) {
  const TrialRecord& r = buffer.trials[trial];
  const int tokens = static_cast<int>(r.tokens.size()) / buffer.layout.size();
  const TrialEpisodes where = trial_episodes(r.tokens.data(), tokens, buffer.layout);
  Episodes e = gather_episodes(r.tokens.data(), buffer.layout, r.actions.data(), where, first,
                               count);
  e.obs = agent.policy_input(e.obs);
  return e;
}

TEST(MamlEpisodes, ATrialsEpisodesAreReadBackAsRecorded) {
  Config c = maml_config();
  RunSetup s = make_setup(c);
  const RolloutBuffer buffer = collect_trials(s, c, 2, 11);
  const TrialRecord& r = buffer.trials[1];
  const int tokens = static_cast<int>(r.tokens.size()) / buffer.layout.size();
  const TrialEpisodes where = trial_episodes(r.tokens.data(), tokens, buffer.layout);
  ASSERT_EQ(where.count(), c.env.episodes_per_trial);
  int steps = 0;
  for (int k = 0; k < where.count(); ++k) {
    EXPECT_EQ(where.length[k], 20);  // point-robot's episodes run to the limit
    EXPECT_EQ(where.first_step[k], steps);
    steps += where.length[k];
  }
  EXPECT_EQ(steps, r.steps());
  // Rewards and raw actions of episodes 2-4 are the recorded steps, in order.
  const Episodes e = gather_episodes(r.tokens.data(), buffer.layout, r.actions.data(), where, 2, 3);
  const auto rewards = torch::from_blob(const_cast<float*>(r.rewards.data()), {5, 20});
  EXPECT_TRUE(torch::equal(e.rewards, rewards.narrow(0, 2, 3)));
  const auto actions = torch::from_blob(const_cast<float*>(r.actions.data()), {5, 20, 2});
  EXPECT_TRUE(torch::equal(e.actions, actions.narrow(0, 2, 3)));
  EXPECT_GT(e.actions.abs().max().item<float>(), 1.0f);  // raw draws, not the clipped ones
  EXPECT_TRUE(torch::equal(pad_steps(r.log_probs.data(), where, 0, 5),
                           torch::from_blob(const_cast<float*>(r.log_probs.data()), {5, 20})));
}

TEST(MamlActing, PlaysTheAdaptedParametersAfterTheAdaptationEpisodes) {
  Config c = maml_config();
  RunSetup s = make_setup(c);
  MamlAgent& agent = maml(s);
  const RolloutBuffer buffer = collect_trials(s, c, 3, 5);
  static const DiagonalGaussian gaussian;
  for (int trial = 0; trial < 3; ++trial) {
    SCOPED_TRACE(trial);
    const TrialRecord& r = buffer.trials[trial];
    const auto acted = torch::from_blob(const_cast<float*>(r.log_probs.data()), {5, 20});
    const Episodes before = episodes_of(agent, buffer, trial, 0, 3);
    const Episodes after = episodes_of(agent, buffer, trial, 3, 2);
    const Params meta = agent.policy()->meta_parameters();
    const Params adapted = adapt(*agent.policy(), meta, before,
                                 maml_advantages(before, agent.adaptation()),
                                 agent.adaptation(), false);
    torch::NoGradGuard no_grad;
    const auto meta_before = gaussian.log_prob(agent.policy()->forward(before.obs), before.actions);
    const auto adapted_after = gaussian.log_prob(agent.policy()->forward(after.obs, adapted),
                                                 after.actions);
    const auto meta_after = gaussian.log_prob(agent.policy()->forward(after.obs), after.actions);
    // The adaptation episodes were played by the meta-parameters, the rest by the adapted.
    EXPECT_LT((meta_before - acted.narrow(0, 0, 3)).abs().max().item<float>(), 1e-4);
    EXPECT_LT((adapted_after - acted.narrow(0, 3, 2)).abs().max().item<float>(), 1e-4);
    EXPECT_GT((meta_after - acted.narrow(0, 3, 2)).abs().max().item<float>(), 1e-2);
  }
}

// One update of each outer step on the same trials.
LearnerStats one_update(const std::string& outer, RunSetup& s, RolloutBuffer& buffer) {
  MamlLearnerOptions o;
  o.outer = outer;
  o.epochs = 3;
  MamlLearner learner(maml(s), o, s.device);
  std::vector<int> tasks(buffer.trials.size(), 0);
  return learner.update({buffer, tasks, 0, 10});
}

// With either baseline: the value network's fit must be the same on the acting side's thread
// and in the learner, or the recomputed theta' would not be the one that acted.
TEST(MamlLearner, OuterStepsStartAtTheActingPolicyAndImproveTheSurrogate) {
  Config c = maml_config();
  for (const auto& [outer, baseline] : std::vector<std::pair<std::string, std::string>>{
           {"trpo", "linear"}, {"ppo", "linear"}, {"trpo", "mlp"}, {"ppo", "mlp"}}) {
    SCOPED_TRACE(outer + ", " + baseline + " baseline");
    c.maml.baseline = baseline;
    RunSetup s = make_setup(c);
    RolloutBuffer buffer = collect_trials(s, c, 6, 21);
    const Params before = maml(s).policy()->meta_parameters();
    std::vector<torch::Tensor> kept;
    for (const auto& p : before) kept.push_back(p.detach().clone());
    const LearnerStats st = one_update(outer, s, buffer);
    const auto& cols = maml_columns();
    auto value = [&](const std::string& name) {
      for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i].name == name) return st.values[i];
      ADD_FAILURE() << name;
      return 0.0;
    };
    EXPECT_EQ(st.samples, 6 * 5 * 20);
    // The recomputed adapted policy is the one that acted.
    EXPECT_LT(value("ratio_error"), 1e-4);
    EXPECT_LT(value("surrogate_after"), value("surrogate_before"));
    EXPECT_GT(value("outer_kl"), 0);
    if (outer == "trpo") {
      EXPECT_GE(value("line_search_steps"), 0);
      EXPECT_LE(value("outer_kl"), 0.01);
    }
    bool moved = false;
    for (size_t i = 0; i < kept.size(); ++i) moved |= !torch::equal(kept[i], before[i]);
    EXPECT_TRUE(moved);
  }
}

TEST(Maml, RunsRepeatAndResumeToTheUninterruptedRows) {
  ScratchDir scratch;
  const fs::path root = scratch.root;
  for (const std::string outer : {"ppo", "trpo"}) {
    SCOPED_TRACE(outer);
    Config c = maml_config();
    c.maml.outer = outer;
    c.train.total_env_steps = 3 * 6 * 5 * 20;
    c.eval.trials = 1;
    expect_repeat_and_resume(c, root / outer, maml_columns());
  }
}

TEST(Maml, BadKeysAreRefusedByName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"maml.adaptation_episodes=5", "maml.adaptation_episodes"},  // = episodes_per_trial
      {"eval.adaptation_episodes=2", "eval.adaptation_episodes"},
      {"eval.deterministic=true", "eval.deterministic"},
      {"maml.inner_lr=0", "maml.inner_lr"},
      {"maml.inner_steps=0", "maml.inner_steps"},
      {"maml.outer=\"sgd\"", "maml.outer"},
      {"maml.baseline=\"value\"", "maml.baseline"},
      {"maml.max_kl=0", "maml.max_kl"},
      {"maml.backtrack_ratio=1.5", "maml.backtrack_ratio"}};
  for (const auto& [bad, key] : cases) {
    SCOPED_TRACE(bad);
    Config c = maml_config();
    const std::string message = error_of([&] { apply_override(c, bad); });
    EXPECT_NE(message.find(key), std::string::npos) << message;
  }
}

// Success before adaptation (the meta-policy's episodes) and after (the adapted policy's).
struct Adaptation {
  double before = 0, after = 0;
};

Adaptation split_at_adaptation(const std::vector<double>& by_episode, int adaptation_episodes) {
  const auto mid = by_episode.begin() + adaptation_episodes;
  return {std::accumulate(by_episode.begin(), mid, 0.0) / adaptation_episodes,
          std::accumulate(mid, by_episode.end(), 0.0) / (by_episode.end() - mid)};
}

Config maml_learning_config(int64_t seed) {
  Config c = load_config(HTRMRL_SOURCE_DIR "/configs/maml-point-robot.toml");
  c.seed = seed;
  c.train.total_env_steps = 6 * 8000;  // 6 outer steps, about 15 s
  c.eval.trials = 10;
  c.eval.every = 0;  // one meta-test, after training
  return c;
}

// The held-out goals' meta-test (10 goals x 10 trials) of one trained seed.
Adaptation trained_adaptation(int64_t seed) {
  ScratchDir scratch;
  const Config c = maml_learning_config(seed);
  train_new(c, (scratch.root / "run").string());
  std::ifstream lines(scratch.root / "run" / "evaluations.jsonl");
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["split"] != "test") continue;
    std::cout << "seed " << seed << ", held-out goals, success by episode: "
              << j["success_by_episode"].dump() << "\n";
    return split_at_adaptation(j["success_by_episode"].get<std::vector<double>>(),
                               c.maml.adaptation_episodes);
  }
  ADD_FAILURE() << "no test-split meta-test";
  return {};
}

TEST(MamlLearning, MetaTrainingMakesAdaptationWorkOnPointRobot) {
  // The untrained policy adapted the same way: what the inner step alone achieves.
  const Config c = maml_learning_config(1);
  RunSetup untrained = make_setup(c);
  Sampler sampler(untrained.benchmark, c.memory(), untrained.slots, 100, untrained.device);
  const Adaptation inner_step_alone = split_at_adaptation(
      evaluate(*untrained.agent, sampler, untrained.benchmark.test_tasks, c.eval, 99)
          .success_by_episode,
      c.maml.adaptation_episodes);
  std::cout << "untrained: before " << inner_step_alone.before << ", after "
            << inner_step_alone.after << "\n";
  for (int64_t seed : {21, 22}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Adaptation a = trained_adaptation(seed);
    EXPECT_GT(a.after, a.before + 0.25);
    EXPECT_GT(a.after, inner_step_alone.after + 0.2);
  }
}

}  // namespace
}  // namespace htrmrl
