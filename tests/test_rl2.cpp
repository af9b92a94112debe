// RL^2: the GRU agent's shapes, its state's lifetime (reset between trials, carried across
// the episodes of a trial), acting step by step against unrolling, recomputed segment-start
// states against the acting states, and the BPTT segment length leaving acting unchanged.
// The first-minibatch ratio for rl2 is in test_ppo.cpp, with the other agents'.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <stdexcept>

#include "algorithms/ppo.hpp"
#include "algorithms/segments.hpp"
#include "models/rl2_agent.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/setup.hpp"
#include "training/trained_run.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

Config rl2_config(int bptt = 32) {
  Config c;
  c.env.benchmark = "point-robot-sparse";
  c.env.episodes_per_trial = 3;
  c.ppo.trials_per_iter = 6;
  c.agent.kind = "rl2";
  c.agent.rnn_hidden = 16;
  c.agent.bptt = bptt;
  return c;
}

RecurrentAgent& recurrent(RunSetup& s) {
  auto* r = dynamic_cast<RecurrentAgent*>(s.agent.get());
  if (!r) throw std::runtime_error("not a recurrent agent");
  return *r;
}

RolloutBuffer collect(RunSetup& s, const Config& c) {
  RolloutBuffer buffer = collect_trials(s, c, c.ppo.trials_per_iter, 0);
  compute_gae(buffer, 0.99, 0.95);
  return buffer;
}

// Trial t's tokens as [1, T, D].
torch::Tensor trial_tokens(const RolloutBuffer& b, int t) {
  const auto& v = b.trials[t].tokens;
  const int64_t d = b.layout.size();
  return torch::from_blob(const_cast<float*>(v.data()), {1, static_cast<int64_t>(v.size()) / d, d})
      .clone();
}

TEST(Rl2, Shapes) {
  Rl2Options o;
  o.hidden = 24;
  Rl2Agent agent(o, TokenLayout{3, 2});
  const int64_t d = 3 + 2 + 2;
  EXPECT_EQ(agent.kind(), "rl2");
  auto s0 = agent.initial_state(5);
  EXPECT_EQ(s0.sizes(), (std::vector<int64_t>{5, 24}));
  EXPECT_EQ(s0.abs().sum().item<float>(), 0.0f);
  torch::NoGradGuard no_grad;
  auto states = agent.unroll(torch::randn({5, 9, d}), s0);
  EXPECT_EQ(states.sizes(), (std::vector<int64_t>{5, 9, 24}));
  auto out = agent.read(torch::randn({7, d}), torch::randn({7, 24}));
  EXPECT_EQ(out.mean.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(out.log_std.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(out.value.sizes(), (std::vector<int64_t>{7}));
  auto state = s0;
  auto step = agent.step(torch::randn({5, d}), state);
  EXPECT_EQ(state.sizes(), (std::vector<int64_t>{5, 24}));
  EXPECT_EQ(step.mean.sizes(), (std::vector<int64_t>{5, 2}));
}

TEST(Rl2, StepByStepEqualsUnroll) {
  Rl2Options o;
  o.hidden = 16;
  o.normalize_obs = true;
  Rl2Agent agent(o, TokenLayout{2, 2});
  torch::NoGradGuard no_grad;
  agent.normalizer()->update(torch::randn({50, 2}) * 2 + 1);
  auto tokens = torch::randn({3, 12, 6});
  auto state = agent.initial_state(3);
  auto unrolled = agent.unroll(tokens, agent.initial_state(3));
  for (int t = 0; t < 12; ++t) {
    auto out = agent.step(tokens.select(1, t), state);
    EXPECT_TRUE(torch::allclose(state, unrolled.select(1, t), 1e-5, 1e-6)) << t;
    auto read = agent.read(tokens.select(1, t), unrolled.select(1, t));
    EXPECT_TRUE(torch::allclose(out.mean, read.mean, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(out.value, read.value, 1e-5, 1e-6));
  }
}

TEST(Rl2, StateCarriesAcrossEpisodesOfATrialOnly) {
  Config c = rl2_config();
  RunSetup s = make_setup(c);
  RolloutBuffer b = collect(s, c);
  RecurrentAgent& agent = recurrent(s);
  torch::NoGradGuard no_grad;
  // Two trials in one batch; change one token in trial 0's first episode.
  auto tokens = torch::cat({trial_tokens(b, 0), trial_tokens(b, 1)});
  const int64_t changed = 15;  // a token of episode 0 (tokens 0-20; episode 1 starts at 21)
  auto edited = tokens.clone();
  edited[0][changed].add_(0.7);
  auto a = agent.unroll(tokens, agent.initial_state(2));
  auto e = agent.unroll(edited, agent.initial_state(2));
  const int64_t n = tokens.size(1);
  // Trial 0: unchanged before the edit, changed at it and in every later episode.
  EXPECT_TRUE(torch::equal(a[0].narrow(0, 0, changed), e[0].narrow(0, 0, changed)));
  // (An untrained GRU forgets geometrically, so look a few tokens into the next episode.)
  for (int64_t t : {changed, int64_t{20}, int64_t{21}, int64_t{24}})
    EXPECT_GT((a[0][t] - e[0][t]).abs().max().item<float>(), 1e-6) << t;
  EXPECT_EQ(n, 63);
  // Trial 1 shares the batch, never the state.
  EXPECT_TRUE(torch::equal(a[1], e[1]));
}

TEST(Rl2, ActingStatesAreTheTrialUnrolledFromZero) {
  // Each trial's stored values are its tokens unrolled from a zero state in isolation: the
  // sampler reset the state at the trial's start and fed every token of the trial, one at
  // a time, whatever the other slots did.
  Config c = rl2_config();
  RunSetup s = make_setup(c);
  RolloutBuffer b = collect(s, c);
  RecurrentAgent& agent = recurrent(s);
  torch::NoGradGuard no_grad;
  ASSERT_EQ(b.slots, 1);
  for (int t = 0; t < static_cast<int>(b.trials.size()); ++t) {
    auto tokens = trial_tokens(b, t);
    // 3 episodes of 20 steps: 63 tokens, the last token of each episode acts not.
    ASSERT_EQ(tokens.size(1), b.trials[t].steps() + 3);
    auto states = agent.unroll(tokens, agent.initial_state(1))[0];
    for (int step = 0; step < b.trials[t].steps(); ++step) {
      const int32_t k = step_token(b, t, step);
      EXPECT_EQ(k, step + step / 20);  // one terminal token per finished episode before it
      auto out = agent.read(tokens[0][k].unsqueeze(0), states[k].unsqueeze(0));
      EXPECT_NEAR(out.value.item<float>(), b.trials[t].values[step], 1e-5);
    }
  }
}

TEST(Rl2, RecomputedSegmentStartsEqualActingStates) {
  for (int bptt : {1, 4, 32, 1000}) {
    SCOPED_TRACE(bptt);
    Config c = rl2_config(bptt);
    RunSetup s = make_setup(c);
    RolloutBuffer b = collect(s, c);
    RecurrentAgent& agent = recurrent(s);
    auto segments = make_segments(b, bptt);
    auto starts = segment_start_states(agent, b, segments, s.device);
    // The acting states, by stepping every trial token by token as the sampler does.
    torch::NoGradGuard no_grad;
    int64_t covered = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& seg = segments[i];
      auto tokens = trial_tokens(b, seg.trial);
      auto state = agent.initial_state(1);
      for (int32_t k = 0; k < seg.token_begin; ++k) agent.step(tokens[0][k].unsqueeze(0), state);
      EXPECT_TRUE(torch::allclose(starts[i], state[0], 1e-5, 1e-6)) << i;
      EXPECT_LE(seg.token_end - seg.token_begin, bptt);
      covered += seg.step_end - seg.step_begin;
    }
    EXPECT_EQ(covered, b.size());  // every step in exactly one segment
    // Every step's segment output reproduces what the acting policy stored.
    std::vector<int64_t> units(segments.size()), samples;
    std::iota(units.begin(), units.end(), 0);
    auto out = evaluate_segments(agent, b, segments, starts, units, 0,
                                 static_cast<int64_t>(units.size()), s.device, samples);
    ASSERT_EQ(static_cast<int64_t>(samples.size()), b.size());
    for (size_t j = 0; j < samples.size(); ++j) {
      const auto [t, step] = b.samples[samples[j]];
      EXPECT_NEAR(out.value[j].item<float>(), b.trials[t].values[step], 1e-5);
    }
  }
}

TEST(Rl2, BpttLengthDoesNotChangeActing) {
  RolloutBuffer reference;
  for (int bptt : {1, 32}) {
    Config c = rl2_config(bptt);
    RunSetup s = make_setup(c);
    RolloutBuffer b = collect(s, c);
    if (bptt == 1) {
      reference = b;
      continue;
    }
    for (size_t t = 0; t < b.trials.size(); ++t) {
      EXPECT_EQ(b.trials[t].tokens, reference.trials[t].tokens);
      EXPECT_EQ(b.trials[t].log_probs, reference.trials[t].log_probs);
      EXPECT_EQ(b.trials[t].values, reference.trials[t].values);
    }
  }
}

TEST(Rl2, ConfigKeysBuildTheAgent) {
  Config c = rl2_config();
  c.agent.rnn_hidden = 40;
  RunSetup s = make_setup(c);
  EXPECT_EQ(s.agent->kind(), "rl2");
  EXPECT_EQ(recurrent(s).state_size(), 40);
  EXPECT_EQ(s.slots, 1);
}

TEST(Rl2, RunsAreDeterministicAndCheckpointsReload) {
  // The whole trainer on the recurrent path: same seed, same metrics; the checkpoint loads
  // back into an rl2 agent and meta-tests to the same result as the end-of-run evaluation.
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / "htrmrl_test_rl2_runs";
  fs::remove_all(root);
  Config c = rl2_config(8);
  c.train.total_env_steps = 3 * 20 * 6 * 3;
  c.eval.trials = 1;
  train_new(c, (root / "a").string());
  train_new(c, (root / "b").string());
  const auto a = stable_metrics_rows((root / "a" / "metrics.csv").string());
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, stable_metrics_rows((root / "b" / "metrics.csv").string()));
  std::ifstream in((root / "a" / "eval.json").string());
  const std::string at_end((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const EvalRecord again = evaluate_run((root / "a").string(), {});
  std::ifstream in2((root / "a" / "eval.json").string());
  const std::string reloaded((std::istreambuf_iterator<char>(in2)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(at_end, reloaded);
  EXPECT_EQ(again.result.protocol.trials, 1);
  fs::remove_all(root);
}

}  // namespace
}  // namespace htrmrl
