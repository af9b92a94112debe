// The baselines (TrMRL, flat) beside HTrMRL: shapes and masking for every agent kind,
// TrMRL's causal mask and episode-only memory, T-Fixup's initial scales, the config rule
// for trmrl and checkpoints refusing another kind.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "models/baselines.hpp"
#include "training/agent_kinds.hpp"
#include "training/checkpoint.hpp"
#include "training/config.hpp"
#include "training/setup.hpp"

#include "test_util.hpp"

namespace htrmrl {
namespace {

using torch::indexing::Slice;

constexpr TokenLayout kLayout{3, 2};
constexpr int kSeq = 5;
const std::vector<std::string> kKinds{"htrmrl", "trmrl", "flat"};

// TrMRL as published (trmrl.md) at our sizes; the other kinds at their defaults.
Config kind_config(const std::string& kind) {
  Config c;
  c.agent.kind = kind;
  c.agent.seq_len = kSeq;
  if (kind == "trmrl") set_published_trmrl(c);
  return c;
}

int slots_of(const std::string& kind) { return kind == "trmrl" ? 1 : 4; }

std::shared_ptr<Agent> make(const Config& c, int slots) {
  torch::manual_seed(0);
  auto agent = make_agent(c, kLayout, slots);
  // Break the small output gain so differences in the summary show in the mean.
  torch::NoGradGuard g;
  for (auto& p : agent->named_parameters())
    if (p.key().find("policy") != std::string::npos) p.value().normal_(0, 0.5);
  return agent;
}

struct Dense {
  torch::Tensor tokens, mask;  // [B, slots, S, D], [B, slots, S]
  operator Context() const { return dense_context(tokens, mask); }
};

Dense random_context(int64_t batch, int slots) {
  torch::manual_seed(42);
  return {torch::randn({batch, slots, kSeq, kLayout.size()}), torch::ones({batch, slots, kSeq})};
}

TEST(BaselineModels, OutputShapesForEveryKind) {
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind);
    auto agent = make(kind_config(kind), slots_of(kind));
    EXPECT_EQ(agent->kind(), kind);
    Dense c = random_context(7, slots_of(kind));
    auto out = agent->forward(c);
    EXPECT_EQ(out.mean.sizes(), (std::vector<int64_t>{7, 2}));
    EXPECT_EQ(out.log_std.sizes(), (std::vector<int64_t>{7, 2}));
    EXPECT_EQ(out.value.sizes(), (std::vector<int64_t>{7}));
    EXPECT_EQ(agent->embed(c).sizes(), (std::vector<int64_t>{7, 32}));
  }
}

TEST(BaselineModels, PaddedTokensAndEmptySlotsDoNotMatter) {
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind);
    const int slots = slots_of(kind);
    auto agent = make(kind_config(kind), slots);
    Dense c = random_context(3, slots);
    // The first two positions of every sequence are padding; with K > 1 slot 0 is empty.
    c.mask.index_put_({Slice(), Slice(), Slice(0, 2)}, 0.0);
    if (slots > 1) c.mask.index_put_({Slice(), 0}, 0.0);
    auto before = agent->forward(c);
    Dense noisy{c.tokens + (1 - c.mask).unsqueeze(-1) * 50.0 * torch::randn_like(c.tokens), c.mask};
    auto after = agent->forward(noisy);
    EXPECT_TRUE(torch::allclose(before.mean, after.mean, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(before.value, after.value, 1e-5, 1e-6));
    // A real token of the current sequence (not its last) does matter.
    Dense changed{c.tokens.clone(), c.mask};
    changed.tokens.index_put_({Slice(), slots - 1, 3}, 3.0);
    EXPECT_FALSE(torch::allclose(before.mean, agent->forward(changed).mean, 1e-4, 1e-5));
  }
}

TEST(BaselineModels, TrMRLCausalMaskHidesLaterTokens) {
  for (bool causal : {true, false}) {
    SCOPED_TRACE(causal);
    Config c = kind_config("trmrl");
    c.agent.causal = causal;
    torch::manual_seed(0);
    TrMRLAgent agent(baseline_options(c), kLayout, kSeq);
    Dense a = random_context(2, 1);
    Dense b{a.tokens.clone(), a.mask};
    b.tokens.index_put_({Slice(), 0, 3}, 5.0);  // change position 3 of the window
    auto ha = agent.encode_sequences(a), hb = agent.encode_sequences(b);
    // Positions 0..2 are untouched only with the causal mask; 3 and 4 change either way.
    EXPECT_EQ(torch::allclose(ha.narrow(1, 0, 3), hb.narrow(1, 0, 3), 1e-6, 1e-7), causal);
    EXPECT_FALSE(torch::allclose(ha.narrow(1, 3, 2), hb.narrow(1, 3, 2), 1e-4, 1e-5));
  }
}

TEST(BaselineMemory, TrMRLForgetsAtEveryEpisode) {
  // K = 1: one slot, the current sequence of the current episode only.
  MemoryOptions m;
  m.episodes = 1;
  m.seq_len = kSeq;
  const int slots = context_slots(m, 3);
  ASSERT_EQ(slots, 1);
  TrialMemory memory(kLayout, m, slots);
  Rng rng(1);
  // obs[0] tags each state with 100 * episode + step.
  auto obs = [](int e, int t) { return std::vector<float>{100.0f * e + t, 0, 0}; };
  const float action[2] = {0.1f, 0.2f};
  auto check = [&](int e, int t) {
    Window w;
    memory.sample(rng, &w);
    std::vector<float> tokens(kSeq * kLayout.size()), mask(kSeq);
    gather_context(memory.tokens().data(), &w, slots, kSeq, kLayout.size(), tokens.data(),
                   mask.data());
    int real = 0;
    for (int p = 0; p < kSeq; ++p) {
      if (mask[p] == 0) continue;
      ++real;
      // Real tokens are the last min(t + 1, S) states of episode e, oldest first.
      const int step = t - (kSeq - 1 - p);
      EXPECT_EQ(tokens[p * kLayout.size()], 100.0f * e + step) << "episode " << e << " step " << t;
    }
    EXPECT_EQ(real, std::min(t + 1, kSeq));
  };
  for (int e = 0; e < 3; ++e) {
    auto first = obs(e, 0);
    memory.begin_episode(first.data());
    for (int t = 0; t < 8; ++t) {
      check(e, t);
      auto next = obs(e, t + 1);
      memory.push_step(action, 0.0f, t == 7, next.data());
    }
  }
}

TEST(BaselineConfig, TrMRLNeedsOneEpisodeAndTheKeysAreDescribed) {
  Config c = kind_config("trmrl");
  EXPECT_NO_THROW(validate(c));
  c.agent.episodes = 25;
  try {
    validate(c);
    FAIL() << "trmrl with agent.episodes = 25 was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("agent.episodes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("agent.kind"), std::string::npos) << msg;
  }
  EXPECT_THROW(apply_override(c, "agent.kind=lstm"), Error);
  const std::string help = describe_keys();
  for (const char* key : {"agent.blocks", "agent.causal", "agent.init", "trmrl|flat"})
    EXPECT_NE(help.find(key), std::string::npos) << key;
}

// Empirical standard deviation of a weight over its expected value.
double std_ratio(const torch::Tensor& w, double expected) {
  return w.std().item<double>() / expected;
}

TEST(BaselineModels, TFixupInitialScales) {
  Config c = kind_config("trmrl");
  c.agent.d_model = 64;
  c.agent.ff_dim = 256;
  const int n = c.agent.blocks;  // 4
  torch::manual_seed(0);
  TrMRLAgent agent(baseline_options(c), kLayout, kSeq);
  auto params = agent.named_parameters();
  const double d = 64, ff = 256, scale = 0.67 * std::pow(n, -0.25);
  // xavier-uniform std = sqrt(2 / (fan_in + fan_out)).
  auto xavier = [](double in, double out) { return std::sqrt(2.0 / (in + out)); };
  EXPECT_FALSE(params.contains("embedding.bias"));  // TrMRL's embedding has no bias
  EXPECT_NEAR(std_ratio(params["embedding.weight"], std::pow(d, -0.5) * std::pow(9.0 * n, -0.25)),
              1.0, 0.15);
  for (int b = 0; b < n; ++b) {
    const std::string p = "encoder.blocks." + std::to_string(b) + ".";
    EXPECT_NEAR(std_ratio(params[p + "qkv.weight"], xavier(d, 3 * d) * scale * std::sqrt(2.0)),
                1.0, 0.06);
    EXPECT_NEAR(std_ratio(params[p + "out.weight"], xavier(d, d) * scale), 1.0, 0.06);
    EXPECT_NEAR(std_ratio(params[p + "ff1.weight"], xavier(d, ff) * scale), 1.0, 0.06);
    EXPECT_NEAR(std_ratio(params[p + "ff2.weight"], xavier(ff, d) * scale), 1.0, 0.06);
    EXPECT_EQ(params[p + "qkv.bias"].abs().max().item<double>(), 0.0);
  }
  // No layer norm anywhere (layer_norm = none).
  for (const auto& p : params) EXPECT_EQ(p.key().find("norm"), std::string::npos) << p.key();
}

TEST(BaselineCheckpoint, AnotherKindIsRefusedByName) {
  const auto file = std::filesystem::temp_directory_path() / "htrmrl_test_kind.pt";
  auto trmrl = make(kind_config("trmrl"), 1);
  save_checkpoint(file.string(), *trmrl, nullptr, {7, 1234, 2.5});
  auto htrmrl = make(kind_config("htrmrl"), 4);
  try {
    load_checkpoint(file.string(), *htrmrl, nullptr);
    FAIL() << "a trmrl checkpoint loaded into an htrmrl agent";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'trmrl' agent"), std::string::npos) << msg;
    EXPECT_NE(msg.find("agent.kind is 'htrmrl'"), std::string::npos) << msg;
  }
  // The same kind loads, with its counters.
  auto again = make(kind_config("trmrl"), 1);
  const TrainState state = load_checkpoint(file.string(), *again, nullptr);
  EXPECT_EQ(state.iteration, 7);
  EXPECT_EQ(state.env_steps, 1234);
  EXPECT_EQ(state.wall_seconds, 2.5);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace htrmrl
