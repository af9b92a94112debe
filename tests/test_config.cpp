// Configuration: every bad input is refused with a message naming the key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "training/agent_kinds.hpp"
#include "training/config.hpp"
#include "test_util.hpp"

namespace htrmrl {
namespace {


TEST(Config, ResolvedTomlRoundTrips) {
  Config c;
  c.ppo.lr = 1.2345678901234e-4;
  c.agent.sampling = "random_episodes";
  c.seed = 77;
  const std::string text = to_toml(c);
  EXPECT_EQ(to_toml(parse_config(text, "roundtrip")), text);
  EXPECT_EQ(parse_config(text, "roundtrip").ppo.lr, c.ppo.lr);
}

TEST(Config, BadFilesAreRefusedNamingTheKey) {
  EXPECT_NE(error_of([] { parse_config("[agent]\nepisodez = 3\n", "f.toml"); })
                .find("unknown config key 'agent.episodez'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[agent]\nepisodes = 'x'\n", "f.toml"); })
                .find("'agent.episodes' must be integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[agent]\nepisodes = 0\n", "f.toml"); })
                .find("'agent.episodes' must be >= 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[agent]\nseq_len = 0\n", "f.toml"); }).find("agent.seq_len"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[ppo]\nlr = 0.0\n", "f.toml"); }).find("'ppo.lr' must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[ppo]\nlr = -1\n", "f.toml"); }).find("ppo.lr"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[env]\nbenchmark = 'nope'\n", "f.toml"); })
                .find("unknown benchmark 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[agent]\nheads = 5\n", "f.toml"); }).find("agent.heads"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("[agent]\nlayer_norm = 'mid'\n", "f.toml"); })
                .find("agent.layer_norm"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_config("seed = [1", "f.toml"); }).find("f.toml:1"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_config("/nonexistent/x.toml"); }).find("/nonexistent/x.toml"),
            std::string::npos);
}

TEST(Config, OverridesAreTypedAndChecked) {
  Config c;
  apply_override(c, "ppo.lr=1e-4");
  apply_override(c, "env.benchmark=point-robot");
  apply_override(c, "agent.use_state=false");
  apply_override(c, "agent.episodes=10");
  EXPECT_EQ(c.ppo.lr, 1e-4);
  EXPECT_EQ(c.env.benchmark, "point-robot");
  EXPECT_FALSE(c.agent.use_state);
  EXPECT_EQ(c.agent.episodes, 10);
  EXPECT_NE(error_of([&] { apply_override(c, "ppo.lrr=1"); }).find("'ppo.lrr'"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "ppo.lr=abc"); }).find("'ppo.lr' must be number"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "agent.episodes=0"); }).find("agent.episodes"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "novalue"); }).find("key=value"), std::string::npos);
}

TEST(Config, BadMetaTestKeysAreRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[eval]\nadaptation_episodes = -1\n", "'eval.adaptation_episodes' must be >= 0"},
      {"[eval]\nevaluation_episodes = 0\n", "'eval.evaluation_episodes' must be >= 1"},
      {"[eval]\nevaluation_episodes = 1001\n", "'eval.evaluation_episodes' must be >= 1 and <= 1000"},
      {"[eval]\nevery = -1\n", "'eval.every' must be >= 0"},
      {"[eval]\nevery = 1.5\n", "'eval.every' must be integer"},
      {"[eval]\ntrain_split = 1\n", "'eval.train_split' must be boolean"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    EXPECT_NE(error_of([&] { parse_config(text, "f.toml"); }).find(message), std::string::npos)
        << error_of([&] { parse_config(text, "f.toml"); });
  }
  Config bad, c;
  EXPECT_NE(error_of([&] { apply_override(bad, "eval.adaptation_episodes=-2"); })
                .find("eval.adaptation_episodes"),
            std::string::npos);
  apply_override(c, "eval.every=0");
  apply_override(c, "eval.train_split=false");
  EXPECT_EQ(c.eval.every, 0);
  EXPECT_FALSE(c.eval.train_split);
}

TEST(Config, ShippedConfigsLoad) {
  int count = 0;
  for (const auto& f : std::filesystem::directory_iterator(HTRMRL_SOURCE_DIR "/configs")) {
    SCOPED_TRACE(f.path().string());
    EXPECT_NO_THROW(load_config(f.path().string()));
    ++count;
  }
  EXPECT_GE(count, 2);
}

// The kinds' key lists and the key table name the same keys: none unknown, none orphaned.
TEST(AgentKinds, EveryAgentKeyIsReadBySomeKindAndEveryListedKeyExists) {
  const std::vector<std::string> keys = config_keys();
  for (const AgentKind& kind : agent_kinds())
    for (const std::string& key : kind.keys) {
      SCOPED_TRACE(kind.name + " lists " + key);
      EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end());
    }
  for (const std::string& key : keys) {
    if (key.rfind("agent.", 0) != 0 || key == "agent.kind") continue;
    EXPECT_FALSE(kinds_reading(key).empty()) << key << " is read by no agent kind";
  }
  EXPECT_EQ(kinds_reading("agent.rnn_hidden"), "rl2, varibad");
  EXPECT_EQ(kinds_reading("agent.latent_dim"), "varibad, pearl");
  EXPECT_EQ(kinds_reading("agent.blocks"), "trmrl, flat");
  EXPECT_EQ(kinds_reading("ppo.lr"), "");
}

// agent.kind's choices, help and refusals come from the table.
TEST(AgentKinds, TheTableDrivesChoicesHelpAndRefusals) {
  const std::string help = describe_keys();
  for (const AgentKind& kind : agent_kinds()) {
    EXPECT_NE(help.find(kind.name + ": " + kind.summary), std::string::npos) << kind.name;
    Config c;
    c.agent.episodes = 1;  // TrMRL's rule
    // MAML's rules: its adaptation episodes (10) within the trial, the meta-test adapting
    // on as many, sampled actions.
    c.env.episodes_per_trial = 20;
    c.eval.adaptation_episodes = 10;
    c.eval.deterministic = false;
    EXPECT_NO_THROW(apply_override(c, "agent.kind=" + kind.name));
  }
  EXPECT_NE(help.find("(read by rl2, varibad)"), std::string::npos);
  Config c;
  try {
    apply_override(c, "agent.kind=lstm");
    FAIL() << "agent.kind=lstm was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const AgentKind& kind : agent_kinds())
      EXPECT_NE(msg.find(kind.name), std::string::npos) << msg;
  }
  // A kind's own rules apply only to it: RL^2 reads no attention heads.
  c.agent.d_model = 30;
  EXPECT_THROW(validate(c), Error);
  c.agent.kind = "rl2";
  EXPECT_NO_THROW(validate(c));
  EXPECT_THROW(find_agent_kind("lstm"), Error);
  EXPECT_FALSE(find_agent_kind("rl2").reads_context);
}

}  // namespace
}  // namespace htrmrl
