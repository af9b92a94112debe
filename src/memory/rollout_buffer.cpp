#include "memory/rollout_buffer.hpp"

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

Context RolloutBuffer::gather(const std::vector<int64_t>& ids, int64_t begin,
                              int64_t end) const {
  Context c = allocate_context(end - begin, slots, seq_len, layout.size());
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = samples[ids[i]];
    const TrialRecord& trial = trials[t];
    gather_context(trial.tokens.data(), trial.windows.data() + static_cast<int64_t>(s) * slots,
                   slots, seq_len, layout.size(), row_tokens(c, i - begin),
                   row_mask(c, i - begin));
  }
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
