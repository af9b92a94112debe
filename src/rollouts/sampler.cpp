#include "rollouts/sampler.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "common/collective.hpp"
#include "common/error.hpp"
#include "common/finite.hpp"
#include "rollouts/acting.hpp"

namespace htrmrl {
namespace {

// Where token k of a trial lies: its episode (from 1) and its index within the episode (0:
// the reset state; j: the state, action and reward of step j).
std::pair<int, int> token_place(const std::vector<float>& tokens, int d, int k) {
  int episode = 1, begin = 0;
  for (int t = 0; t < k; ++t)
    if (tokens[static_cast<size_t>(t) * d + d - 1] != 0) {  // the episode's last token
      ++episode;
      begin = t + 1;
    }
  return {episode, k - begin};
}

std::string place(const std::vector<float>& tokens, int d, int k) {
  const auto [episode, j] = token_place(tokens, d, k);
  return j == 0 ? fmt::format("at the reset of episode {}", episode)
                : fmt::format("at step {} of episode {}", j, episode);
}

// Throws NonFiniteError naming the first NaN or infinity of a played trial (`trial` says
// which): in its tokens (the environment's observations and rewards, the executed actions),
// then in the recorded log-densities and value estimates. One pass over each, after the
// trial, so the stepping loop stays free of checks; a NaN observation only spreads into
// later tokens, so the first one found is where it appeared.
void require_finite_trial(const std::vector<float>& tokens, const TrialRecord* record,
                          TokenLayout layout, const std::string& trial) {
  const int d = layout.size(), o = layout.obs_dim, a = layout.act_dim;
  const size_t bad = first_non_finite(tokens.data(), tokens.size());
  if (bad < tokens.size()) {
    const int column = static_cast<int>(bad % d);
    const std::string what =
        column < o       ? fmt::format("the environment's observation [{}]", column)
        : column < o + a ? fmt::format("the policy's action [{}]", column - o)
                         : std::string("the environment's reward");
    throw NonFiniteError(fmt::format("{} is {} {} of {}", what, non_finite_name(tokens[bad]),
                                     place(tokens, d, static_cast<int>(bad / d)), trial));
  }
  if (!record) return;
  for (const auto& [what, values] : {std::pair{"log-density", &record->log_probs},
                                     std::pair{"value estimate", &record->values}}) {
    const size_t step = first_non_finite(values->data(), values->size());
    if (step == values->size()) continue;
    // The step acted at token step_end - 1; token step_end holds its action and reward.
    throw NonFiniteError(fmt::format("the policy's {} is {} {} of {}", what,
                                     non_finite_name((*values)[step]),
                                     place(tokens, d, record->step_end[step]), trial));
  }
}

// Every trial's stream, memory, result and first observation on its task; the buffer's
// records reserved.
void begin_trials(const RolloutSetup& setup, VectorEnv& envs, RolloutState& s,
                  const std::vector<Task>& tasks, const std::vector<TrialSpec>& specs,
                  const MemoryOptions& memory) {
  const int o = setup.spec.obs_dim, a = setup.spec.act_dim, capacity = envs.size();
  s.n = static_cast<int>(specs.size());
  s.results.resize(s.n);
  s.episode.assign(s.n, 0);
  s.active.assign(capacity, 0);
  s.obs.resize(static_cast<size_t>(capacity) * o);
  s.actions.assign(static_cast<size_t>(capacity) * a, 0.0f);
  s.steps.resize(capacity);
  s.windows.resize(static_cast<size_t>(s.n) * setup.slots);
  s.log_probs.resize(s.n);
  s.values.resize(s.n);
  if (RolloutBuffer* buffer = setup.buffer) {
    buffer->layout = setup.layout;
    buffer->slots = setup.slots;
    buffer->seq_len = memory.seq_len;
    buffer->trials.assign(s.n, TrialRecord{});
    // Episodes that run to the step limit fill the reservation exactly.
    for (auto& t : buffer->trials) t.reserve(setup.episodes * setup.spec.max_episode_steps, a);
  }
  for (int i = 0; i < s.n; ++i) {
    s.rng.emplace_back(specs[i].seed);
    s.memory.emplace_back(setup.layout, memory, setup.slots);
    s.results[i].task = specs[i].task;
    if (setup.buffer) setup.buffer->trials[i].task = specs[i].task;
    s.results[i].success.assign(setup.episodes, 0);
    s.results[i].returns.assign(setup.episodes, 0.0f);
    Env& env = envs.env(i);
    env.set_task(tasks.at(specs[i].task));
    env.reset(s.rng[i].next(), &s.obs[static_cast<size_t>(i) * o]);
    s.memory[i].begin_episode(&s.obs[static_cast<size_t>(i) * o]);
    s.active[i] = 1;
  }
}

// The group's policy at this step: windows drawn for its active trials, one acting pass,
// then each active trial's action (the mode, or a draw from its own stream) and log-density.
void choose(const RolloutSetup& setup, RolloutState& s, RolloutGroup& group) {
  const int b = group.begin, e = group.end, a = setup.spec.act_dim;
  for (int i = b; i < e; ++i)
    if (s.active[i])
      s.memory[i].sample(s.rng[i], &s.windows[static_cast<size_t>(i) * setup.slots]);
  PolicyOutput out = group.acting->act(s, b, e);
  out = {out.mean.contiguous(), out.log_std.contiguous(), out.value.contiguous()};
  const float* value = out.value.data_ptr<float>();
  for (int i = b; i < e; ++i) {
    if (!s.active[i]) continue;
    float* action = &s.actions[static_cast<size_t>(i) * a];
    const double log_prob = setup.deterministic
                                ? setup.distribution.mode(out, i - b, action)
                                : setup.distribution.sample(out, i - b, s.rng[i], action);
    s.log_probs[i] = static_cast<float>(log_prob);
    s.values[i] = value[i - b];
  }
}

// The group's environments stepped (on the pool, from whichever thread calls). Only this
// group's rows of active, actions, obs and steps are touched: the other group's are free.
void step(VectorEnv& envs, RolloutState& s, RolloutGroup& group) {
  envs.step(group.begin, group.end, s.active, s.actions.data(), s.obs.data(), s.steps.data());
}

// One trial's step into its buffer record: the windows it read, its action, log-density,
// value and reward.
void record_step(const RolloutSetup& setup, RolloutState& s, int i) {
  TrialRecord& rec = setup.buffer->trials[i];
  const float* act = &s.actions[static_cast<size_t>(i) * setup.spec.act_dim];
  rec.record_windows(&s.windows[static_cast<size_t>(i) * setup.slots], setup.slots,
                     s.memory[i].episode_begin());
  rec.actions.insert(rec.actions.end(), act, act + setup.spec.act_dim);
  rec.log_probs.push_back(s.log_probs[i]);
  rec.values.push_back(s.values[i]);
  rec.rewards.push_back(s.steps[i].reward);
}

// The group's step recorded and remembered; each trial moves to its next episode or ends.
void record(const RolloutSetup& setup, VectorEnv& envs, RolloutState& s, RolloutGroup& group) {
  const int b = group.begin, e = group.end, o = setup.spec.obs_dim, a = setup.spec.act_dim;
  // Embeddings of this step for the hook, computed only when some episode just ended.
  torch::Tensor embedding;
  if (setup.on_episode_end)
    for (int i = b; i < e && !embedding.defined(); ++i)
      if (s.active[i] && (s.steps[i].terminated || s.steps[i].truncated))
        embedding = group.acting->embedding();
  for (int i = b; i < e; ++i) {
    if (!s.active[i]) continue;
    const StepResult& r = s.steps[i];
    const float* act = &s.actions[static_cast<size_t>(i) * a];
    float* next_obs = &s.obs[static_cast<size_t>(i) * o];
    TrialResult& res = s.results[i];
    res.returns[s.episode[i]] += r.reward;
    res.success[s.episode[i]] |= r.success ? 1 : 0;
    res.unstable_steps += r.unstable ? 1 : 0;
    if (setup.buffer) record_step(setup, s, i);
    // The token keeps the action the environment executed (clipped): bounded inputs.
    for (int j = 0; j < a; ++j)
      group.clipped[j] = std::clamp(act[j], setup.spec.action_low, setup.spec.action_high);
    const bool episode_end = r.terminated || r.truncated;
    s.memory[i].push_step(group.clipped.data(), r.reward, episode_end, next_obs);
    if (!episode_end) continue;
    if (embedding.defined()) {
      std::lock_guard<std::mutex> lock(s.hook_mutex);
      (*setup.on_episode_end)(i, s.episode[i], embedding[i - b]);
    }
    if (++s.episode[i] == setup.episodes) {
      s.active[i] = 0;
      --group.remaining;
      if (setup.buffer) setup.buffer->trials[i].tokens = s.memory[i].tokens();
      continue;
    }
    envs.env(i).reset(s.rng[i].next(), next_obs);
    s.memory[i].begin_episode(next_obs);
  }
}

// One group's trials to the end, on the thread that calls it.
void play(const RolloutSetup& setup, VectorEnv& envs, RolloutState& s, RolloutGroup& group) {
  while (group.remaining > 0) {
    choose(setup, s, group);
    step(envs, s, group);
    record(setup, envs, s, group);
  }
}

// Each lane plays its group on its own thread, with this thread's LibTorch settings
// (intra-op threads, no autograd), which are per thread.
void play_lanes(const RolloutSetup& setup, VectorEnv& envs, RolloutState& s, ThreadPool& lanes) {
  lanes.parallel_for(static_cast<int>(s.groups.size()), [&](int g) {
    at::init_num_threads();
    torch::NoGradGuard lane_no_grad;
    play(setup, envs, s, s.groups[g]);
  });
}

// Two groups in a pipeline: while one group's environments step on the background thread,
// this thread chooses the other's actions. Invariant at the top of the loop: group g has
// its actions.
void play_overlapped(const RolloutSetup& setup, VectorEnv& envs, RolloutState& s,
                     BackgroundTask& background) {
  // An exception must not leave the background thread writing into freed state.
  struct WaitOnExit {
    BackgroundTask& task;
    ~WaitOnExit() {
      try {
        task.wait();
      } catch (...) {
      }
    }
  } wait_on_exit{background};
  choose(setup, s, s.groups[0]);
  for (int g = 0; s.groups[0].remaining + s.groups[1].remaining > 0; g = 1 - g) {
    RolloutGroup &now = s.groups[g], &other = s.groups[1 - g];
    if (now.remaining > 0) background.start([&] { step(envs, s, now); });
    if (other.remaining > 0) choose(setup, s, other);
    if (now.remaining > 0) {
      background.wait();
      record(setup, envs, s, now);
    }
  }
}

}  // namespace

Sampler::Sampler(const Benchmark& benchmark, MemoryOptions memory, int slots, int capacity,
                 torch::Device device, SamplerOptions options)
    : benchmark_name_(benchmark.name),
      envs_(benchmark, capacity, options.env_threads),
      layout_{benchmark.spec.obs_dim, benchmark.spec.act_dim},
      memory_options_(memory),
      slots_(slots),
      device_(device),
      options_(options) {
  if (options.lanes < 1) throw Error("sampler lanes must be at least 1");
  if (options.lanes > 1 && options.env_threads > 1)
    throw Error("sampler lanes step their own environments: lanes > 1 needs env_threads = 1");
}

std::vector<TrialResult> Sampler::run(Agent& agent, const std::vector<Task>& tasks,
                                      const std::vector<TrialSpec>& specs, int episodes,
                                      bool deterministic, RolloutBuffer* buffer,
                                      const EpisodeEndHook* on_episode_end) {
  const int n = static_cast<int>(specs.size());
  if (n > capacity()) throw Error("sampler asked for more trials than it has environments");
  torch::NoGradGuard no_grad;
  agent.eval();  // acting never uses dropout; the PPO update switches training mode back on
  const RolloutSetup setup{envs_.spec(),  layout_, slots_,  episodes, deterministic,
                           agent.distribution(), buffer, on_episode_end};
  RolloutState state;
  begin_trials(setup, envs_, state, tasks, specs, memory_options_);

  // Groups of trials, each with its acting (the file comment of sampler.hpp): one group, a
  // lane per group, or two overlapped halves; a recurrent agent's trials act as one.
  const bool per_trial = acts_per_trial(agent);
  const bool lanes = per_trial && options_.lanes > 1 && n >= 2;
  const bool overlap = per_trial && !lanes && options_.overlap && n >= 2;
  const int num_groups = lanes ? std::min(options_.lanes, n) : overlap ? 2 : 1;
  const ActingOptions acting{slots_, memory_options_.seq_len, layout_, device_,
                             options_.cache_summaries};
  state.groups.resize(num_groups);
  for (int g = 0; g < num_groups; ++g) {
    RolloutGroup& group = state.groups[g];
    const auto [first, last] = rank_block(n, g, num_groups);
    group.begin = static_cast<int>(first);
    group.end = static_cast<int>(last);
    group.remaining = group.end - group.begin;
    group.clipped.resize(layout_.act_dim);
    group.acting = make_acting(agent, group.begin, group.end, acting);
  }

  // Play every trial to its end.
  if (lanes) {
    if (!lanes_) lanes_ = std::make_unique<ThreadPool>(options_.lanes);
    play_lanes(setup, envs_, state, *lanes_);
  } else if (!overlap) {
    play(setup, envs_, state, state.groups[0]);
  } else {
    if (!background_) background_ = std::make_unique<BackgroundTask>();
    play_overlapped(setup, envs_, state, *background_);
  }

  // The trials' numbers checked, the buffer indexed.
  for (int i = 0; i < n; ++i)
    require_finite_trial(state.memory[i].tokens(), buffer ? &buffer->trials[i] : nullptr,
                         layout_,
                         fmt::format("trial {} (task #{} '{}' of {})", i + 1, specs[i].task,
                                     tasks[specs[i].task].name, benchmark_name_));
  if (buffer) buffer->index();
  return std::move(state.results);
}

}  // namespace htrmrl
