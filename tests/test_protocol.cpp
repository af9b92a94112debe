// The meta-test protocol: the summary of hand-made trials, trials longer than the training
// trial for every agent kind, evaluations.jsonl during training (iterations, env steps,
// splits), its resumption, and training left unchanged by evaluating.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/files.hpp"
#include "evaluation/evaluate.hpp"
#include "evaluation/evaluation_log.hpp"
#include "test_util.hpp"
#include "training/setup.hpp"
#include "training/trained_run.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

Task named(const std::string& name) { return Task{"test", name, {1.0, 2.0}}; }

TrialResult trial(int task, std::vector<char> success, std::vector<float> returns) {
  TrialResult t;
  t.task = task;
  t.success = std::move(success);
  t.returns = std::move(returns);
  return t;
}

TEST(Protocol, SummaryScoresTheEvaluationEpisodes) {
  const std::vector<Task> tasks{named("a"), named("b"), named("c")};
  // Task a: two trials; task b: one; task c: none (left out of the means).
  const std::vector<TrialResult> results{trial(0, {0, 0, 1, 1}, {0, 0, 1, 3}),
                                         trial(0, {0, 1, 1, 0}, {0, 1, 2, 4}),
                                         trial(1, {1, 1, 1, 1}, {1, 1, 1, 1})};
  EvalProtocol p;
  p.trials = 2;
  p.adaptation_episodes = 2;
  p.evaluation_episodes = 2;
  const EvalResult r = summarise(tasks, results, p);
  ASSERT_EQ(r.tasks.size(), 3u);
  EXPECT_EQ(r.tasks[0].success_by_episode, (std::vector<double>{0, 0.5, 1, 0.5}));
  EXPECT_DOUBLE_EQ(r.tasks[0].success, 0.75);     // episodes 3 and 4 only
  EXPECT_DOUBLE_EQ(r.tasks[0].mean_return, 2.5);  // (1 + 3 + 2 + 4) / 4
  EXPECT_DOUBLE_EQ(r.tasks[1].success, 1.0);
  EXPECT_DOUBLE_EQ(r.tasks[2].success, 0.0);
  EXPECT_DOUBLE_EQ(r.mean_success, 0.875);
  EXPECT_EQ(r.success_by_episode, (std::vector<double>{0.5, 0.75, 1, 0.75}));
  EXPECT_DOUBLE_EQ(r.first_episode_success, 0.5);
  EXPECT_DOUBLE_EQ(r.later_episodes_success, 2.5 / 3);
  EXPECT_EQ(r.protocol.trials, 2);

  // Without adaptation episodes every episode is scored.
  p.adaptation_episodes = 0;
  p.evaluation_episodes = 4;
  EXPECT_DOUBLE_EQ(summarise(tasks, results, p).tasks[0].success, 0.5);
}

TEST(Protocol, RecordsHaveTheContractFields) {
  EvalProtocol p;
  p.adaptation_episodes = 1;
  p.evaluation_episodes = 1;
  EvalRecord record{7, 1120, "train",
                    summarise({named("a")}, {trial(0, {0, 1}, {0.5f, 2.0f})}, p)};
  const nlohmann::json line = to_json(record);
  std::vector<std::string> keys;
  for (const auto& [k, v] : line.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"adaptation_episodes", "env_steps",
                                            "evaluation_episodes", "iteration", "split",
                                            "success", "success_by_episode", "tasks",
                                            "trials_per_task"}));
  EXPECT_EQ(line["iteration"], 7);
  EXPECT_EQ(line["env_steps"], 1120);
  EXPECT_EQ(line["split"], "train");
  EXPECT_EQ(line["success"], 1.0);
  EXPECT_EQ(line["tasks"][0], (nlohmann::json{{"name", "a"}, {"success", 1.0},
                                               {"success_by_episode", {0.0, 1.0}}}));
  // eval.json: the same fields and values, plus details.
  const nlohmann::json detailed = to_detailed_json(record);
  for (const auto& [k, v] : line.items())
    if (k != "tasks") EXPECT_EQ(detailed[k], v) << k;
  EXPECT_EQ(detailed["mean_success"], 1.0);
  EXPECT_EQ(detailed["episodes_per_trial"], 2);
  EXPECT_EQ(detailed["tasks"][0]["mean_return"], 2.0);
  EXPECT_EQ(detailed["tasks"][0]["params"], (nlohmann::json{1.0, 2.0}));
}

// A tiny point-robot-sparse run: 4 trials of 2 episodes (160 env steps) per iteration.
constexpr int64_t kStepsPerIteration = 4 * 2 * 20;

Config tiny_config(const std::string& kind = "htrmrl") {
  Config c;
  c.env.episodes_per_trial = 2;
  c.ppo.trials_per_iter = 4;
  c.agent.kind = kind;
  c.agent.d_model = 16;
  c.agent.ff_dim = 32;
  c.agent.hidden = 32;
  c.agent.rnn_hidden = 16;
  if (kind == "trmrl") set_published_trmrl(c);
  c.train.total_env_steps = 5 * kStepsPerIteration;
  c.eval.trials = 1;
  c.eval.adaptation_episodes = 1;  // meta-test trials one episode longer than training's
  c.eval.evaluation_episodes = 2;
  return c;
}

TEST(Protocol, TrialsLongerThanTrainingWorkForEveryAgent) {
  for (const std::string kind : {"htrmrl", "trmrl", "flat", "rl2", "varibad"}) {
    SCOPED_TRACE(kind);
    Config c = tiny_config(kind);
    c.eval.adaptation_episodes = 3;  // 5 episodes against training's 2 (and K = 25)
    RunSetup s = make_setup(c);
    Sampler sampler(s.benchmark, c.memory(), s.slots, 10, s.device);
    const EvalResult r = evaluate(*s.agent, sampler, s.benchmark.test_tasks, c.eval, 3);
    EXPECT_EQ(r.success_by_episode.size(), 5u);
    EXPECT_EQ(r.tasks.size(), 10u);
  }
}

std::vector<nlohmann::json> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class ProtocolRuns : public ::testing::Test {
 protected:
  ScratchDir scratch_;  // one per test: ctest runs them in parallel
  const fs::path root_ = scratch_.root;
};

TEST_F(ProtocolRuns, EvaluationsAreLoggedAndLeaveTrainingUnchanged) {
  Config c = tiny_config();
  c.eval.every = 2;
  train_new(c, (root_ / "a").string());
  c.eval.every = 0;
  train_new(c, (root_ / "c").string());

  // Iterations 2 and 4, and the final 5; test then train variations each time.
  const auto lines = read_lines(root_ / "a" / "evaluations.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  const std::vector<int> iterations{2, 2, 4, 4, 5, 5};
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i].dump());
    const auto& l = lines[i];
    const bool test = i % 2 == 0;
    EXPECT_EQ(l["iteration"], iterations[i]);
    EXPECT_EQ(l["env_steps"], iterations[i] * kStepsPerIteration);
    EXPECT_EQ(l["split"], test ? "test" : "train");
    EXPECT_EQ(l["adaptation_episodes"], 1);
    EXPECT_EQ(l["evaluation_episodes"], 2);
    EXPECT_EQ(l["trials_per_task"], 1);
    EXPECT_EQ(l["success_by_episode"].size(), 3u);
    ASSERT_EQ(l["tasks"].size(), test ? 10u : 40u);
    double mean = 0;
    for (const auto& t : l["tasks"]) mean += t["success"].get<double>() / l["tasks"].size();
    EXPECT_NEAR(l["success"].get<double>(), mean, 1e-12);
  }

  // eval.json is the final test record; `htrmrl eval` of the final checkpoint repeats it.
  const auto eval = nlohmann::json::parse(std::ifstream(root_ / "a" / "eval.json"));
  EXPECT_EQ(eval["iteration"], 5);
  EXPECT_EQ(eval["success"], lines[4]["success"]);
  EXPECT_EQ(eval["mean_success"], lines[4]["success"]);
  EXPECT_EQ(to_json(evaluate_run((root_ / "a").string(), {})), lines[4]);

  // Without periodic evaluations: the same training rows and the same final records.
  EXPECT_EQ(stable_metrics_rows((root_ / "a" / "metrics.csv").string()),
            stable_metrics_rows((root_ / "c" / "metrics.csv").string()));
  const auto final_only = read_lines(root_ / "c" / "evaluations.jsonl");
  ASSERT_EQ(final_only.size(), 2u);
  EXPECT_EQ(final_only[0], lines[4]);
  EXPECT_EQ(final_only[1], lines[5]);
}

TEST_F(ProtocolRuns, ResumeDropsLaterEvaluationsAndRepeatsTheRun) {
  // A constant learning rate: a 3-iteration run is the first 3 iterations of a 5-iteration
  // one, so its final checkpoint stands for one a killed 5-iteration run left behind.
  Config c = tiny_config();
  c.ppo.anneal_lr = false;
  c.eval.every = 1;
  c.eval.train_split = false;
  train_new(c, (root_ / "whole").string());
  const fs::path part = root_ / "part";
  Config early = c;
  early.train.total_env_steps = 3 * kStepsPerIteration;
  train_new(early, part.string());
  write_file_atomic((part / "config.toml").string(), to_toml(c));
  // What the killed run wrote after its checkpoint: evaluations of iterations 4 and 5.
  std::ofstream(part / "evaluations.jsonl", std::ios::app)
      << R"({"iteration": 4, "split": "stale"})" << "\n"
      << R"({"iteration": 5, "split": "stale"})" << "\n";

  train_resume(part.string());
  EXPECT_EQ(read_lines(part / "evaluations.jsonl").size(), 5u);
  EXPECT_EQ(read_file((part / "evaluations.jsonl").string()),
            read_file((root_ / "whole" / "evaluations.jsonl").string()));
  EXPECT_EQ(read_file((part / "eval.json").string()),
            read_file((root_ / "whole" / "eval.json").string()));
  EXPECT_EQ(stable_metrics_rows((part / "metrics.csv").string()),
            stable_metrics_rows((root_ / "whole" / "metrics.csv").string()));
}

TEST_F(ProtocolRuns, LogKeepsEarlierLinesAndRefusesBrokenOnes) {
  fs::create_directories(root_);
  const std::string file = (root_ / "evaluations.jsonl").string();
  write_file_atomic(file, "{\"iteration\": 1}\n{\"iteration\": 3}\n");
  { EvaluationLog log(file, 2); }
  EXPECT_EQ(read_file(file), "{\"iteration\": 1}\n");
  write_file_atomic(file, "{\"iteration\": 1}\n{\"iterat\n");
  try {
    EvaluationLog log(file, 2);
    FAIL() << "a broken line was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file + "' line 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace htrmrl
