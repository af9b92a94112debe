// Sweeps: the grid expands in the documented order and names, bad grids are refused before
// anything is written, and a tiny real sweep runs every run, skips finished ones on a rerun,
// refuses another sweep in its directory, reports a failed run, and resumes runs stopped by
// a signal from their checkpoints.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/files.hpp"
#include "experiments/sweep.hpp"
#include "test_util.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

const std::string kConfig = std::string(HTRMRL_SOURCE_DIR) + "/configs/point-robot-sparse.toml";


SweepRequest request(std::vector<std::string> grids, std::string seeds,
                     std::vector<std::string> sets = {}) {
  SweepRequest r{kConfig, std::move(sets), parse_seeds(seeds), {}};
  for (const auto& g : grids) r.grid.push_back(parse_grid(g));
  return r;
}

TEST(SweepPlan, SeedsAndGridsParse) {
  EXPECT_EQ(parse_seeds("3"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(parse_seeds("4-6"), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(parse_seeds("0,7"), (std::vector<int64_t>{0, 7}));
  for (const char* bad : {"0", "x", "3-1", "1,,2", "-1", "1,1", "2.5", ""})
    EXPECT_NE(error_of([&] { parse_seeds(bad); }).find("--seeds"), std::string::npos) << bad;

  const GridAxis axis = parse_grid("agent.kind=htrmrl,flat");
  EXPECT_EQ(axis.key, "agent.kind");
  EXPECT_EQ(axis.values, (std::vector<std::string>{"htrmrl", "flat"}));
  for (const char* bad : {"agent.kind=", "agent.kind=a,,b", "agent.kind=a,", "agent.kind"})
    EXPECT_NE(error_of([&] { parse_grid(bad); }).find("agent.kind"), std::string::npos) << bad;
  EXPECT_NE(error_of([&] { parse_grid("env.benchmark=a/b"); }).find("directory"),
            std::string::npos);
}

TEST(SweepPlan, ExpandsGridKeysInOrderForEachSeed) {
  const SweepPlan plan = plan_sweep(request({"agent.kind=htrmrl,flat", "ppo.lr=0.001,0.0003"},
                                            "1,2", {"train.total_env_steps=1000"}));
  std::vector<std::string> names;
  for (const auto& run : plan.runs) names.push_back(run.name);
  const std::vector<std::string> expected = {
      "agent.kind=htrmrl,ppo.lr=0.001,seed=1", "agent.kind=htrmrl,ppo.lr=0.0003,seed=1",
      "agent.kind=flat,ppo.lr=0.001,seed=1",   "agent.kind=flat,ppo.lr=0.0003,seed=1",
      "agent.kind=htrmrl,ppo.lr=0.001,seed=2", "agent.kind=htrmrl,ppo.lr=0.0003,seed=2",
      "agent.kind=flat,ppo.lr=0.001,seed=2",   "agent.kind=flat,ppo.lr=0.0003,seed=2"};
  EXPECT_EQ(names, expected);
  const SweepRun& run = plan.runs[6];
  EXPECT_EQ(run.method, "agent.kind=flat,ppo.lr=0.001");
  EXPECT_EQ(run.dir(), "runs/agent.kind=flat,ppo.lr=0.001,seed=2");
  EXPECT_EQ(run.seed, 2);
  EXPECT_EQ(run.config.agent.kind, "flat");
  EXPECT_DOUBLE_EQ(run.config.ppo.lr, 0.001);
  EXPECT_EQ(run.config.seed, 2);
  EXPECT_EQ(run.config.train.total_env_steps, 1000);

  // The manifest, as contracts.md spells it.
  const auto ordered = sweep_manifest(plan);
  const auto manifest = nlohmann::json::parse(ordered.dump());
  EXPECT_EQ(manifest["config"], kConfig);
  EXPECT_EQ(manifest["sets"], nlohmann::json({"train.total_env_steps=1000"}));
  EXPECT_EQ(manifest["seeds"], nlohmann::json({1, 2}));
  EXPECT_EQ(manifest["grid"][1]["key"], "ppo.lr");
  EXPECT_EQ(manifest["grid"][1]["values"], nlohmann::json({"0.001", "0.0003"}));
  EXPECT_EQ(manifest["runs"].size(), 8u);
  EXPECT_EQ(manifest["runs"][6]["name"], run.name);
  EXPECT_EQ(manifest["runs"][6]["dir"], run.dir());
  EXPECT_EQ(manifest["runs"][6]["method"], run.method);
  EXPECT_EQ(manifest["runs"][6]["seed"], 2);
  EXPECT_EQ(ordered["runs"][6]["overrides"].dump(),
            R"({"agent.kind":"flat","ppo.lr":"0.001","seed":"2"})");
  const Config base = parse_config(manifest["base_config"].get<std::string>(), "base");
  EXPECT_EQ(base.train.total_env_steps, 1000);

  // Without a grid: one run per seed, method "default".
  const SweepPlan seeds_only = plan_sweep(request({}, "2"));
  ASSERT_EQ(seeds_only.runs.size(), 2u);
  EXPECT_EQ(seeds_only.runs[1].name, "seed=2");
  EXPECT_EQ(seeds_only.runs[1].method, "default");
}

TEST(SweepPlan, RefusesAmbiguousOrInvalidCombinations) {
  const std::vector<std::pair<SweepRequest, std::string>> cases = {
      {request({"seed=1,2"}, "1"), "--seeds"},
      {request({"ppo.lr=0.1", "ppo.lr=0.2"}, "1"), "ppo.lr"},
      {request({"ppo.lr=0.1,0.2"}, "1", {"ppo.lr=0.3"}), "ppo.lr"},
      {request({}, "1", {"seed=4"}), "--seeds"},
      {request({"ppo.lr=0.001,1e-3"}, "1"), "same run"},
      {request({"agent.knd=htrmrl"}, "1"), "agent.knd"},
      {request({"agent.kind=htrmrl,bogus"}, "1"), "agent.kind=bogus"},
      // TrMRL needs agent.episodes = 1: a rule across keys, named with the run.
      {request({"agent.kind=trmrl"}, "1"), "agent.episodes"},
  };
  for (const auto& [r, needle] : cases) {
    const std::string message = error_of([&] { plan_sweep(r); });
    EXPECT_NE(message.find(needle), std::string::npos) << needle << ": " << message;
  }
}

TEST(SweepPlan, AnotherSweepIsToldApartFromTheSame) {
  const SweepPlan plan = plan_sweep(request({"agent.kind=htrmrl,flat"}, "2", {"ppo.lr=0.002"}));
  const nlohmann::json stored = nlohmann::json::parse(sweep_manifest(plan).dump());
  EXPECT_EQ(error_of([&] { check_same_sweep(stored, plan, "s.json"); }), "");
  // The same runs reached another way (the override given twice) are the same sweep.
  const SweepPlan same = plan_sweep(
      request({"agent.kind=htrmrl,flat"}, "1-2", {"ppo.lr=0.1", "ppo.lr=0.002"}));
  EXPECT_EQ(error_of([&] { check_same_sweep(stored, same, "s.json"); }), "");
  const std::vector<std::pair<SweepPlan, std::string>> others = {
      {plan_sweep(request({"agent.kind=htrmrl,flat"}, "3", {"ppo.lr=0.002"})), "seeds"},
      {plan_sweep(request({"agent.kind=flat,htrmrl"}, "2", {"ppo.lr=0.002"})), "grid"},
      {plan_sweep(request({"agent.kind=htrmrl,flat"}, "2", {"ppo.lr=0.003"})), "'ppo.lr'"},
  };
  for (const auto& [other, needle] : others) {
    const std::string message = error_of([&] { check_same_sweep(stored, other, "s.json"); });
    EXPECT_NE(message.find("another sweep"), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << needle << ": " << message;
  }
}

// Tiny runs: 4 trials of 2 episodes (160 env steps) per iteration, a narrow network.
const std::string kTiny =
    " --config " + kConfig +
    " --set env.episodes_per_trial=2 --set ppo.trials_per_iter=4 --set agent.d_model=16"
    " --set agent.ff_dim=32 --set agent.hidden=32 --set eval.trials=1";

class SweepCli : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }
  ScratchDir scratch_;
};

TEST_F(SweepCli, BadGridsAreRefusedBeforeAnythingIsWritten) {
  const std::string base = "sweep" + kTiny + " --out " + path("s");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --seeds 2 --grid agent.knd=htrmrl", "agent.knd"},
      {" --seeds 2 --grid agent.kind=htrmrl,bogus", "agent.kind"},
      {" --seeds 2 --grid agent.kind=", "agent.kind"},
      {" --seeds 2 --grid agent.kind=htrmrl,,flat", "agent.kind"},
      {" --seeds 2 --grid agent.kind=trmrl", "agent.episodes"},
      {" --seeds 2 --jobs 0", "--jobs"},
  };
  for (const auto& [args, needle] : cases) {
    SCOPED_TRACE(args);
    const Outcome o = htrmrl(base + args);
    EXPECT_EQ(o.code, 2) << o.output;
    EXPECT_NE(o.output.find("error: "), std::string::npos) << o.output;
    EXPECT_NE(o.output.find(needle), std::string::npos) << o.output;
    EXPECT_FALSE(fs::exists(path("s")));
  }
}

// Each run's train.log, by run name.
std::map<std::string, std::string> logs(const std::string& sweep) {
  std::map<std::string, std::string> out;
  for (const auto& run : fs::directory_iterator(sweep + "/runs"))
    out[run.path().filename().string()] = read_file((run.path() / "train.log").string());
  return out;
}

TEST_F(SweepCli, RunsEveryRunSkipsFinishedOnesAndRefusesAnotherSweep) {
  const std::string options = "sweep" + kTiny +
                              " --set train.total_env_steps=480 --set train.checkpoint_every=2"
                              " --grid agent.kind=htrmrl,flat --jobs 2 --out " + path("s");
  const std::string args = options + " --seeds 2";
  const Outcome first = htrmrl(args);
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("all 4 runs finished"), std::string::npos) << first.output;

  // sweep.json lists the runs; every run finished with its own config and its log.
  const auto manifest = nlohmann::json::parse(read_file(path("s/sweep.json")));
  ASSERT_EQ(manifest["runs"].size(), 4u);
  EXPECT_EQ(manifest["runs"][1]["name"], "agent.kind=flat,seed=1");
  for (const auto& run : manifest["runs"]) {
    const std::string dir = path("s/" + run["dir"].get<std::string>());
    SCOPED_TRACE(dir);
    const auto status = nlohmann::json::parse(read_file(dir + "/status.json"));
    EXPECT_EQ(status["state"], "finished");
    EXPECT_EQ(status["iteration"], 3);
    EXPECT_EQ(status["env_steps"], 480);
    const Config config = load_config(dir + "/config.toml");
    EXPECT_EQ(config.agent.kind, run["overrides"]["agent.kind"].get<std::string>());
    EXPECT_EQ(config.seed, run["seed"].get<int64_t>());
    EXPECT_EQ(config.agent.d_model, 16);
    EXPECT_EQ(stable_metrics_rows(dir + "/metrics.csv").size(), 3u);
    EXPECT_TRUE(fs::exists(dir + "/eval.json"));
    EXPECT_NE(read_file(dir + "/train.log").find("meta-test"), std::string::npos);
  }

  // The same command again: nothing to run, no child started.
  const auto logs_before = logs(path("s"));
  const Outcome again = htrmrl(args);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("4 finished already, 0 to run"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("started"), std::string::npos) << again.output;
  EXPECT_EQ(logs(path("s")), logs_before);

  // The report builds from this real sweep: every run's final evaluations, both methods
  // (CI installs matplotlib and scikit-learn through scripts/setup.sh).
  const Outcome report = htrmrl("report " + path("s"));
  ASSERT_EQ(report.code, 0) << report.output;
  const std::string markdown = read_file(path("s/report/report.md"));
  for (const char* method : {"| htrmrl |", "| flat |"})
    EXPECT_NE(markdown.find(method), std::string::npos) << markdown;
  for (const char* figure : {"success", "average_rank", "success_by_episode", "embeddings_tsne"}) {
    EXPECT_NE(markdown.find(std::string(figure) + ".png"), std::string::npos) << figure;
    EXPECT_TRUE(fs::exists(path("s/report/" + std::string(figure) + ".png"))) << figure;
  }

  // Another sweep in the same directory is refused and changes nothing.
  const std::string manifest_text = read_file(path("s/sweep.json"));
  for (const auto& [change, needle] : std::vector<std::pair<std::string, std::string>>{
           {" --seeds 3", "seeds"},
           {" --seeds 2 --set ppo.lr=0.0005", "ppo.lr"}}) {
    const Outcome other = htrmrl(options + change);
    EXPECT_EQ(other.code, 2) << other.output;
    EXPECT_NE(other.output.find("another sweep"), std::string::npos) << other.output;
    EXPECT_NE(other.output.find(needle), std::string::npos) << other.output;
  }
  EXPECT_EQ(read_file(path("s/sweep.json")), manifest_text);
  EXPECT_EQ(logs(path("s")), logs_before);

  // Two runs lose their finished mark, one of them also its checkpoint: the sweep resumes
  // the first, reports the second's failure with the end of its log, and exits non-zero.
  const std::string resumed = path("s/runs/agent.kind=flat,seed=2");
  const std::string broken = path("s/runs/agent.kind=htrmrl,seed=1");
  fs::remove(resumed + "/status.json");
  fs::remove(broken + "/status.json");
  std::ofstream(broken + "/checkpoints/latest.pt") << "not a checkpoint";
  const Outcome partly = htrmrl(args);
  EXPECT_EQ(partly.code, 2) << partly.output;
  EXPECT_NE(partly.output.find("2 finished already, 2 to run"), std::string::npos) << partly.output;
  EXPECT_NE(partly.output.find("FAILED agent.kind=htrmrl,seed=1 (exit code 2)"), std::string::npos)
      << partly.output;
  EXPECT_NE(partly.output.find("| error: "), std::string::npos) << partly.output;
  EXPECT_NE(partly.output.find("1 of 4 runs failed"), std::string::npos) << partly.output;
  EXPECT_FALSE(fs::exists(broken + "/status.json"));
  EXPECT_TRUE(fs::exists(resumed + "/status.json"));
  const std::string log = read_file(resumed + "/train.log");
  EXPECT_NE(log.find("resuming"), std::string::npos) << log;
  EXPECT_NE(log.find("from iteration 3"), std::string::npos) << log;
}

// Whether a live process has text in its command line (arguments joined by spaces).
bool process_running_with(const std::string& text) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "cmdline");
    std::string line;
    if (!std::getline(in, line)) continue;  // not a process, or a zombie: nothing runs
    std::replace(line.begin(), line.end(), '\0', ' ');
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(SweepCli, AStoppedSweepResumesItsRunsFromTheirCheckpoints) {
  const std::string run_args = kTiny +
                               " --set train.total_env_steps=1280 --set train.checkpoint_every=1"
                               " --set train.eval_at_end=false";
  const std::string run_dir = path("s/runs/seed=1");
  // Start a one-run sweep; SIGTERM it once the run has checkpointed a few iterations.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd = std::string("exec ") + HTRMRL_BINARY + " sweep" + run_args +
                            " --seeds 1 --out " + path("s") + " >" + path("stopped.out") +
                            " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  wait_for_files(run_dir, [&] { return stable_metrics_rows(run_dir + "/metrics.csv").size() >= 2; });
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string stopped = read_file(path("stopped.out"));
  EXPECT_NE(stopped.find("interrupted by SIGTERM"), std::string::npos) << stopped;
  ASSERT_FALSE(fs::exists(run_dir + "/status.json")) << "the run finished before the stop";
  // The sweep waited for its child: no process runs the run any more.
  EXPECT_FALSE(process_running_with(run_dir));

  // The same command resumes the run from its checkpoint, to the uninterrupted run's metrics.
  const Outcome resumed = htrmrl("sweep" + run_args + " --seeds 1 --out " + path("s"));
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed seed=1"), std::string::npos) << resumed.output;
  std::smatch from;
  const std::string log = read_file(run_dir + "/train.log");
  const std::regex resumed_from(R"(resuming[\s\S]*?from iteration ([0-9]+))");
  ASSERT_TRUE(std::regex_search(log, from, resumed_from))
      << log;
  EXPECT_GT(std::stoi(from[1]), 0) << log;
  const Outcome whole = htrmrl("train --config " + run_dir + "/config.toml --out " + path("whole"));
  ASSERT_EQ(whole.code, 0) << whole.output;
  EXPECT_EQ(stable_metrics_rows(run_dir + "/metrics.csv"),
            stable_metrics_rows(path("whole/metrics.csv")));
}

}  // namespace
}  // namespace htrmrl
