#include "training/sampler.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace htrmrl {

Sampler::Sampler(const Benchmark& benchmark, MemoryOptions memory, int slots, int capacity,
                 int env_threads, torch::Device device)
    : envs_(benchmark, capacity, env_threads),
      layout_{benchmark.spec.obs_dim, benchmark.spec.act_dim},
      memory_options_(memory),
      slots_(slots),
      device_(device) {}

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
  std::vector<float> clipped(a);
  std::vector<StepResult> steps(capacity());
  std::vector<Window> windows(static_cast<size_t>(n) * slots_);
  if (buffer) {
    buffer->layout = layout_;
    buffer->slots = slots_;
    buffer->seq_len = memory_options_.seq_len;
    buffer->trials.assign(n, TrialRecord{});
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

  int remaining = n;
  while (remaining > 0) {
    PolicyOutput out;
    Context acted_on;  // this step's contexts on the device (context agents)
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
      for (int i = 0; i < n; ++i) fed[i] += active[i];
    } else {
      // Contexts of every slot, built on CPU from the memories.
      Context context = allocate_context(n, slots_, memory_options_.seq_len, d);
      for (int i = 0; i < n; ++i) {
        if (!active[i]) continue;
        memory[i].sample(rng[i], &windows[static_cast<size_t>(i) * slots_]);
        gather_context(memory[i].tokens().data(), &windows[static_cast<size_t>(i) * slots_],
                       slots_, memory_options_.seq_len, d, row_tokens(context, i),
                       row_mask(context, i));
      }
      // Finished slots keep a zero row; one unmasked token keeps their (unused) output finite.
      for (int i = 0; i < n; ++i)
        if (!active[i]) row_mask(context, i)[slots_ * memory_options_.seq_len - 1] = 1.0f;
      // One batched forward pass.
      acted_on = context.to(device_);
      out = agent.forward(acted_on);
    }
    // The policy's statistics come back to the CPU.
    out.mean = out.mean.to(torch::kCPU);
    out.log_std = out.log_std.to(torch::kCPU);
    out.value = out.value.to(torch::kCPU);

    // Actions: the mean, or mean + std * noise from each slot's own stream.
    auto noise = torch::zeros({n, a});
    if (!deterministic) {
      auto acc = noise.accessor<float, 2>();
      for (int i = 0; i < n; ++i)
        if (active[i])
          for (int j = 0; j < a; ++j) acc[i][j] = static_cast<float>(rng[i].normal());
    }
    auto action = (out.mean + out.log_std.exp() * noise).contiguous();
    auto log_prob = gaussian_log_prob(out, action).contiguous();
    auto value = out.value.contiguous();
    const float* log_prob_at = log_prob.data_ptr<float>();
    const float* value_at = value.data_ptr<float>();
    std::copy_n(action.data_ptr<float>(), static_cast<size_t>(n) * a, actions.begin());

    // Step every active environment in parallel.
    envs_.step(active, actions.data(), obs.data(), steps.data());

    // Embeddings of this step for the hook, computed only when some episode just ended.
    torch::Tensor embedding;
    if (on_episode_end)
      for (int i = 0; i < n && !embedding.defined(); ++i)
        if (active[i] && (steps[i].terminated || steps[i].truncated))
          embedding = (recurrent ? state : agent.embed(acted_on)).to(torch::kCPU);

    // Record, remember, and move to the next episode or finish the trial.
    for (int i = 0; i < n; ++i) {
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
        rec.windows.insert(rec.windows.end(), w, w + slots_);
        rec.actions.insert(rec.actions.end(), act, act + a);
        rec.log_probs.push_back(log_prob_at[i]);
        rec.values.push_back(value_at[i]);
        rec.rewards.push_back(r.reward);
      }
      // The token keeps the action the environment executed (clipped): bounded inputs.
      for (int j = 0; j < a; ++j)
        clipped[j] = std::clamp(act[j], spec.action_low, spec.action_high);
      const bool episode_end = r.terminated || r.truncated;
      memory[i].push_step(clipped.data(), r.reward, episode_end, next_obs);
      if (!episode_end) continue;
      if (embedding.defined()) (*on_episode_end)(i, episode[i], embedding[i]);
      if (++episode[i] == episodes) {
        active[i] = 0;
        --remaining;
        if (buffer) buffer->trials[i].tokens = memory[i].tokens();
        continue;
      }
      envs_.env(i).reset(rng[i].next(), next_obs);
      memory[i].begin_episode(next_obs);
    }
  }
  if (buffer) buffer->index();
  return results;
}

}  // namespace htrmrl
