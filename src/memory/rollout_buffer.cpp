#include "memory/rollout_buffer.hpp"

#include <map>
#include <tuple>

namespace htrmrl {

void TrialRecord::clear() {
  tokens.clear();
  windows.clear();
  actions.clear();
  log_probs.clear();
  values.clear();
  rewards.clear();
  advantages.clear();
  returns.clear();
}

void RolloutBuffer::index() {
  samples.clear();
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
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = samples[ids[i]];
    const Window* w = trials[t].windows.data() + static_cast<int64_t>(s) * slots;
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
        sizeof(Window) * t.windows.capacity());
  return total;
}

}  // namespace htrmrl
