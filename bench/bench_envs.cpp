// bench_envs: tabletop environment speed on one core, per task, against the raw physics of
// the same scene measured in the same run.
//   env      env steps/s of TabletopEnv::step replaying a scripted episode's actions
//   raw      the same trajectory driven straight through mj_step (mocap and ctrl written by
//            hand, no observation, reward or checks): the physical limit, in env steps/s
//            (mj_step rate / 5)
//   reset    ms per TabletopEnv::reset (copy of the rest state + placement + mj_forward)
//   hand     ms of the 250-substep hand reset (done once per scene, at compile time)
// Each figure is the median over --repeats repetitions of --episodes episodes.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "envs/tabletop/benchmarks.hpp"
#include "envs/tabletop/tabletop_env.hpp"

namespace htrmrl::tabletop {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The scripted expert's actions for one episode of a variation.
std::vector<float> expert_actions(TabletopEnv& env, const Task& task) {
  std::vector<float> obs(kObsDim), actions(kEpisodeSteps * kActDim);
  env.set_task(task);
  env.reset(0, obs.data());
  for (int t = 0; t < kEpisodeSteps; ++t) {
    env.reveal_goal(obs.data());
    env.task().scripted_action(obs.data(), &actions[t * kActDim]);
    env.step(&actions[t * kActDim], obs.data());
  }
  return actions;
}

// Replays the actions through mj_step alone, starting from the env's reset state.
void raw_episode(const Scene& scene, mjData* d, const std::vector<float>& actions) {
  for (int t = 0; t < kEpisodeSteps; ++t) {
    apply_action(scene, d, &actions[t * kActDim]);
    for (int k = 0; k < 5; ++k) mj_step(scene.model.get(), d);
  }
}

nlohmann::json bench_task(const std::string& name, int episodes, int repeats) {
  Benchmark b = make_ml1_benchmark(name, 1);
  auto owned = b.make_env();
  auto& env = dynamic_cast<TabletopEnv&>(*owned);
  std::vector<std::vector<float>> actions;
  for (int e = 0; e < episodes; ++e) actions.push_back(expert_actions(env, b.train_tasks[e]));

  std::vector<float> obs(kObsDim);
  std::vector<double> env_rate, raw_rate, reset_ms, hand_ms;
  env.set_task(b.train_tasks[0]);
  const Scene& scene = env.scene();
  const mjModel* m = scene.model.get();
  mjData* raw = mj_makeData(m);
  for (int r = 0; r < repeats; ++r) {
    double env_s = 0, raw_s = 0, reset_s = 0;
    for (int e = 0; e < episodes; ++e) {
      // The environment: reset, then the episode's steps.
      env.set_task(b.train_tasks[e]);
      auto t0 = Clock::now();
      env.reset(0, obs.data());
      reset_s += seconds_since(t0);
      t0 = Clock::now();
      for (int t = 0; t < kEpisodeSteps; ++t) env.step(&actions[e][t * kActDim], obs.data());
      env_s += seconds_since(t0);
      // The raw physics from the same reset state.
      env.reset(0, obs.data());
      mj_copyData(raw, m, env.data());
      t0 = Clock::now();
      raw_episode(scene, raw, actions[e]);
      raw_s += seconds_since(t0);
    }
    env_rate.push_back(episodes * kEpisodeSteps / env_s);
    raw_rate.push_back(episodes * kEpisodeSteps / raw_s);
    reset_ms.push_back(1e3 * reset_s / episodes);
    // The hand reset, as compile_scene runs it.
    mj_resetData(m, raw);
    const auto t0 = Clock::now();
    reset_hand(scene, raw);
    hand_ms.push_back(1e3 * seconds_since(t0));
  }
  mj_deleteData(raw);
  const double env_med = median(env_rate), raw_med = median(raw_rate);
  return {{"task", name},
          {"env_steps_per_s", env_med},
          {"raw_env_steps_per_s", raw_med},
          {"raw_mj_steps_per_s", 5 * raw_med},
          {"env_over_raw", env_med / raw_med},
          {"reset_ms", median(reset_ms)},
          {"hand_reset_ms", median(hand_ms)}};
}

}  // namespace
}  // namespace htrmrl::tabletop

int main(int argc, char** argv) {
  using namespace htrmrl::tabletop;
  CLI::App app{"Tabletop environment speed per task, against raw mj_step on the same scene"};
  std::vector<std::string> tasks;
  int episodes = 5, repeats = 5;
  std::string json_path;
  app.add_option("--tasks", tasks, "Task names (default: all)");
  app.add_option("--episodes", episodes, "Episodes per repetition")->check(CLI::Range(1, 50));
  app.add_option("--repeats", repeats, "Repetitions; medians are reported")
      ->check(CLI::Range(1, 100));
  app.add_option("--json", json_path, "Write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);
  try {
    if (tasks.empty())
      for (const TabletopTask* t : all_tasks()) tasks.push_back(t->name());
    for (const auto& t : tasks)
      if (!find_task(t)) throw htrmrl::Error("unknown tabletop task '" + t + "'");
    nlohmann::json out = {{"mujoco", mj_versionString()}, {"episodes", episodes},
                          {"repeats", repeats}, {"tasks", nlohmann::json::array()}};
    std::cout << fmt::format("{:<22}{:>12}{:>12}{:>9}{:>10}{:>10}\n", "task", "env st/s",
                             "raw st/s", "env/raw", "reset ms", "hand ms");
    for (const auto& t : tasks) {
      const auto r = bench_task(t, episodes, repeats);
      std::cout << fmt::format("{:<22}{:>12.0f}{:>12.0f}{:>9.3f}{:>10.3f}{:>10.2f}\n", t,
                               r["env_steps_per_s"].get<double>(),
                               r["raw_env_steps_per_s"].get<double>(),
                               r["env_over_raw"].get<double>(), r["reset_ms"].get<double>(),
                               r["hand_reset_ms"].get<double>());
      out["tasks"].push_back(r);
    }
    if (!json_path.empty()) htrmrl::write_file_atomic(json_path, out.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "bench_envs: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
