// Reports: statistics across seeds and methods (standard error, average rank with ties and
// misaligned evaluation points), the sampler's episode-end hook, `htrmrl embed` on real tiny
// runs, and `htrmrl report` on a hand-made sweep (figures drawn, report.md, bad input).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/files.hpp"
#include "reports/embed.hpp"
#include "reports/figures.hpp"
#include "reports/plotting.hpp"
#include "reports/statistics.hpp"
#include "reports/sweep_data.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


// ---- statistics ----

TEST(Statistics, StandardErrorUsesTheSampleDeviation) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4}), 2.5);
  // sd = sqrt(5 / 3) (n - 1 = 3), se = sd / sqrt(4).
  EXPECT_NEAR(standard_error({1, 2, 3, 4}), std::sqrt(5.0 / 3.0) / 2.0, 1e-12);
  EXPECT_NEAR(standard_error({0.5, 0.5, 0.5}), 0.0, 1e-12);
  EXPECT_NEAR(standard_error({0.0, 1.0}), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(standard_error({0.7})));  // one seed: no band
  EXPECT_TRUE(std::isnan(standard_error({})));
}

TEST(Statistics, TiesShareTheMeanOfTheirRanks) {
  EXPECT_EQ(ranks_highest_first({0.5, 0.9, 0.5, 0.1}), (std::vector<double>{2.5, 1, 2.5, 4}));
  EXPECT_EQ(ranks_highest_first({0.3, 0.3, 0.3}), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(ranks_highest_first({0.0, 1.0}), (std::vector<double>{2, 1}));
}

TEST(Statistics, ValueAtTakesTheLatestPointAtOrBefore) {
  const Series s = {{100, 0.1}, {200, 0.2}};
  EXPECT_FALSE(value_at(s, 99).has_value());
  EXPECT_EQ(*value_at(s, 100), 0.1);
  EXPECT_EQ(*value_at(s, 199), 0.1);
  EXPECT_EQ(*value_at(s, 1000), 0.2);
}

TEST(Statistics, SeedCurveAlignsSeedsAndStopsAtEachSeedsEnd) {
  // Seed b is measured at other steps and stops early.
  const auto curve = seed_curve({{{100, 0.0}, {200, 0.4}, {300, 0.6}}, {{150, 1.0}, {250, 0.8}}});
  ASSERT_EQ(curve.size(), 5u);
  EXPECT_EQ(curve[0].x, 100);  // only a
  EXPECT_EQ(curve[0].n, 1);
  EXPECT_TRUE(std::isnan(curve[0].se));
  EXPECT_EQ(curve[1].x, 150);  // a's 0.0 carried, b's 1.0
  EXPECT_DOUBLE_EQ(curve[1].mean, 0.5);
  EXPECT_NEAR(curve[1].se, 0.5, 1e-12);
  EXPECT_EQ(curve[3].x, 250);  // a's 0.4, b's 0.8
  EXPECT_DOUBLE_EQ(curve[3].mean, 0.6);
  EXPECT_EQ(curve[4].x, 300);  // b ended at 250: a alone
  EXPECT_EQ(curve[4].n, 1);
  EXPECT_DOUBLE_EQ(curve[4].mean, 0.6);
}

TEST(Statistics, AverageRankOnAHandMadeTableWithTiesAndMisalignedPoints) {
  // Three methods evaluated at different env steps; t3 is known to method a only (dropped).
  std::vector<std::map<std::string, Series>> methods(3);
  methods[0] = {{"t1", {{100, 0.2}, {300, 0.8}}}, {"t2", {{100, 0.5}, {300, 0.5}}},
                {"t3", {{100, 1.0}}}};
  methods[1] = {{"t1", {{200, 0.4}}}, {"t2", {{200, 0.5}}}};
  methods[2] = {{"t1", {{50, 0.1}, {250, 0.9}}}, {"t2", {{50, 0.0}, {250, 1.0}}}};
  const auto ranks = average_rank(methods);
  // 50 and 100 come before b has any evaluation: skipped.
  ASSERT_EQ(ranks.size(), 3u);
  // At 200: t1 ranks b 1, a 2, c 3; t2 ties a and b at 0.5 -> 1.5 each, c 3.
  EXPECT_EQ(ranks[0].x, 200);
  EXPECT_EQ(ranks[0].rank, (std::vector<double>{1.75, 1.25, 3.0}));
  // At 250: c leads both; t1 b 2, a 3; t2 a, b tie at 2.5.
  EXPECT_EQ(ranks[1].x, 250);
  EXPECT_EQ(ranks[1].rank, (std::vector<double>{2.75, 2.25, 1.0}));
  // At 300: a's new 0.8 passes b's carried 0.4 on t1.
  EXPECT_EQ(ranks[2].x, 300);
  EXPECT_EQ(ranks[2].rank, (std::vector<double>{2.25, 2.75, 1.0}));
}

// ---- file parsing ----

std::string evaluation_line(int64_t iteration, int64_t steps, const std::string& split,
                            const std::vector<std::pair<std::string, double>>& tasks) {
  json t = json::array();
  double overall = 0;
  for (const auto& [name, success] : tasks) {
    t.push_back({{"name", name}, {"success", success},
                 {"success_by_episode", {success * 0.5, success, success}}});
    overall += success / tasks.size();
  }
  return json{{"iteration", iteration}, {"env_steps", steps}, {"split", split},
              {"adaptation_episodes", 1}, {"evaluation_episodes", 2}, {"trials_per_task", 2},
              {"success", overall}, {"success_by_episode", {overall * 0.5, overall, overall}},
              {"tasks", t}}
             .dump() + "\n";
}

TEST(SweepFiles, CorruptLinesNameTheFileAndLineAndAnUnfinishedLastLineWaits) {
  const std::string good = evaluation_line(1, 100, "test", {{"a", 0.5}});
  EXPECT_EQ(parse_evaluations(good + good + "{\"iteration\": 3", "e.jsonl").size(), 2u);
  try {
    parse_evaluations(good + "{not json\n", "runs/x/evaluations.jsonl");
    FAIL() << "a corrupt line was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("runs/x/evaluations.jsonl: line 2"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_evaluations(json{{"iteration", 1}}.dump() + "\n", "e.jsonl"), Error);
  const Series s =
      parse_rollout_success("iteration,env_steps,train_success\n1,10,0.5\n2,20,0.75\n", "m.csv");
  EXPECT_EQ(s, (Series{{10, 0.5}, {20, 0.75}}));
  EXPECT_THROW(parse_rollout_success("iteration,steps\n1,2\n", "m.csv"), Error);
}

TEST(SweepTables, EpisodesByLengthIsAKBySTableOfFinalMetaTrainSuccess) {
  SweepData sweep;
  sweep.grid = {{"agent.episodes", {"5", "10"}}, {"agent.seq_len", {"5", "25"}}};
  // Two seeds per cell; the cell K=10, S=25 has no run yet.
  const std::vector<std::tuple<std::string, std::string, double>> cells = {
      {"5", "5", 0.4}, {"5", "5", 0.6}, {"5", "25", 1.0}, {"5", "25", 1.0}, {"10", "5", 0.9}};
  for (const auto& [k, s, success] : cells) {
    RunData run;
    run.method = "agent.episodes=" + k + ",agent.seq_len=" + s;
    run.overrides = {{"agent.episodes", k}, {"agent.seq_len", s}};
    Evaluation early, last;
    early.split = last.split = "train";
    early.env_steps = 100;
    early.success = 0.0;
    last.env_steps = 200;
    last.success = success;
    run.evaluations = {last, early};  // file order need not be step order
    sweep.runs.push_back(run);
  }
  const std::string table = episodes_by_length_tables(sweep);
  EXPECT_NE(table.find("| K \\ S | S=5 | S=25 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| K=5 | 0.500 ± 0.100 (n=2) | 1.000 ± 0.000 (n=2) |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| K=10 | 0.900 (n=1) | – |"), std::string::npos) << table;
  sweep.grid.pop_back();
  EXPECT_EQ(episodes_by_length_tables(sweep), "");
}

// ---- the sampler's hook ----

Config tiny_config(const std::string& kind) {
  Config c;
  c.agent.kind = kind;
  if (kind == "trmrl") c.agent.episodes = 1;
  c.agent.d_model = 16;
  c.agent.ff_dim = 32;
  c.agent.hidden = 32;
  c.agent.rnn_hidden = 24;
  c.env.episodes_per_trial = 3;
  return c;
}

TEST(EpisodeEndHook, ReportsEveryEpisodeOnceAndChangesNothing) {
  for (const std::string kind : {"htrmrl", "rl2"}) {
    SCOPED_TRACE(kind);
    const Config config = tiny_config(kind);
    RunSetup setup = make_setup(config);
    Sampler sampler(setup.benchmark, config.memory(), setup.slots, 4, setup.device);
    const std::vector<TrialSpec> specs = {{0, 11}, {1, 12}, {2, 13}};
    const int episodes = config.env.episodes_per_trial;
    const auto plain = sampler.run(*setup.agent, setup.benchmark.train_tasks, specs, episodes,
                                   false, nullptr);
    std::set<std::pair<int, int>> seen;
    int64_t width = -1;
    const EpisodeEndHook hook = [&](int trial, int episode, const torch::Tensor& z) {
      EXPECT_TRUE(seen.insert({trial, episode}).second);
      width = z.numel();
      EXPECT_TRUE(torch::isfinite(z).all().item<bool>());
    };
    const auto hooked = sampler.run(*setup.agent, setup.benchmark.train_tasks, specs, episodes,
                                    false, nullptr, &hook);
    EXPECT_EQ(seen.size(), specs.size() * episodes);
    // z_task has d_model entries; RL^2's embedding is its GRU state.
    EXPECT_EQ(width, kind == "rl2" ? config.agent.rnn_hidden : config.agent.d_model);
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(plain[i].success, hooked[i].success);
      EXPECT_EQ(plain[i].returns, hooked[i].returns);
    }
  }
}

TEST(EmbeddingMap, GroupsByNameOnlyWhenTasksShareSeveralNames) {
  // Point robot: distinct names (goals); ML1: one name (variations): both by index.
  std::vector<std::string> goals, variations, ml10;
  for (int i = 0; i < 40; ++i) goals.push_back("train-" + std::to_string(i));
  variations.assign(50, "push");
  for (const std::string name : {"reach", "push", "door-open"})
    for (int v = 0; v < 8; ++v) ml10.push_back(name);
  EXPECT_EQ(task_grouping(goals), TaskGrouping::kByIndex);
  EXPECT_EQ(task_grouping(variations), TaskGrouping::kByIndex);
  EXPECT_EQ(task_grouping(ml10), TaskGrouping::kByName);
  EXPECT_EQ(map_tasks(goals, 3, 5), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(map_tasks(variations, 2, 5), (std::vector<int>{0, 1}));
  // ML10-like: the first 2 names, at most 3 variations of each.
  EXPECT_EQ(map_tasks(ml10, 2, 3), (std::vector<int>{0, 1, 2, 8, 9, 10}));
}

// ---- commands on real tiny runs and a hand-made sweep ----

// Real tiny runs (5000 env steps), trained on first use; a directory per test process, as
// ctest runs tests in parallel.
class Reports : public ::testing::Test {
 protected:
  static fs::path root() {
    return fs::temp_directory_path() / ("htrmrl_test_report_" + std::to_string(getpid()));
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }

  // The run directory of a tiny run of agent.kind `kind` (htrmrl or trmrl).
  static std::string run_of(const std::string& kind) {
    const fs::path dir = root() / ("run-" + kind);
    if (!fs::exists(dir / "checkpoints" / "latest.pt")) {
      const std::string k1 = kind == "trmrl" ? " --set agent.episodes=1" : "";
      const Outcome o = htrmrl(
          "train --out " + dir.string() + k1 + " --set agent.kind=" + kind +
          " --set train.total_env_steps=5000 --set env.episodes_per_trial=3"
          " --set ppo.trials_per_iter=8 --set agent.d_model=16 --set agent.ff_dim=32"
          " --set agent.hidden=32 --set train.eval_at_end=false");
      EXPECT_EQ(o.code, 0) << o.output;
    }
    return dir.string();
  }

  // A sweep of two methods x two seeds with hand-made metrics and evaluations; TrMRL is
  // evaluated at other env steps than HTrMRL; a fifth listed run never started. With
  // `trained`, seed 1 of each method is a real tiny run (its checkpoint feeds the embedding
  // map); otherwise every run is a config.toml alone.
  static std::string make_sweep(const std::string& name, bool trained) {
    const fs::path sweep = root() / name;
    fs::remove_all(sweep);
    json runs = json::array();
    for (const std::string kind : {"htrmrl", "trmrl"})
      for (int seed : {1, 2}) {
        const std::string run = "agent.kind=" + kind + ",seed=" + std::to_string(seed);
        const fs::path dir = sweep / "runs" / run;
        fs::create_directories(dir);
        if (trained && seed == 1) {
          fs::copy(run_of(kind), dir, fs::copy_options::recursive);
        } else {
          Config config;
          config.agent.kind = kind;
          config.agent.episodes = kind == "trmrl" ? 1 : config.agent.episodes;
          config.seed = seed;
          write_file_atomic((dir / "config.toml").string(), to_toml(config));
        }
        const double skill = (kind == "htrmrl" ? 0.3 : 0.2) + 0.05 * seed;
        const int64_t offset = kind == "htrmrl" ? 0 : 500;
        std::string metrics = "iteration,env_steps,train_success\n", evaluations;
        for (int it = 1; it <= 4; ++it) {
          const int64_t steps = it * 2000 + offset;
          const double s = std::min(1.0, skill * it * 0.6);
          metrics += std::to_string(it) + "," + std::to_string(steps) + "," + std::to_string(s) + "\n";
          evaluations += evaluation_line(it, steps, "train", {{"push", s}});
          evaluations += evaluation_line(it, steps, "test",
                                         {{"test-0", s}, {"test-1", s * 0.5}, {"test-2", 1 - s}});
        }
        write_file_atomic((dir / "metrics.csv").string(), metrics);
        write_file_atomic((dir / "evaluations.jsonl").string(), evaluations);
        runs.push_back({{"name", run}, {"dir", "runs/" + run}, {"method", "agent.kind=" + kind},
                        {"seed", seed}, {"overrides", {{"agent.kind", kind}, {"seed", std::to_string(seed)}}}});
      }
    runs.push_back({{"name", "agent.kind=flat,seed=1"}, {"dir", "runs/agent.kind=flat,seed=1"},
                    {"method", "agent.kind=flat"}, {"seed", 1},
                    {"overrides", {{"agent.kind", "flat"}, {"seed", "1"}}}});
    const json s = {{"config", "configs/point-robot-sparse.toml"}, {"sets", json::array()},
                    {"seeds", {1, 2}},
                    {"grid", {{{"key", "agent.kind"}, {"values", {"htrmrl", "trmrl", "flat"}}}}},
                    {"runs", runs}};
    write_file_atomic((sweep / "sweep.json").string(), s.dump(2));
    return sweep.string();
  }
};

TEST_F(Reports, EmbedWritesOneRowPerTaskTrialAndEpisode) {
  const std::string csv = (root() / "embed.csv").string();
  const Outcome o =
      htrmrl("embed --run " + run_of("htrmrl") + " --split test --trials 2 --out " + csv);
  ASSERT_EQ(o.code, 0) << o.output;
  std::ifstream in(csv);
  std::string header, line;
  std::getline(in, header);
  // task, name, trial, episode, then d_model = 16 embedding entries.
  EXPECT_EQ(header.rfind("task,name,trial,episode,z0,", 0), 0u) << header;
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 4 + 16 - 1);
  int rows = 0;
  std::set<std::string> keys;  // task,name,trial,episode
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 4 + 16 - 1) << line;
    size_t end = 0;
    for (int cell = 0; cell < 4; ++cell) end = line.find(',', end) + 1;
    keys.insert(line.substr(0, end));
  }
  // point-robot-sparse: 10 test goals x 2 trials x 3 episodes, each key once.
  EXPECT_EQ(rows, 10 * 2 * 3);
  EXPECT_EQ(keys.size(), 60u);
  const std::string bad_csv = (root() / "bad.csv").string();
  for (const auto& [args, needle] : std::vector<std::pair<std::string, std::string>>{
           {"--run " + (root() / "nothing").string(), "nothing"},
           {"--run " + run_of("htrmrl") + " --split validation", "--split"},
           {"--run " + run_of("htrmrl") + " --trials 0", "--trials"}}) {
    const Outcome bad = htrmrl("embed " + args + " --out " + bad_csv);
    EXPECT_EQ(bad.code, 2) << args;
    EXPECT_NE(bad.output.find(needle), std::string::npos) << bad.output;
    EXPECT_FALSE(fs::exists(bad_csv));
  }
}

TEST_F(Reports, BadSweepsAreRefusedNamingTheFile) {
  const Outcome none = htrmrl("report " + (root() / "no-such-sweep").string());
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.output.find("sweep.json"), std::string::npos) << none.output;

  const std::string sweep = make_sweep("corrupt", false);
  const fs::path jsonl = fs::path(sweep) / "runs" / "agent.kind=trmrl,seed=2" / "evaluations.jsonl";
  std::ofstream(jsonl, std::ios::app) << "{\"iteration\": 5, oops\n";
  const Outcome corrupt = htrmrl("report --no-embeddings " + sweep);
  EXPECT_EQ(corrupt.code, 2);
  EXPECT_NE(corrupt.output.find("agent.kind=trmrl,seed=2/evaluations.jsonl: line 9"),
            std::string::npos)
      << corrupt.output;
  EXPECT_FALSE(fs::exists(fs::path(sweep) / "report"));
}

bool is_png(const fs::path& file) {
  const std::string head = read_file(file.string()).substr(0, 8);
  return head == std::string("\x89PNG\r\n\x1a\n", 8);
}

TEST_F(Reports, ReportEmbedsEveryFigureAsAValidPng) {
  if (shell(python_interpreter() + " -c 'import matplotlib, sklearn'").code != 0)
    GTEST_SKIP() << "python3-matplotlib / python3-sklearn not installed";
  const std::string sweep = make_sweep("sweep", true);
  const Outcome o = htrmrl("report " + sweep);
  ASSERT_EQ(o.code, 0) << o.output;
  const fs::path report = fs::path(sweep) / "report";
  const std::string md = read_file((report / "report.md").string());

  // Every figure the sweep supports, as PNG and SVG, each PNG referenced by report.md.
  for (const std::string name :
       {"success", "average_rank", "task_success", "success_by_episode", "embeddings_tsne"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(fs::exists(report / (name + ".png")));
    EXPECT_TRUE(is_png(report / (name + ".png")));
    EXPECT_GT(fs::file_size(report / (name + ".svg")), 1000u);
    EXPECT_NE(md.find("](" + name + ".png)"), std::string::npos);
  }
  // Every PNG referenced exists; every PNG present is referenced.
  const std::regex image(R"(!\[[^\]]*\]\(([^)]+\.png)\))");
  std::set<std::string> referenced;
  for (std::sregex_iterator it(md.begin(), md.end(), image), end; it != end; ++it)
    referenced.insert((*it)[1]);
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(report))
    if (entry.path().extension() == ".png") present.insert(entry.path().filename().string());
  EXPECT_EQ(referenced, present);

  // The tables and notes: both methods' final figures, the run that never started.
  EXPECT_NE(md.find("| htrmrl | 2 / 2 | 8000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| trmrl | 2 / 2 | 8500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("agent.kind=flat,seed=1: not started"), std::string::npos) << md;
  EXPECT_NE(md.find("htrmrl report " + sweep), std::string::npos);
  // One suite version throughout (hand-made configs have none: taken as version 1).
  EXPECT_NE(md.find("| point-robot-sparse | point-robot-1 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("different suite versions"), std::string::npos) << md;
  // The embedding map had both kinds' seed-1 checkpoints.
  EXPECT_TRUE(fs::exists(report / "data" / "embeddings_1.csv"));
  // Nothing staged is left beside it.
  for (const auto& entry : fs::directory_iterator(sweep))
    EXPECT_EQ(entry.path().filename().string().rfind("report.", 0), std::string::npos)
        << entry.path();
}

// Runs made on different versions of the suite's rules: the report says so at its top.
TEST_F(Reports, RunsOfDifferentSuiteVersionsAreFlagged) {
  if (shell(python_interpreter() + " -c 'import matplotlib'").code != 0)
    GTEST_SKIP() << "python3-matplotlib not installed";
  const std::string sweep = make_sweep("mixed", false);
  Config config;
  config.agent.kind = "trmrl";
  config.agent.episodes = 1;
  config.seed = 2;
  config.env.suite_version = "point-robot-0";
  write_file_atomic(sweep + "/runs/agent.kind=trmrl,seed=2/config.toml", to_toml(config));
  const Outcome o = htrmrl("report --no-embeddings " + sweep);
  ASSERT_EQ(o.code, 0) << o.output;
  const std::string md = read_file(sweep + "/report/report.md");
  EXPECT_NE(md.find("different suite versions (point-robot-0, point-robot-1)"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| point-robot-sparse | point-robot-0, point-robot-1 |"),
            std::string::npos) << md;
}

}  // namespace
}  // namespace htrmrl
