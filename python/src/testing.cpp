#include "testing.hpp"

#include <chrono>

#include "arrays.hpp"
#include "batched_env.hpp"
#include "common/error.hpp"

namespace htrmrl::python {
namespace {

// One episode of a lone Env, built and driven the way the C++ side drives one (benchmark from
// the registry, set_task, reset, step) without BatchedEnv: the trajectory row `row` of
// htrmrl.make(name, n, seed, split) must reproduce bit for bit from its first reset on, given
// the same task and actions. Also times its reset and steps: python/bench_env.py's C++ figure.
py::dict single_env_episode(const std::string& name, int64_t seed, const std::string& split,
                            int task_index, int row, py::handle actions) {
  const Benchmark benchmark = make_benchmark(name, static_cast<uint64_t>(seed));
  const Task& task = split_tasks(benchmark, split).at(task_index);
  const EnvSpec& spec = benchmark.spec;
  const py::ssize_t steps = py::len(actions);
  if (steps > spec.max_episode_steps) throw Error("more actions than one episode's steps");
  auto a = float_array(actions, "actions", {steps, spec.act_dim});

  std::unique_ptr<Env> env = benchmark.make_env();
  env->set_task(task);
  py::array_t<float> obs({steps + 1, static_cast<py::ssize_t>(spec.obs_dim)});
  std::vector<float> rewards(steps);
  std::vector<char> terminated(steps), truncated(steps), success(steps);
  const auto start = std::chrono::steady_clock::now();
  env->reset(reset_seed(static_cast<uint64_t>(seed), row, 0), obs.mutable_data(0));
  for (py::ssize_t t = 0; t < steps; ++t) {
    const StepResult r = env->step(a.data(t), obs.mutable_data(t + 1));
    rewards[t] = r.reward;
    terminated[t] = r.terminated;
    truncated[t] = r.truncated;
    success[t] = r.success;
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  py::dict out;
  out["obs"] = obs;
  out["rewards"] = fresh_array<float>({steps}, rewards.data());
  out["terminated"] = fresh_bools(terminated);
  out["truncated"] = fresh_bools(truncated);
  out["success"] = fresh_bools(success);
  out["seconds"] = seconds.count();
  return out;
}

}  // namespace

void bind_testing(py::module_& m) {
  m.def("single_env_episode", &single_env_episode, py::arg("benchmark"), py::arg("seed"),
        py::arg("split"), py::arg("task_index"), py::arg("row"), py::arg("actions"),
        "One episode of a lone C++ Env: dict of obs [T+1, obs_dim], rewards, terminated, "
        "truncated, success [T]; seconds (the reset and steps, timed).");
}

}  // namespace htrmrl::python
