#include "algorithms/segments.hpp"

#include <algorithm>
#include <numeric>

namespace htrmrl {
namespace {

// Token blocks [rows, length, token_dim] of tokens [begin, begin + length) of each listed
// trial, zero beyond the trial's end (outputs there are never read: the unroll is causal).
torch::Tensor token_blocks(const RolloutBuffer& buffer, const std::vector<int32_t>& trials,
                           const std::vector<int32_t>& begins, int64_t length) {
  const int d = buffer.layout.size();
  const int64_t rows = static_cast<int64_t>(trials.size());
  auto out = torch::zeros({rows, length, d});
  float* p = out.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const auto& tokens = buffer.trials[trials[r]].tokens;
    const int64_t have = static_cast<int64_t>(tokens.size()) / d - begins[r];
    const int64_t n = std::max<int64_t>(0, std::min(length, have));
    std::copy_n(tokens.data() + static_cast<int64_t>(begins[r]) * d, n * d, p + r * length * d);
  }
  return out;
}

}  // namespace

int32_t step_token(const RolloutBuffer& buffer, int32_t trial, int32_t step) {
  return buffer.trials[trial].step_end[step] - 1;
}

std::vector<Segment> make_segments(const RolloutBuffer& buffer, int bptt) {
  std::vector<Segment> out;
  const int d = buffer.layout.size();
  for (int32_t t = 0; t < static_cast<int32_t>(buffer.trials.size()); ++t) {
    const int32_t tokens = static_cast<int32_t>(buffer.trials[t].tokens.size() / d);
    const int32_t steps = buffer.trials[t].steps();
    int32_t step = 0;
    for (int32_t b = 0; b < tokens; b += bptt) {
      Segment seg{t, b, std::min(tokens, b + bptt), step, step};
      // Steps act at increasing tokens: the segment's steps are a contiguous run.
      while (seg.step_end < steps && step_token(buffer, t, seg.step_end) < seg.token_end)
        ++seg.step_end;
      step = seg.step_end;
      if (seg.step_end > seg.step_begin) out.push_back(seg);
    }
  }
  return out;
}

torch::Tensor segment_start_states(RecurrentAgent& agent, const RolloutBuffer& buffer,
                                   const std::vector<Segment>& segments,
                                   const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const int d = buffer.layout.size();
  const int32_t trials = static_cast<int32_t>(buffer.trials.size());
  int64_t longest = 1;
  for (const auto& t : buffer.trials)
    longest = std::max<int64_t>(longest, static_cast<int64_t>(t.tokens.size()) / d);
  std::vector<int32_t> all(trials), zero(trials, 0);
  std::iota(all.begin(), all.end(), 0);
  // states[t][j]: the state after token j of trial t; a segment starting at token b > 0
  // starts from states[t][b - 1], one starting at 0 from the trial's zero state.
  auto states = agent.unroll(token_blocks(buffer, all, zero, longest).to(device),
                             agent.initial_state(trials));
  const int64_t h = states.size(-1);
  auto flat = torch::cat({agent.initial_state(1), states.reshape({-1, h})});
  auto index = torch::empty({static_cast<int64_t>(segments.size())}, torch::kLong);
  int64_t* p = index.data_ptr<int64_t>();
  for (size_t i = 0; i < segments.size(); ++i)
    p[i] = segments[i].token_begin == 0
               ? 0
               : 1 + segments[i].trial * longest + segments[i].token_begin - 1;
  return flat.index_select(0, index.to(device));
}

PolicyOutput evaluate_segments(RecurrentAgent& agent, const RolloutBuffer& buffer,
                               const std::vector<Segment>& segments,
                               const torch::Tensor& start_states,
                               const std::vector<int64_t>& units, int64_t begin, int64_t end,
                               const torch::Device& device, std::vector<int64_t>& samples) {
  // Sample ids: buffer.samples lists trials in order, steps in order within each.
  std::vector<int64_t> first(buffer.trials.size() + 1, 0);
  for (size_t t = 0; t < buffer.trials.size(); ++t) first[t + 1] = first[t] + buffer.trials[t].steps();
  const int64_t rows = end - begin;
  int64_t length = 1;
  std::vector<int32_t> trials(rows), begins(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const Segment& s = segments[units[begin + r]];
    trials[r] = s.trial;
    begins[r] = s.token_begin;
    length = std::max<int64_t>(length, s.token_end - s.token_begin);
  }
  // Where each step's output lies in the unrolled block [rows * length].
  std::vector<int64_t> at;
  for (int64_t r = 0; r < rows; ++r) {
    const Segment& s = segments[units[begin + r]];
    for (int32_t step = s.step_begin; step < s.step_end; ++step) {
      at.push_back(r * length + step_token(buffer, s.trial, step) - s.token_begin);
      samples.push_back(first[s.trial] + step);
    }
  }
  auto tokens = token_blocks(buffer, trials, begins, length).to(device);
  // Index tensors are cloned: autograd keeps them past this function's vectors.
  auto unit_ids = torch::from_blob(const_cast<int64_t*>(units.data()) + begin, {rows},
                                   torch::kLong).clone().to(device);
  auto states = agent.unroll(tokens, start_states.index_select(0, unit_ids));
  auto where = torch::from_blob(at.data(), {static_cast<int64_t>(at.size())}, torch::kLong)
                   .clone().to(device);
  const int64_t h = states.size(-1);
  return agent.read(tokens.reshape({rows * length, -1}).index_select(0, where),
                    states.reshape({rows * length, h}).index_select(0, where));
}

}  // namespace htrmrl
