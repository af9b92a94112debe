#include "envs/tabletop/benchmarks.hpp"

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

// Compiles each named scene once; every environment of the benchmark shares them.
Benchmark assemble(const std::string& name, const std::vector<std::string>& tasks) {
  auto scenes = std::make_shared<SceneSet>();
  for (const auto& t : tasks) scenes->push_back(compile_scene(task_named(t)));
  Benchmark b;
  b.name = name;
  b.suite_version = suite_version();
  b.spec.obs_dim = kObsDim;
  b.spec.act_dim = kActDim;
  b.spec.max_episode_steps = kEpisodeSteps;
  b.make_env = [scenes]() -> std::unique_ptr<Env> { return std::make_unique<TabletopEnv>(scenes); };
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
  std::vector<std::string> all = ml10_train_tasks();
  all.insert(all.end(), ml10_test_tasks().begin(), ml10_test_tasks().end());
  Benchmark b = assemble("ml10", all);
  for (const auto& t : ml10_train_tasks())
    for (auto& v : task_values(task_named(t), seed)) b.train_tasks.push_back(std::move(v));
  for (const auto& t : ml10_test_tasks())
    for (auto& v : task_values(task_named(t), seed)) b.test_tasks.push_back(std::move(v));
  return b;
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

}  // namespace htrmrl::tabletop
