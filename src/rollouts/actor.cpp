#include "rollouts/actor.hpp"

#include <algorithm>

namespace htrmrl {
namespace {

// No draw produces this window: a row holding it is refreshed at its next step.
constexpr Window kNoWindow{-1, -1};

}  // namespace

Actor::Actor(Agent& agent, int rows, int slots, int seq_len, TokenLayout layout,
             torch::Device device, bool cache)
    : agent_(agent), rows_(rows), slots_(slots), seq_len_(seq_len), layout_(layout),
      device_(device) {
  if (cache) summary_agent_ = dynamic_cast<SummaryAgent*>(&agent);
  const int d = layout.size();
  if (!cached()) {
    host_context_ = dense_context(host_tensor({rows, slots, seq_len, d}),
                                  host_tensor({rows, slots, seq_len}));
    return;
  }
  // The summaries' width: that of one (empty) sequence's summary.
  torch::NoGradGuard no_grad;
  const int64_t width =
      summary_agent_->summarize(torch::zeros({1, seq_len, d}, device),
                                torch::ones({1, seq_len}, device)).size(1);
  const int past = slots - 1;
  cached_windows_.assign(static_cast<size_t>(rows) * past, kNoWindow);
  past_ = torch::zeros({static_cast<int64_t>(rows) * past, width}, device);
  past_mask_ = host_tensor({rows, past});
  current_ = host_tensor({rows, seq_len, d});
  current_mask_ = host_tensor({rows, seq_len});
}

torch::Tensor Actor::host_tensor(std::vector<int64_t> shape) const {
  // Pinned host memory makes the per-step copies to a GPU asynchronous.
  return torch::zeros(shape, torch::TensorOptions().pinned_memory(device_.is_cuda()));
}

void Actor::reset() {
  std::fill(cached_windows_.begin(), cached_windows_.end(), kNoWindow);
  if (past_mask_.defined()) past_mask_.zero_();
}

PolicyOutput Actor::act(const float* const* tokens, const Window* windows, const char* active) {
  // Inference mode skips autograd's version counting: the outputs are never differentiated.
  c10::InferenceMode inference;
  PolicyOutput out = cached() ? act_cached(tokens, windows, active)
                              : act_full(tokens, windows, active);
  return {out.mean.to(torch::kCPU), out.log_std.to(torch::kCPU), out.value.to(torch::kCPU)};
}

torch::Tensor Actor::embedding() {
  c10::InferenceMode inference;
  auto z = cached() ? summary_agent_->embed(summary_context_) : agent_.embed(acted_on_);
  return z.to(torch::kCPU);
}

PolicyOutput Actor::act_full(const float* const* tokens, const Window* windows,
                             const char* active) {
  const int d = layout_.size();
  for (int i = 0; i < rows_; ++i) {
    if (active[i]) {
      gather_context(tokens[i], windows + static_cast<size_t>(i) * slots_, slots_, seq_len_, d,
                     row_tokens(host_context_, i), row_mask(host_context_, i));
    } else {
      // A finished row keeps one unmasked token, so its unused output stays finite.
      row_mask(host_context_, i)[slots_ * seq_len_ - 1] = 1.0f;
    }
  }
  acted_on_ = host_context_.to(device_);
  encoded_sequences_ += acted_on_.tokens.size(0);
  return agent_.forward(acted_on_);
}

void Actor::refresh_past(const float* const* tokens, const Window* windows,
                         const char* active) {
  const int past = slots_ - 1, d = layout_.size();
  if (past == 0) return;
  // Rows whose past draw changed since their summaries were made: new masks, and the
  // non-empty windows to encode (their flat slot in past_, their row).
  std::vector<int64_t> targets;
  std::vector<int> source_rows;
  float* mask = past_mask_.data_ptr<float>();
  for (int i = 0; i < rows_; ++i) {
    const Window* drawn = windows + static_cast<size_t>(i) * slots_;
    Window* kept = &cached_windows_[static_cast<size_t>(i) * past];
    if (!active[i] || std::equal(drawn, drawn + past, kept)) continue;
    std::copy(drawn, drawn + past, kept);
    for (int k = 0; k < past; ++k) {
      const bool real = drawn[k].length() > 0;
      mask[i * past + k] = real ? 1.0f : 0.0f;
      if (!real) continue;
      targets.push_back(static_cast<int64_t>(i) * past + k);
      source_rows.push_back(i);
    }
  }
  if (targets.empty()) return;

  // Encode the new windows in one batch and store their summaries.
  const int64_t m = static_cast<int64_t>(targets.size());
  auto sequences = host_tensor({m, seq_len_, d});
  auto sequence_mask = host_tensor({m, seq_len_});
  for (int64_t j = 0; j < m; ++j)
    gather_context(tokens[source_rows[j]], &cached_windows_[targets[j]], 1, seq_len_, d,
                   sequences.data_ptr<float>() + j * seq_len_ * d,
                   sequence_mask.data_ptr<float>() + j * seq_len_);
  auto z = summary_agent_->summarize(sequences.to(device_), sequence_mask.to(device_));
  encoded_sequences_ += m;
  auto where = torch::from_blob(targets.data(), {m}, torch::kLong).to(device_);
  past_.index_copy_(0, where, z);
}

PolicyOutput Actor::act_cached(const float* const* tokens, const Window* windows,
                               const char* active) {
  refresh_past(tokens, windows, active);
  // The current sequences: each active row's last window.
  const int d = layout_.size();
  for (int i = 0; i < rows_; ++i) {
    if (!active[i]) continue;
    gather_context(tokens[i], windows + static_cast<size_t>(i) * slots_ + slots_ - 1, 1,
                   seq_len_, d, current_.data_ptr<float>() + static_cast<int64_t>(i) * seq_len_ * d,
                   current_mask_.data_ptr<float>() + static_cast<int64_t>(i) * seq_len_);
  }
  summary_context_ = {past_.view({rows_, slots_ - 1, past_.size(1)}),
                      past_mask_.to(device_, /*non_blocking=*/true),
                      current_.to(device_, /*non_blocking=*/true),
                      current_mask_.to(device_, /*non_blocking=*/true)};
  encoded_sequences_ += rows_;
  return summary_agent_->forward(summary_context_);
}

}  // namespace htrmrl
