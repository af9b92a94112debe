#include "memory/trial_replay.hpp"

#include <string>

#include "common/error.hpp"

namespace htrmrl {

TrialReplay::TrialReplay(int tasks, int capacity) : capacity_(capacity), by_task_(tasks) {
  if (tasks < 1 || capacity < 1)
    throw Error("a trial replay needs at least one task and room for one trial per task");
}

const std::deque<TrialRecord>& TrialReplay::of(int task) const {
  if (task < 0 || task >= tasks())
    throw Error("trial replay: task " + std::to_string(task) + " is not one of its " +
                std::to_string(tasks()) + " tasks");
  return by_task_[task];
}

void TrialReplay::add(const TrialRecord& trial) {
  of(trial.task);  // refuses a task out of range
  std::deque<TrialRecord>& kept = by_task_[trial.task];
  if (static_cast<int>(kept.size()) == capacity_) kept.pop_front();
  TrialRecord& copy = kept.emplace_back();
  copy.task = trial.task;
  copy.tokens = trial.tokens;
  copy.step_end = trial.step_end;
}

void TrialReplay::add(const RolloutBuffer& buffer) {
  for (const TrialRecord& trial : buffer.trials) add(trial);
}

int TrialReplay::size(int task) const { return static_cast<int>(of(task).size()); }

std::vector<const TrialRecord*> TrialReplay::sample(int task, int count, Rng& rng) const {
  const std::deque<TrialRecord>& kept = of(task);
  if (kept.empty())
    throw Error("trial replay: no trial of task " + std::to_string(task) + " to sample");
  std::vector<const TrialRecord*> out;
  for (int i = 0; i < count; ++i) out.push_back(&kept[rng.below(kept.size())]);
  return out;
}

const TrialRecord& TrialReplay::newest(int task) const {
  const std::deque<TrialRecord>& kept = of(task);
  if (kept.empty()) throw Error("trial replay: no trial of task " + std::to_string(task));
  return kept.back();
}

// Per task, its trials' tokens and step ends concatenated, with each trial's lengths.
void TrialReplay::save(torch::serialize::OutputArchive& archive) const {
  archive.write("tasks", torch::tensor(static_cast<int64_t>(tasks())));
  for (int task = 0; task < tasks(); ++task) {
    std::vector<float> tokens;
    std::vector<int32_t> ends;
    std::vector<int64_t> token_counts, step_counts;
    for (const TrialRecord& t : by_task_[task]) {
      tokens.insert(tokens.end(), t.tokens.begin(), t.tokens.end());
      ends.insert(ends.end(), t.step_end.begin(), t.step_end.end());
      token_counts.push_back(static_cast<int64_t>(t.tokens.size()));
      step_counts.push_back(static_cast<int64_t>(t.step_end.size()));
    }
    const std::string key = "task" + std::to_string(task) + "_";
    archive.write(key + "tokens", torch::tensor(tokens, torch::kFloat));
    archive.write(key + "step_ends", torch::tensor(ends, torch::kInt));
    archive.write(key + "token_counts", torch::tensor(token_counts, torch::kLong));
    archive.write(key + "step_counts", torch::tensor(step_counts, torch::kLong));
  }
}

void TrialReplay::load(torch::serialize::InputArchive& archive) {
  torch::Tensor count;
  archive.read("tasks", count);
  if (count.item<int64_t>() != tasks())
    throw Error("trial replay: the checkpoint's replay holds " +
                std::to_string(count.item<int64_t>()) + " tasks, this run has " +
                std::to_string(tasks()));
  for (int task = 0; task < tasks(); ++task) {
    const std::string key = "task" + std::to_string(task) + "_";
    torch::Tensor tokens, ends, token_counts, step_counts;
    archive.read(key + "tokens", tokens);
    archive.read(key + "step_ends", ends);
    archive.read(key + "token_counts", token_counts);
    archive.read(key + "step_counts", step_counts);
    tokens = tokens.to(torch::kFloat).contiguous();
    ends = ends.to(torch::kInt).contiguous();
    token_counts = token_counts.to(torch::kLong);
    step_counts = step_counts.to(torch::kLong);
    // Lengths that do not add up to what is stored would read past it: refuse them.
    if (token_counts.dim() != 1 || step_counts.dim() != 1 ||
        token_counts.size(0) != step_counts.size(0) ||
        (token_counts.numel() > 0 && (token_counts.min().item<int64_t>() < 0 ||
                                      step_counts.min().item<int64_t>() < 0)) ||
        token_counts.sum().item<int64_t>() != tokens.numel() ||
        step_counts.sum().item<int64_t>() != ends.numel())
      throw Error("trial replay: task " + std::to_string(task) +
                  "'s stored lengths do not match its stored trials");
    const float* token = tokens.data_ptr<float>();
    const int32_t* end = ends.data_ptr<int32_t>();
    std::deque<TrialRecord>& kept = by_task_[task];
    kept.clear();
    for (int64_t i = 0; i < token_counts.size(0); ++i) {
      TrialRecord& t = kept.emplace_back();
      t.task = task;
      const int64_t n = token_counts[i].item<int64_t>(), m = step_counts[i].item<int64_t>();
      t.tokens.assign(token, token + n);
      t.step_end.assign(end, end + m);
      token += n;
      end += m;
    }
  }
}

}  // namespace htrmrl
