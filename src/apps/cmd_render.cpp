// htrmrl render: one episode of a tabletop task drawn offscreen into PNG frames, a
// beginning/middle/end strip and, with ffmpeg, an MP4; acted by the task's scripted expert,
// by nothing, or by the agent of a trained run.
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <iostream>

#include "apps/commands.hpp"
#include "common/error.hpp"
#include "common/rng.hpp"
#include "envs/tabletop/benchmarks.hpp"
#include "envs/tabletop/tabletop_env.hpp"
#include "rendering/recorder.hpp"
#include "rollouts/sampler.hpp"
#include "training/checkpoint.hpp"
#include "training/setup.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using rendering::EpisodeRecorder;
using tabletop::TabletopEnv;

struct RenderRequest {
  std::string task, policy = "scripted", run, out;
  int variation = 0;
  int64_t seed = Config{}.seed;
  int episode = 0;  // 1-based episode of the run's trial; 0: the last
  rendering::RenderOptions render;
};

// What the episode earned and what was written.
struct Outcome {
  bool success = false;
  double ret = 0;
  rendering::Recording files;
  std::string about;  // which episode of which trial, when an agent played
};

void check_task(const std::string& name) {
  if (tabletop::find_task(name)) return;
  std::string known;
  for (const auto* t : tabletop::all_tasks())
    known += (known.empty() ? "" : ", ") + std::string(t->name());
  throw Error("unknown tabletop task '" + name + "' (known: " + known + ")");
}

void check_variation(int variation, int count, const std::string& task) {
  if (variation < 0 || variation >= count)
    throw Error(fmt::format("variation {} is out of range: task '{}' has variations 0..{}",
                            variation, task, count - 1));
}

// The task's environment, set to its variation: the scene the recorder is sized for.
std::unique_ptr<Env> environment_for(const Benchmark& b, const Task& task) {
  std::unique_ptr<Env> env = b.make_env();
  env->set_task(task);
  return env;
}

const TabletopEnv& tabletop_env(const Env& env) { return dynamic_cast<const TabletopEnv&>(env); }

// An environment that shows every state it reaches (after each reset and each step) to an
// observer, so a trial played by the sampler can be recorded without the sampler knowing.
class ObservedEnv final : public Env {
 public:
  using Observer = std::function<void(const Env& env, bool reset)>;
  ObservedEnv(std::unique_ptr<Env> env, Observer observer)
      : env_(std::move(env)), observer_(std::move(observer)) {}
  const EnvSpec& spec() const override { return env_->spec(); }
  void set_task(const Task& task) override { env_->set_task(task); }
  void reset(uint64_t seed, float* obs) override {
    env_->reset(seed, obs);
    observer_(*env_, true);
  }
  StepResult step(const float* action, float* obs) override {
    const StepResult r = env_->step(action, obs);
    observer_(*env_, false);
    return r;
  }

 private:
  std::unique_ptr<Env> env_;
  Observer observer_;
};

// The scripted expert (it sees the true goal) or no action at all, for one episode.
Outcome play_without_agent(const RenderRequest& q) {
  const Benchmark b = tabletop::make_ml1_benchmark(q.task, static_cast<uint64_t>(q.seed));
  check_variation(q.variation, static_cast<int>(b.train_tasks.size()), q.task);
  std::unique_ptr<Env> env = environment_for(b, b.train_tasks[q.variation]);
  auto& tabletop = dynamic_cast<TabletopEnv&>(*env);
  const EnvSpec& spec = env->spec();
  EpisodeRecorder recorder(tabletop.model(), spec.max_episode_steps, q.render, q.out);

  std::vector<float> obs(spec.obs_dim), seen(spec.obs_dim), action(spec.act_dim, 0.0f);
  env->reset(static_cast<uint64_t>(q.seed), obs.data());
  recorder.capture(tabletop.data());
  Outcome o;
  for (bool done = false; !done;) {
    if (q.policy == "scripted") {
      seen = obs;
      tabletop.reveal_goal(seen.data());
      tabletop.task().scripted_action(seen.data(), action.data());
    }
    const StepResult r = env->step(action.data(), obs.data());
    o.ret += r.reward;
    o.success = o.success || r.success;
    done = r.terminated || r.truncated;
    recorder.capture(tabletop.data());
  }
  o.files = recorder.finish();
  return o;
}

// The agent of a trained run plays one trial on the variation (fresh memory, as in
// meta-testing); the recorder sees the requested episode of it.
Outcome play_with_agent(const RenderRequest& q) {
  const RunPaths paths{q.run};
  if (!fs::exists(paths.config())) throw Error("'" + q.run + "' holds no run (no config.toml)");
  if (!fs::is_regular_file(paths.latest()))
    throw Error("run '" + q.run + "' has no checkpoint (no checkpoints/latest.pt)");
  const Config config = load_run_config(q.run);
  const std::string& benchmark = config.env.benchmark;
  const int episodes = config.env.episodes_per_trial;
  const int episode = q.episode == 0 ? episodes : q.episode;
  if (episode < 1 || episode > episodes)
    throw Error(fmt::format("episode {} is out of range: the run's trials have episodes 1..{}",
                            episode, episodes));
  RunSetup setup = make_setup(config);
  if (setup.benchmark.train_tasks.front().family != "tabletop")
    throw Error("run '" + q.run + "' trained on '" + benchmark +
                "', not a tabletop benchmark: render needs ml10 or ml1-TASK");

  // The task's meta-train variations; a task the run only meta-tests on uses its test ones.
  const Benchmark& b = setup.benchmark;
  auto positions = [&](const std::vector<Task>& tasks) {
    std::vector<int> at;
    for (int i = 0; i < static_cast<int>(tasks.size()); ++i)
      if (tasks[i].name == q.task) at.push_back(i);
    return at;
  };
  std::vector<int> index = positions(b.train_tasks);
  const bool held_out = index.empty();
  const std::vector<Task>& set = held_out ? b.test_tasks : b.train_tasks;
  if (held_out) index = positions(set);
  if (index.empty())
    throw Error("run '" + q.run + "' trained on '" + benchmark + "', which has no task '" +
                q.task + "'");
  check_variation(q.variation, static_cast<int>(index.size()), q.task);
  const int task = index[q.variation];
  load_checkpoint(paths.latest(), *setup.agent, nullptr);

  const std::unique_ptr<Env> probe = environment_for(b, set[task]);
  EpisodeRecorder recorder(tabletop_env(*probe).model(), b.spec.max_episode_steps, q.render,
                           q.out);
  // The sampler plays as in meta-testing, on environments that show the recorder the
  // requested episode. One environment: the sampler steps it on this thread, the one that
  // holds the OpenGL context.
  Benchmark observed = b;
  int resets = 0;
  observed.make_env = [&] {
    return std::make_unique<ObservedEnv>(b.make_env(), [&](const Env& env, bool reset) {
      resets += reset ? 1 : 0;
      if (resets == episode) recorder.capture(tabletop_env(env).data());
    });
  };
  Sampler sampler(observed, config.memory(), setup.slots, 1, setup.device);
  // The stream of meta-testing's first trial on this task (the same trial, for a test task).
  const uint64_t seed = derive_seed(static_cast<uint64_t>(config.seed),
                                    {kTagEval, static_cast<uint64_t>(task), 0});
  const TrialResult r = sampler.run(*setup.agent, set, {{task, seed}}, episodes,
                                    config.eval.deterministic, nullptr)
                            .front();
  Outcome o{r.success[episode - 1] != 0, r.returns[episode - 1], recorder.finish(), ""};
  o.about = fmt::format("episode {} of {} of a fresh trial on {} {} task (success by episode:",
                        episode, episodes, benchmark, held_out ? "held-out" : "meta-train");
  for (char s : r.success) o.about += s ? " 1" : " 0";
  o.about += ")";
  return o;
}

}  // namespace

Command add_render_command(CLI::App& app) {
  auto q = std::make_shared<RenderRequest>();
  auto* cmd = app.add_subcommand("render", "Render one episode of a tabletop task offscreen");
  cmd->add_option("--task", q->task, "tabletop task, e.g. push")->required();
  cmd->add_option("--variation", q->variation, "meta-train variation index (default 0)");
  auto* policy = cmd->add_option("--policy", q->policy,
                                 "scripted (the task's expert) or zero (no action); "
                                 "default scripted");
  auto* run = cmd->add_option("--run", q->run, "act with the agent of this run directory");
  auto* seed = cmd->add_option("--seed", q->seed,
                               "benchmark seed of the variations (default 1; --run uses "
                               "the run's)");
  auto* episode = cmd->add_option("--episode", q->episode,
                                  "with --run: which episode of the trial (default: the last)");
  cmd->add_option("--out", q->out, "new (or empty) output directory")->required();
  cmd->add_option("--width", q->render.width, "frame width in pixels (default 640)");
  cmd->add_option("--height", q->render.height, "frame height in pixels (default 480)");
  cmd->add_option("--camera", q->render.camera, "front, corner or top (default corner)");
  cmd->add_option("--stride", q->render.stride, "a frame every N steps (default 2)");
  cmd->add_option("--fps", q->render.fps, "video frame rate (default 40: real time at stride 2)");
  run->excludes(policy)->excludes(seed);
  episode->needs(run);
  cmd->footer("Writes step_NNNN.png frames (the state after step NNNN; step 0 is the reset), "
              "strip.png (first, middle and last state side by side) and, when ffmpeg is on "
              "PATH, episode.mp4. Prints the episode's success and return.");

  return {cmd, [q] {
    check_task(q->task);
    if (q->run.empty() && q->policy != "scripted" && q->policy != "zero")
      throw Error("unknown policy '" + q->policy + "' (scripted or zero; or --run DIR)");
    const Outcome o = q->run.empty() ? play_without_agent(*q) : play_with_agent(*q);
    const rendering::Recording& f = o.files;
    std::cout << fmt::format("wrote {} frames and {}\n", f.frames, f.strip);
    std::cout << (f.video.empty() ? "note: " + f.note : "video: " + f.video) << "\n";
    if (!o.about.empty()) std::cout << o.about << "\n";
    std::cout << fmt::format("{} variation {}: success {} return {:.2f}\n", q->task,
                             q->variation, o.success ? 1 : 0, o.ret);
  }};
}

}  // namespace htrmrl
