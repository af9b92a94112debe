// The htrmrl command as a user meets it: bad input is refused before anything is written,
// a run killed again and again resumes to the same metrics and evaluations, a run that goes
// non-finite stops with exit 2 and resumes from its last good checkpoint, and eval writes its
// report.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/files.hpp"
#include "common/rng.hpp"
#include "test_util.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

// A tiny, fast run: 8 trials of 3 episodes per iteration on a narrow network.
const std::string kTiny =
    " --set env.episodes_per_trial=3 --set ppo.trials_per_iter=8 --set agent.d_model=16"
    " --set agent.ff_dim=32 --set agent.hidden=32 --set eval.trials=2";

class Cli : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }
  ScratchDir scratch_;
};

TEST_F(Cli, BadInputIsRefusedWithOneMessageAndNoOutput) {
  std::ofstream(path("unknown.toml")) << "[ppo]\nlearning_rate = 0.1\n";
  std::ofstream(path("badtype.toml")) << "[agent]\nseq_len = 2.5\n";
  std::ofstream(path("a-file")) << "not a folder\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train --config " + path("unknown.toml") + " --out " + path("r"), "ppo.learning_rate"},
      {"train --config " + path("badtype.toml") + " --out " + path("r"), "agent.seq_len"},
      {"train --config " + path("missing.toml") + " --out " + path("r"), "missing.toml"},
      {"train --set agent.episodes=0 --out " + path("r"), "agent.episodes"},
      {"train --set agent.seq_len=-1 --out " + path("r"), "agent.seq_len"},
      {"train --set ppo.lr=0 --out " + path("r"), "ppo.lr"},
      {"train --set env.benchmark=ml99 --out " + path("r"), "ml99"},
      {"train --set device=tpu --out " + path("r"), "device"},
      {"train", "--out"},
      {"train --set eval.evaluation_episodes=0 --out " + path("r"), "eval.evaluation_episodes"},
      {"eval --run " + path("nothing"), "nothing"},
      {"train --set ppo.workers=2 --set agent.dropout=0.1 --out " + path("r"), "ppo.workers"},
      {"bench --set ppo.trials_per_iter=4", "--batch"},
      {"train --set lanes=2 --set env_threads=2 --out " + path("r"), "env_threads"},
      {"train --set lanes=0 --out " + path("r"), "lanes"},
      {"train --set ppo.scale_rewards=yes --out " + path("r"), "ppo.scale_rewards"},
      {"eval --run " + path("nothing") + " --stochastic --mean-action", "--mean-action"},
      {"train --out " + path("a-file") + "/r", "Not a directory"},
  };
  for (const auto& [args, needle] : cases) {
    SCOPED_TRACE(args);
    Outcome o = htrmrl(args);
    EXPECT_EQ(o.code, 2);
    EXPECT_NE(o.output.find(needle), std::string::npos) << o.output;
    EXPECT_FALSE(fs::exists(path("r")));
  }
}

TEST_F(Cli, ExistingRunsAndMismatchedCheckpointsAreRefused) {
  const std::string steps = " --set train.total_env_steps=480 --set train.eval_at_end=false";
  ASSERT_EQ(htrmrl("train --out " + path("a") + kTiny + steps).code, 0);
  ASSERT_EQ(htrmrl("train --out " + path("b") + kTiny + steps + " --set agent.d_model=32").code, 0);
  // Training into an existing run.
  Outcome again = htrmrl("train --out " + path("a") + kTiny);
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
  // A checkpoint from a differently shaped network.
  Outcome wrong = htrmrl("eval --run " + path("b") + " --checkpoint " + path("a/checkpoints/latest.pt"));
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE(wrong.output.find("does not fit the config"), std::string::npos) << wrong.output;
  EXPECT_FALSE(fs::exists(path("b/eval.json")));
  // A file that is no checkpoint at all.
  std::ofstream(path("junk.pt")) << "not a checkpoint";
  Outcome junk = htrmrl("eval --run " + path("a") + " --checkpoint " + path("junk.pt"));
  EXPECT_NE(junk.code, 0);
  EXPECT_NE(junk.output.find("junk.pt"), std::string::npos) << junk.output;
}

TEST_F(Cli, EvalWritesPerTaskAndPerEpisodeSuccess) {
  ASSERT_EQ(htrmrl("train --out " + path("a") + kTiny + " --set train.total_env_steps=480").code, 0);
  ASSERT_TRUE(fs::exists(path("a/eval.json")));
  Outcome bad = htrmrl("eval --run " + path("a") + " --adaptation -1");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.output.find("'eval.adaptation_episodes' must be >= 0"), std::string::npos)
      << bad.output;
  Outcome o = htrmrl("eval --run " + path("a") + " --trials 3 --adaptation 2 --evaluation 2");
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_NE(o.output.find("mean_success"), std::string::npos);
  auto j = nlohmann::json::parse(std::ifstream(path("a/eval.json")));
  EXPECT_EQ(j["trials_per_task"], 3);
  EXPECT_EQ(j["adaptation_episodes"], 2);
  EXPECT_EQ(j["evaluation_episodes"], 2);
  EXPECT_EQ(j["tasks"].size(), 10u);
  EXPECT_EQ(j["success_by_episode"].size(), 4u);
  // The headline: per task the mean over the evaluation episodes (3 and 4), then over tasks.
  double mean = 0;
  for (const auto& t : j["tasks"]) {
    const auto& by_episode = t["success_by_episode"];
    EXPECT_NEAR(t["success"].get<double>(),
                (by_episode[2].get<double>() + by_episode[3].get<double>()) / 2, 1e-12);
    mean += t["success"].get<double>() / 10;
  }
  EXPECT_NEAR(j["mean_success"].get<double>(), mean, 1e-9);
  EXPECT_EQ(j["success"], j["mean_success"]);
}

// The suite version a run is made on: recorded in its config and eval.json; a run of another
// version is refused on resume and eval, naming the key and both versions; a run from before
// versions were recorded is taken as version 1, the only one there was.
TEST_F(Cli, SuiteVersionsAreRecordedAndARunOfAnotherIsRefused) {
  ASSERT_EQ(htrmrl("train --out " + path("a") + kTiny + " --set train.total_env_steps=480").code, 0);
  const std::string config = read_file(path("a/config.toml"));
  EXPECT_NE(config.find("suite_version = 'point-robot-1'"), std::string::npos) << config;
  auto eval = nlohmann::json::parse(std::ifstream(path("a/eval.json")));
  EXPECT_EQ(eval["suite_version"], "point-robot-1");
  // The config with its suite_version line replaced (or dropped when `line` is empty).
  const auto with_version_line = [&](const std::string& line) {
    std::string edited;
    std::istringstream in(config);
    for (std::string l; std::getline(in, l);)
      edited += l.rfind("suite_version", 0) == 0 ? (line.empty() ? "" : line + "\n") : l + "\n";
    std::ofstream(path("a/config.toml")) << edited;
  };
  with_version_line("suite_version = \"point-robot-0\"");
  const std::string eval_before = read_file(path("a/eval.json"));
  for (const std::string& args : {"train --resume " + path("a"), "eval --run " + path("a")}) {
    SCOPED_TRACE(args);
    Outcome o = htrmrl(args);
    EXPECT_EQ(o.code, 2);
    for (const char* needle : {"env.suite_version", "point-robot-0", "point-robot-1"})
      EXPECT_NE(o.output.find(needle), std::string::npos) << o.output;
  }
  EXPECT_EQ(read_file(path("a/eval.json")), eval_before);
  with_version_line("");
  EXPECT_EQ(htrmrl("eval --run " + path("a")).code, 0);
  // A new run asking for a version this build does not have.
  Outcome o = htrmrl("train --out " + path("b") + kTiny + " --set env.suite_version=point-robot-7");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.output.find("point-robot-7"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(path("b")));
}

// A kill -9 storm: the run is killed with SIGKILL kKills times and resumed each time, then
// ends with the metrics and evaluations of the uninterrupted run. Each kill waits for progress
// the test observes (a metrics row one or two past the rows at the previous kill, drawn from a
// fixed-seed generator), then a drawn 0-150 ms more, so kills land anywhere in the iterations
// that follow (meta-test, checkpoint write, rollout, update, start-up). The wait holds on a
// loaded machine; the delay only spreads the moments and no assertion depends on it.
TEST_F(Cli, AKillStormResumedEachTimeEndsWithTheUninterruptedMetricsAndEvaluations) {
  constexpr size_t kIterations = 40;
  constexpr int kKills = 15;
  const std::string run = kTiny + " --set train.total_env_steps=" +
                          std::to_string(480 * kIterations) +
                          " --set train.checkpoint_every=1 --set train.eval_at_end=false"
                          " --set eval.every=2 --set eval.trials=1";
  ASSERT_EQ(htrmrl("train --out " + path("whole") + run).code, 0);

  const std::string killed = path("killed"), metrics = killed + "/metrics.csv";
  fs::create_directories(killed);
  Rng rng(19);
  size_t rows = 0;
  int kills = 0;
  for (; kills < kKills && !fs::exists(killed + "/status.json"); ++kills) {
    const size_t target = std::min(rows + 1 + rng.below(2), kIterations);
    const auto delay = std::chrono::microseconds(rng.below(150000));
    run_htrmrl_and_kill_when(
        (kills == 0 ? "train --out " : "train --resume ") + killed + (kills == 0 ? run : ""),
        killed, [&] { return stable_metrics_rows(metrics).size() >= target; }, delay);
    rows = stable_metrics_rows(metrics).size();
    ASSERT_GE(rows, target) << "kill " << kills + 1 << " came before its moment";
  }
  EXPECT_EQ(kills, kKills) << "the run finished after " << kills << " kills";

  Outcome resumed = htrmrl("train --resume " + killed);
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(stable_metrics_rows(path("whole/metrics.csv")), stable_metrics_rows(metrics));
  const std::string evaluations = read_file(path("whole/evaluations.jsonl"));
  EXPECT_EQ(std::count(evaluations.begin(), evaluations.end(), '\n'), 40);  // 20 x test, train
  EXPECT_EQ(read_file(killed + "/evaluations.jsonl"), evaluations);
}

// A NaN or infinity stops the run with the trainer's failure code (2) and one message naming
// what went non-finite, the iteration and the last good checkpoint, which stays as it was
// and resumes to the uninterrupted run. The absurd setting is a loss weight (ppo.lr is capped
// at 1): the gradient norm overflows at the first minibatch step.
TEST_F(Cli, NonFiniteGradientStopsTheRunAndTheLastCheckpointResumes) {
  const std::string run = kTiny +
      " --set ppo.anneal_lr=false --set train.checkpoint_every=1 --set train.eval_at_end=false";
  ASSERT_EQ(htrmrl("train --out " + path("whole") + run + " --set train.total_env_steps=1440").code, 0);
  ASSERT_EQ(htrmrl("train --out " + path("a") + run + " --set train.total_env_steps=960").code, 0);
  const std::string longer = replaced(read_file(path("a/config.toml")), "total_env_steps = 960",
                                      "total_env_steps = 1440");
  write_file_atomic(path("a/config.toml"), replaced(longer, "value_coef = 0.5", "value_coef = 1e38"));
  const std::string checkpoint = read_file(path("a/checkpoints/latest.pt"));

  Outcome failed = htrmrl("train --resume " + path("a"));
  EXPECT_EQ(failed.code, 2);
  EXPECT_NE(failed.output.find("error: iteration 3: the PPO gradient norm is +inf (minibatch step "
                               "1); the last good checkpoint is iteration 2 (" +
                               path("a") + "/checkpoints/latest.pt)\n"),
            std::string::npos)
      << failed.output;
  EXPECT_EQ(read_file(path("a/checkpoints/latest.pt")), checkpoint);
  EXPECT_EQ(stable_metrics_rows(path("a/metrics.csv")).size(), 2u);

  write_file_atomic(path("a/config.toml"), longer);
  Outcome resumed = htrmrl("train --resume " + path("a"));
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(stable_metrics_rows(path("a/metrics.csv")), stable_metrics_rows(path("whole/metrics.csv")));
}

}  // namespace
}  // namespace htrmrl
