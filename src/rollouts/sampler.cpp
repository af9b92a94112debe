#include "rollouts/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "common/collective.hpp"
#include "common/error.hpp"
#include "common/finite.hpp"
#include "rollouts/actor.hpp"

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
  const EnvSpec& spec = envs_.spec();
  const int o = spec.obs_dim, a = spec.act_dim, d = layout_.size();
  torch::NoGradGuard no_grad;
  agent.eval();  // acting never uses dropout; the PPO update switches training mode back on

  // Per-slot state: task, private random stream, memory, progress.
  std::vector<Rng> rng;
  std::vector<TrialMemory> memory;
  std::vector<TrialResult> results(n);
  std::vector<int> episode(n, 0);
  std::vector<char> active(capacity(), 0);
  std::vector<float> obs(static_cast<size_t>(capacity()) * o);
  std::vector<float> actions(static_cast<size_t>(capacity()) * a, 0.0f);
  std::vector<StepResult> steps(capacity());
  std::vector<Window> windows(static_cast<size_t>(n) * slots_);
  if (buffer) {
    buffer->layout = layout_;
    buffer->slots = slots_;
    buffer->seq_len = memory_options_.seq_len;
    buffer->trials.assign(n, TrialRecord{});
    // Episodes that run to the step limit fill the reservation exactly.
    for (auto& t : buffer->trials) t.reserve(episodes * spec.max_episode_steps, a);
  }
  for (int i = 0; i < n; ++i) {
    rng.emplace_back(specs[i].seed);
    memory.emplace_back(layout_, memory_options_, slots_);
    results[i].task = specs[i].task;
    results[i].success.assign(episodes, 0);
    results[i].returns.assign(episodes, 0.0f);
    Env& env = envs_.env(i);
    env.set_task(tasks.at(specs[i].task));
    env.reset(rng[i].next(), &obs[static_cast<size_t>(i) * o]);
    memory[i].begin_episode(&obs[static_cast<size_t>(i) * o]);
    active[i] = 1;
  }

  // A recurrent agent (RL^2) keeps one state per slot instead of reading contexts: zeros at
  // the trial's start (every slot plays one fresh trial), then every token of the trial in
  // buffer order, one at a time. fed[i] counts the tokens slot i's state has read.
  auto* recurrent = dynamic_cast<RecurrentAgent*>(&agent);
  torch::Tensor state;
  std::vector<int> fed(n, 0);
  if (recurrent) state = recurrent->initial_state(n);
  // The tokens [n, d] at index fed[i] of each slot flagged in `take` (zeros elsewhere).
  auto next_tokens = [&](const std::vector<char>& take) {
    auto t = torch::zeros({n, d});
    float* p = t.data_ptr<float>();
    for (int i = 0; i < n; ++i)
      if (take[i])
        std::copy_n(memory[i].tokens().data() + static_cast<size_t>(fed[i]) * d, d,
                    p + static_cast<size_t>(i) * d);
    return t.to(device_);
  };

  // Context agents act through one Actor per group of rows (the file comment of
  // sampler.hpp): one group, a lane per group, or two overlapped halves.
  struct Group {
    int begin = 0, end = 0, remaining = 0;  // rows [begin, end), of which `remaining` active
    std::unique_ptr<Actor> actor;
    std::vector<float> clipped;  // scratch: one action clipped to the action space
  };
  const bool lanes = !recurrent && options_.lanes > 1 && n >= 2;
  const bool overlap = !recurrent && !lanes && options_.overlap && n >= 2;
  const int num_groups = lanes ? std::min(options_.lanes, n) : overlap ? 2 : 1;
  std::vector<Group> groups(num_groups);
  for (int g = 0; g < num_groups; ++g) {
    Group& group = groups[g];
    const auto [first, last] = rank_block(n, g, num_groups);
    group.begin = static_cast<int>(first);
    group.end = static_cast<int>(last);
    group.remaining = group.end - group.begin;
    group.clipped.resize(a);
    if (!recurrent)
      group.actor = std::make_unique<Actor>(agent, group.end - group.begin, slots_,
                                            memory_options_.seq_len, layout_, device_,
                                            options_.cache_summaries);
  }
  std::mutex hook_mutex;  // lanes report episode ends one at a time
  std::vector<const float*> token_rows(n);
  std::vector<float> log_probs(n), values(n);
  const double log_sqrt_2pi = 0.5 * std::log(2.0 * M_PI);

  // The group's policy at this step, then its actions and their log-densities.
  auto choose = [&](Group& group) {
    const int b = group.begin, e = group.end;
    PolicyOutput out;
    if (recurrent) {
      // Windows are still recorded: the current window's end - 1 is the step's token.
      for (int i = 0; i < n; ++i)
        if (active[i]) memory[i].sample(rng[i], &windows[static_cast<size_t>(i) * slots_]);
      // Catch up on the previous episode's terminal token (no action follows it) where a
      // new episode has begun: those slots advance, the others keep their state.
      std::vector<char> behind(n, 0);
      bool any = false;
      for (int i = 0; i < n; ++i)
        if (active[i] && memory[i].num_tokens() - fed[i] > 1) behind[i] = any = 1;
      if (any) {
        auto next = recurrent->unroll(next_tokens(behind).unsqueeze(1), state).select(1, 0);
        auto keep = torch::from_blob(behind.data(), {n, 1}, torch::kChar).to(torch::kBool);
        state = torch::where(keep.to(device_), next, state);
        for (int i = 0; i < n; ++i) fed[i] += behind[i];
      }
      // The current state's token: one recurrent step for every slot (finished slots read
      // zeros; their outputs are unused).
      out = recurrent->step(next_tokens(active), state);
      out = {out.mean.to(torch::kCPU), out.log_std.to(torch::kCPU), out.value.to(torch::kCPU)};
      for (int i = 0; i < n; ++i) fed[i] += active[i];
    } else {
      // Windows of every active row, then one batched forward pass.
      for (int i = b; i < e; ++i) {
        token_rows[i] = memory[i].tokens().data();
        if (active[i]) memory[i].sample(rng[i], &windows[static_cast<size_t>(i) * slots_]);
      }
      out = group.actor->act(token_rows.data() + b,
                             windows.data() + static_cast<size_t>(b) * slots_, active.data() + b);
    }
    // Actions: the mean, or mean + std * noise from each row's own stream, and their
    // log-density (as gaussian_log_prob computes it). Output row r is trial b + r.
    out = {out.mean.contiguous(), out.log_std.contiguous(), out.value.contiguous()};
    const float* mean = out.mean.data_ptr<float>();
    const float* log_std = out.log_std.data_ptr<float>();
    const float* value = out.value.data_ptr<float>();
    for (int i = b; i < e; ++i) {
      if (!active[i]) continue;
      double log_prob = 0.0;
      for (int j = 0; j < a; ++j) {
        const size_t at = static_cast<size_t>(i - b) * a + j;
        const float noise = deterministic ? 0.0f : static_cast<float>(rng[i].normal());
        actions[static_cast<size_t>(i) * a + j] = mean[at] + std::exp(log_std[at]) * noise;
        log_prob += -0.5 * noise * noise - log_std[at] - log_sqrt_2pi;
      }
      log_probs[i] = static_cast<float>(log_prob);
      values[i] = value[i - b];
    }
  };

  // Step the group's environments (on the pool, from whichever thread calls). Only this
  // group's rows of active, actions, obs and steps are touched: the other group's are free.
  auto step = [&](Group& group) {
    envs_.step(group.begin, group.end, active, actions.data(), obs.data(), steps.data());
  };

  // Record, remember, and move to the next episode or finish the trial.
  auto record = [&](Group& group) {
    const int b = group.begin, e = group.end;
    // Embeddings of this step for the hook, computed only when some episode just ended.
    torch::Tensor embedding;
    if (on_episode_end)
      for (int i = b; i < e && !embedding.defined(); ++i)
        if (active[i] && (steps[i].terminated || steps[i].truncated))
          embedding = recurrent ? state.to(torch::kCPU) : group.actor->embedding();
    for (int i = b; i < e; ++i) {
      if (!active[i]) continue;
      const StepResult& r = steps[i];
      const float* act = &actions[static_cast<size_t>(i) * a];
      float* next_obs = &obs[static_cast<size_t>(i) * o];
      TrialResult& res = results[i];
      res.returns[episode[i]] += r.reward;
      res.success[episode[i]] |= r.success ? 1 : 0;
      res.unstable_steps += r.unstable ? 1 : 0;
      if (buffer) {
        TrialRecord& rec = buffer->trials[i];
        const Window* w = &windows[static_cast<size_t>(i) * slots_];
        rec.record_windows(w, slots_, memory[i].episode_begin());
        rec.actions.insert(rec.actions.end(), act, act + a);
        rec.log_probs.push_back(log_probs[i]);
        rec.values.push_back(values[i]);
        rec.rewards.push_back(r.reward);
      }
      // The token keeps the action the environment executed (clipped): bounded inputs.
      for (int j = 0; j < a; ++j)
        group.clipped[j] = std::clamp(act[j], spec.action_low, spec.action_high);
      const bool episode_end = r.terminated || r.truncated;
      memory[i].push_step(group.clipped.data(), r.reward, episode_end, next_obs);
      if (!episode_end) continue;
      if (embedding.defined()) {
        std::lock_guard<std::mutex> lock(hook_mutex);
        (*on_episode_end)(i, episode[i], embedding[i - b]);
      }
      if (++episode[i] == episodes) {
        active[i] = 0;
        --group.remaining;
        if (buffer) buffer->trials[i].tokens = memory[i].tokens();
        continue;
      }
      envs_.env(i).reset(rng[i].next(), next_obs);
      memory[i].begin_episode(next_obs);
    }
  };

  // One group's trials to the end, on the thread that calls it.
  auto play = [&](Group& group) {
    while (group.remaining > 0) {
      choose(group);
      step(group);
      record(group);
    }
  };

  if (lanes) {
    // Each lane plays its group on its own thread, with this thread's LibTorch settings
    // (intra-op threads, no autograd), which are per thread.
    if (!lanes_) lanes_ = std::make_unique<ThreadPool>(options_.lanes);
    lanes_->parallel_for(num_groups, [&](int g) {
      at::init_num_threads();
      torch::NoGradGuard lane_no_grad;
      play(groups[g]);
    });
  } else if (!overlap) {
    play(groups[0]);
  } else {
    // The pipeline. Invariant at the top of the loop: group g has its actions.
    if (!background_) background_ = std::make_unique<BackgroundTask>();
    // An exception must not leave the background thread writing into freed locals.
    struct WaitOnExit {
      BackgroundTask& task;
      ~WaitOnExit() {
        try {
          task.wait();
        } catch (...) {
        }
      }
    } wait_on_exit{*background_};
    choose(groups[0]);
    for (int g = 0; groups[0].remaining + groups[1].remaining > 0; g = 1 - g) {
      Group &now = groups[g], &other = groups[1 - g];
      if (now.remaining > 0) background_->start([&step, &now] { step(now); });
      if (other.remaining > 0) choose(other);
      if (now.remaining > 0) {
        background_->wait();
        record(now);
      }
    }
  }
  for (int i = 0; i < n; ++i)
    require_finite_trial(memory[i].tokens(), buffer ? &buffer->trials[i] : nullptr, layout_,
                         fmt::format("trial {} (task #{} '{}' of {})", i + 1, specs[i].task,
                                     tasks[specs[i].task].name, benchmark_name_));
  if (buffer) buffer->index();
  return results;
}

}  // namespace htrmrl
