#include "envs/tabletop/benchmarks.hpp"

#include <algorithm>
#include <memory>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "envs/tabletop/tabletop_env.hpp"

namespace htrmrl::tabletop {
namespace {

// FNV-1a, so each task name gets its own variation stream.
uint64_t name_hash(const char* s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 1099511628211ULL;
  return h;
}

const TabletopTask& task_named(const std::string& name) {
  const TabletopTask* t = find_task(name);
  if (!t) throw Error("unknown tabletop task '" + name + "'");
  return *t;
}

std::vector<Task> task_values(const TabletopTask& task, uint64_t seed) {
  std::vector<Task> out;
  for (auto& v : make_variations(task, seed)) out.push_back({"tabletop", task.name(), v});
  return out;
}

// Compiles each named scene once; every environment of the benchmark shares them. The
// scenes keep the order of `tasks`, which is the one-hot's order in the MT mode.
Benchmark assemble(const std::string& name, const std::vector<std::string>& tasks,
                   ObservationMode mode = {}) {
  auto scenes = std::make_shared<SceneSet>();
  for (const auto& t : tasks) scenes->push_back(compile_scene(task_named(t)));
  Benchmark b;
  b.name = name;
  b.suite_version = suite_version();
  b.spec.obs_dim = observation_size(mode, static_cast<int>(tasks.size()));
  b.spec.act_dim = kActDim;
  b.spec.max_episode_steps = kEpisodeSteps;
  b.make_env = [scenes, mode]() -> std::unique_ptr<Env> {
    return std::make_unique<TabletopEnv>(scenes, mode);
  };
  return b;
}

// Meta-RL: the training tasks' variations and the held-out tasks' variations, both from the
// seed, the goal hidden.
Benchmark meta_learning(const std::string& name, const std::vector<std::string>& train,
                        const std::vector<std::string>& test, uint64_t seed) {
  std::vector<std::string> all = train;
  all.insert(all.end(), test.begin(), test.end());
  Benchmark b = assemble(name, all);
  for (const auto& t : train)
    for (auto& v : task_values(task_named(t), seed)) b.train_tasks.push_back(std::move(v));
  for (const auto& t : test)
    for (auto& v : task_values(task_named(t), seed)) b.test_tasks.push_back(std::move(v));
  return b;
}

// Multi-task: the goal shown, a one-hot task id; held-out variations from seed + 1.
Benchmark multi_task(const std::string& name, const std::vector<std::string>& tasks,
                     uint64_t seed) {
  Benchmark b = assemble(name, tasks, {true, true});
  for (const auto& t : tasks) {
    for (auto& v : task_values(task_named(t), seed)) b.train_tasks.push_back(std::move(v));
    for (auto& v : task_values(task_named(t), seed + 1)) b.test_tasks.push_back(std::move(v));
  }
  return b;
}

}  // namespace

std::string suite_version() { return "tabletop-" + std::to_string(kSuiteVersion); }

std::vector<std::vector<double>> make_variations(const TabletopTask& task, uint64_t seed,
                                                 int count) {
  const VariationBox box = task.variation_box();
  Rng rng(derive_seed(seed, {kTagTasks, name_hash(task.name())}));
  std::vector<std::vector<double>> out;
  // Rejection sampling; the bound guards against a box the rule can never satisfy.
  for (int tries = 0; static_cast<int>(out.size()) < count; ++tries) {
    if (tries > 1000 * count)
      throw Error(std::string("tabletop task '") + task.name() + "': rejection rule too strict");
    std::vector<double> v(box.low.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = box.low[i] + (box.high[i] - box.low[i]) * rng.uniform();
    if (!task.accept(v)) continue;
    bool repeated = false;
    for (const auto& w : out) repeated = repeated || w == v;
    if (!repeated) out.push_back(std::move(v));
  }
  return out;
}

Benchmark make_ml1_benchmark(const std::string& task, uint64_t seed) {
  const TabletopTask& t = task_named(task);
  Benchmark b = assemble("ml1-" + task, {task});
  b.train_tasks = task_values(t, seed);
  b.test_tasks = task_values(t, seed + 1);
  return b;
}

Benchmark make_ml10_benchmark(uint64_t seed) {
  return meta_learning("ml10", ml10_train_tasks(), ml10_test_tasks(), seed);
}

Benchmark make_ml45_benchmark(uint64_t seed) {
  return meta_learning("ml45", ml45_train_tasks(), ml45_test_tasks(), seed);
}

Benchmark make_mt10_benchmark(uint64_t seed) { return multi_task("mt10", mt10_tasks(), seed); }

Benchmark make_mt50_benchmark(uint64_t seed) {
  std::vector<std::string> all;
  for (const TabletopTask* t : all_tasks()) all.push_back(t->name());
  return multi_task("mt50", all, seed);
}

const std::vector<std::string>& ml10_train_tasks() {
  static const std::vector<std::string> tasks = {
      "reach",   "push", "pick-place", "door-open", "drawer-close", "button-press-topdown",
      "peg-insert-side", "window-open", "sweep", "basketball"};
  return tasks;
}

const std::vector<std::string>& ml10_test_tasks() {
  static const std::vector<std::string> tasks = {"drawer-open", "door-close", "shelf-place",
                                                 "sweep-into", "lever-pull"};
  return tasks;
}

const std::vector<std::string>& ml45_test_tasks() {
  static const std::vector<std::string> tasks = {"bin-picking", "box-close", "hand-insert",
                                                 "door-lock", "door-unlock"};
  return tasks;
}

const std::vector<std::string>& ml45_train_tasks() {
  static const std::vector<std::string> tasks = [] {
    std::vector<std::string> out;
    const auto& test = ml45_test_tasks();
    for (const TabletopTask* t : all_tasks())
      if (std::find(test.begin(), test.end(), t->name()) == test.end()) out.push_back(t->name());
    return out;
  }();
  return tasks;
}

const std::vector<std::string>& mt10_tasks() {
  static const std::vector<std::string> tasks = {
      "reach",        "push",         "pick-place",           "door-open",       "drawer-open",
      "drawer-close", "button-press-topdown", "peg-insert-side", "window-open", "window-close"};
  return tasks;
}

}  // namespace htrmrl::tabletop
