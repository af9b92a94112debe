#include "memory/rollout_buffer.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace htrmrl {

void TrialRecord::clear() {
  task = -1;
  tokens.clear();
  draws.clear();
  draw_episode_begin.clear();
  step_draw.clear();
  step_end.clear();
  actions.clear();
  log_probs.clear();
  values.clear();
  rewards.clear();
  advantages.clear();
  returns.clear();
}

void TrialRecord::record_windows(const Window* windows, int slots, int32_t episode_begin) {
  // A new draw unless the step reads the same past windows in the same episode.
  const int past = slots - 1;
  const bool repeat = !draw_episode_begin.empty() &&
                      draw_episode_begin.back() == episode_begin &&
                      std::equal(windows, windows + past, draws.end() - past);
  if (!repeat) {
    draws.insert(draws.end(), windows, windows + past);
    draw_episode_begin.push_back(episode_begin);
  }
  step_draw.push_back(static_cast<int32_t>(draw_episode_begin.size()) - 1);
  step_end.push_back(windows[past].end);
}

void TrialRecord::reserve(int steps, int act_dim) {
  step_draw.reserve(steps);
  step_end.reserve(steps);
  actions.reserve(static_cast<size_t>(steps) * act_dim);
  for (auto* v : {&log_probs, &values, &rewards, &advantages, &returns}) v->reserve(steps);
}

void RolloutBuffer::windows(int32_t trial, int32_t step, Window* out) const {
  // Past windows from the step's draw; the current window is the last S tokens of the
  // episode up to the step's state (TrialMemory::sample's rule).
  const TrialRecord& t = trials[trial];
  const int past = slots - 1;
  const int32_t draw = t.step_draw[step], end = t.step_end[step];
  std::copy_n(t.draws.begin() + static_cast<int64_t>(draw) * past, past, out);
  out[past] = {std::max(t.draw_episode_begin[draw], end - seq_len), end};
}

void RolloutBuffer::index() {
  size_t total = 0;
  for (const auto& t : trials) total += t.steps();
  samples.clear();
  samples.reserve(total);
  for (int32_t t = 0; t < static_cast<int32_t>(trials.size()); ++t)
    for (int32_t s = 0; s < trials[t].steps(); ++s) samples.emplace_back(t, s);
}

Context RolloutBuffer::gather(const std::vector<int64_t>& ids, int64_t begin, int64_t end,
                              bool deduplicate) const {
  // Assign every slot a sequence number: a new one per distinct (trial, window).
  const int64_t rows = end - begin;
  auto index = torch::empty({rows, slots}, torch::kLong);
  int64_t* slot_seq = index.data_ptr<int64_t>();
  std::vector<std::pair<int32_t, Window>> distinct;
  std::map<std::tuple<int32_t, int32_t, int32_t>, int64_t> seen;
  auto sequence_of = [&](int32_t t, const Window& w) {
    const int64_t next = static_cast<int64_t>(distinct.size());
    if (deduplicate) {
      // Every empty window is the same sequence, whichever trial it belongs to.
      const auto key = w.length() > 0 ? std::make_tuple(t, w.begin, w.end)
                                      : std::make_tuple(-1, 0, 0);
      const auto [it, fresh] = seen.emplace(key, next);
      if (!fresh) return it->second;
    }
    distinct.emplace_back(t, w);
    return next;
  };
  std::vector<Window> w(slots);
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = samples[ids[i]];
    windows(t, s, w.data());
    for (int k = 0; k < slots; ++k) slot_seq[(i - begin) * slots + k] = sequence_of(t, w[k]);
  }
  // Copy each distinct sequence once.
  const int64_t n = static_cast<int64_t>(distinct.size());
  Context c{torch::zeros({n, seq_len, layout.size()}), torch::zeros({n, seq_len}), index};
  for (int64_t j = 0; j < n; ++j)
    gather_context(trials[distinct[j].first].tokens.data(), &distinct[j].second, 1, seq_len,
                   layout.size(), c.tokens.data_ptr<float>() + j * c.tokens.stride(0),
                   c.mask.data_ptr<float>() + j * c.mask.stride(0));
  return c;
}

int64_t RolloutBuffer::bytes() const {
  int64_t total = static_cast<int64_t>(samples.capacity() * sizeof(samples[0]));
  for (const auto& t : trials)
    total += static_cast<int64_t>(
        sizeof(float) * (t.tokens.capacity() + t.actions.capacity() + t.log_probs.capacity() +
                         t.values.capacity() + t.rewards.capacity() + t.advantages.capacity() +
                         t.returns.capacity()) +
        sizeof(Window) * t.draws.capacity() +
        sizeof(int32_t) * (t.draw_episode_begin.capacity() + t.step_draw.capacity() +
                           t.step_end.capacity()));
  return total;
}

}  // namespace htrmrl
