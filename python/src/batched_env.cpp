#include "batched_env.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace htrmrl::python {
namespace {

// derive_seed's purpose tag for the Python environments' resets ("pyrs"): a stream of its own,
// apart from common/rng.hpp's training streams.
constexpr uint64_t kTagPythonReset = 0x70797273;

}  // namespace

Autoreset parse_autoreset(const std::string& mode) {
  if (mode == "next_step") return Autoreset::kNextStep;
  if (mode == "disabled") return Autoreset::kDisabled;
  throw Error("unknown autoreset mode '" + mode + "' (known: next_step, disabled)");
}

const std::vector<Task>& split_tasks(const Benchmark& benchmark, const std::string& split) {
  if (split == "train") return benchmark.train_tasks;
  if (split == "test") return benchmark.test_tasks;
  throw Error("unknown split '" + split + "' (known: train, test)");
}

uint64_t reset_seed(uint64_t base, int row, uint64_t episode) {
  return derive_seed(base, {kTagPythonReset, static_cast<uint64_t>(row), episode});
}

void StepOutputs::resize(int n) {
  rewards.assign(n, 0.0f);
  for (auto* v : {&terminated, &truncated, &success, &unstable, &autoreset}) v->assign(n, 0);
}

namespace {

// Checks the sizes before the benchmark is built, so bad arguments cost no scene compilation.
Benchmark checked_benchmark(const std::string& name, int num_envs, int threads, uint64_t seed) {
  if (num_envs < 1) throw Error("num_envs must be at least 1, got " + std::to_string(num_envs));
  if (threads < 1) throw Error("threads must be at least 1, got " + std::to_string(threads));
  return make_benchmark(name, seed);
}

}  // namespace

BatchedEnv::BatchedEnv(const std::string& benchmark, int num_envs, uint64_t seed,
                       const std::string& split, int threads, Autoreset autoreset)
    : benchmark_(checked_benchmark(benchmark, num_envs, threads, seed)),
      split_(split),
      tasks_(split_tasks(benchmark_, split)),
      envs_(benchmark_, num_envs, threads),
      autoreset_(autoreset),
      task_(num_envs),
      seed_base_(seed),
      episode_(num_envs, 0),
      ended_(num_envs, 0),
      active_(num_envs, 0),
      results_(num_envs),
      obs_(static_cast<size_t>(num_envs) * spec().obs_dim, 0.0f) {
  if (tasks_.empty()) throw Error("benchmark '" + benchmark + "' has no " + split + " tasks");
  // Rows take the split's tasks in turn until set_task says otherwise.
  for (int i = 0; i < num_envs; ++i) task_[i] = i % static_cast<int>(tasks_.size());
  out_.resize(num_envs);
}

void BatchedEnv::set_task(int env_index, int task_index) {
  if (env_index < 0 || env_index >= num_envs())
    throw std::out_of_range("env_index " + std::to_string(env_index) + " out of range [0, " +
                            std::to_string(num_envs()) + ")");
  if (task_index < 0 || task_index >= static_cast<int>(tasks_.size()))
    throw std::out_of_range("task_index " + std::to_string(task_index) + " out of range [0, " +
                            std::to_string(tasks_.size()) + ") of the " + split_ + " tasks");
  task_[env_index] = task_index;
}

void BatchedEnv::reset_row(int row) {
  // The Env learns its task here, not in set_task: a tabletop Env switches scenes as soon as
  // it is told, so a new task named mid-episode would otherwise take over the running episode.
  envs_.env(row).set_task(tasks_[task_[row]]);
  envs_.env(row).reset(reset_seed(seed_base_, row, episode_[row]++),
                       &obs_[static_cast<size_t>(row) * spec().obs_dim]);
  ended_[row] = 0;
}

void BatchedEnv::reset(std::optional<uint64_t> seed, const std::vector<char>* mask) {
  if (!started_ && mask)
    for (int i = 0; i < num_envs(); ++i)
      if (!(*mask)[i])
        throw Error("the first reset() must reset every row (no reset_mask, or one all True)");
  if (seed) {
    seed_base_ = *seed;
    episode_.assign(num_envs(), 0);
  }
  for (int i = 0; i < num_envs(); ++i)
    if (!mask || (*mask)[i]) reset_row(i);
  started_ = true;
}

void BatchedEnv::check_step(const float* actions) const {
  if (!started_) throw Error("step() before reset(): call reset() first");
  const int a = spec().act_dim;
  for (int i = 0; i < num_envs(); ++i) {
    if (autoreset_ == Autoreset::kDisabled && ended_[i])
      throw Error("row " + std::to_string(i) +
                  "'s episode has ended and autoreset is disabled: reset it first "
                  "(reset(options={\"reset_mask\": mask}))");
    for (int j = 0; j < a; ++j)
      if (!std::isfinite(actions[static_cast<size_t>(i) * a + j]))
        throw Error("actions must be finite: actions[" + std::to_string(i) + ", " +
                    std::to_string(j) + "] is " +
                    std::to_string(actions[static_cast<size_t>(i) * a + j]));
  }
}

void BatchedEnv::step(const float* actions) {
  check_step(actions);
  const int n = num_envs();
  // Rows whose episode ended last step start their next one instead of stepping.
  for (int i = 0; i < n; ++i) active_[i] = !ended_[i];
  envs_.step(active_, actions, obs_.data(), results_.data());
  for (int i = 0; i < n; ++i) {
    if (!active_[i]) {
      reset_row(i);
      results_[i] = StepResult{};
    } else {
      ended_[i] = results_[i].terminated || results_[i].truncated;
    }
    const StepResult& r = results_[i];
    out_.rewards[i] = r.reward;
    out_.terminated[i] = r.terminated;
    out_.truncated[i] = r.truncated;
    out_.success[i] = r.success;
    out_.unstable[i] = r.unstable;
    out_.autoreset[i] = !active_[i];
  }
}

}  // namespace htrmrl::python
