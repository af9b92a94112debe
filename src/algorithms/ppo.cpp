#include "algorithms/ppo.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "common/rng.hpp"

namespace htrmrl {

void compute_gae(RolloutBuffer& buffer, double gamma, double lambda) {
  for (TrialRecord& t : buffer.trials) {
    const int n = t.steps();
    t.advantages.assign(n, 0.0f);
    t.returns.assign(n, 0.0f);
    double next_value = 0.0, gae = 0.0;
    for (int i = n - 1; i >= 0; --i) {
      const double delta = t.rewards[i] + gamma * next_value - t.values[i];
      gae = delta + gamma * lambda * gae;
      t.advantages[i] = static_cast<float>(gae);
      t.returns[i] = static_cast<float>(gae + t.values[i]);
      next_value = t.values[i];
    }
  }
}

namespace {

// Column `field` of the given samples as a tensor.
torch::Tensor column(const RolloutBuffer& buffer, const std::vector<int64_t>& ids,
                     int64_t begin, int64_t end, std::vector<float> TrialRecord::*field) {
  auto out = torch::empty({end - begin});
  float* p = out.data_ptr<float>();
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = buffer.samples[ids[i]];
    p[i - begin] = (buffer.trials[t].*field)[s];
  }
  return out;
}

torch::Tensor actions_of(const RolloutBuffer& buffer, const std::vector<int64_t>& ids,
                         int64_t begin, int64_t end) {
  const int a = buffer.layout.act_dim;
  auto out = torch::empty({end - begin, a});
  float* p = out.data_ptr<float>();
  for (int64_t i = begin; i < end; ++i) {
    const auto [t, s] = buffer.samples[ids[i]];
    std::copy_n(buffer.trials[t].actions.data() + static_cast<int64_t>(s) * a, a,
                p + (i - begin) * a);
  }
  return out;
}

double explained_variance(const RolloutBuffer& buffer) {
  // 1 - Var(returns - values) / Var(returns): how much of the return the critic predicts.
  double n = 0, sr = 0, srr = 0, se = 0, see = 0;
  for (const auto& t : buffer.trials)
    for (int i = 0; i < t.steps(); ++i) {
      const double r = t.returns[i], e = r - t.values[i];
      n += 1;
      sr += r;
      srr += r * r;
      se += e;
      see += e * e;
    }
  if (n < 2) return 0.0;
  const double var_r = srr / n - (sr / n) * (sr / n), var_e = see / n - (se / n) * (se / n);
  return var_r > 1e-12 ? 1.0 - var_e / var_r : 0.0;
}

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

// What the update iterates over: `size()` units, each a list of samples; evaluate() returns
// the policy outputs of a minibatch's samples in the order it lists their ids.
class UpdateUnits {
 public:
  virtual ~UpdateUnits() = default;
  virtual int64_t size() const = 0;
  virtual void begin_epoch() {}
  virtual PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                                std::vector<int64_t>& samples) = 0;
  // Sequences encoded so far (context agents; the work deduplication saves).
  virtual int64_t encoded_sequences() const { return 0; }
};

// Context agents: a unit is one sample, its context rebuilt from tokens and windows.
class SampleUnits : public UpdateUnits {
 public:
  SampleUnits(Agent& agent, const RolloutBuffer& buffer, bool deduplicate,
              const torch::Device& device)
      : agent_(agent), buffer_(buffer), deduplicate_(deduplicate), device_(device) {}
  int64_t size() const override { return buffer_.size(); }
  PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                        std::vector<int64_t>& samples) override {
    samples.assign(order.begin() + begin, order.begin() + end);
    Context context = buffer_.gather(order, begin, end, deduplicate_);
    encoded_ += context.tokens.size(0);
    return agent_.forward(context.to(device_));
  }
  int64_t encoded_sequences() const override { return encoded_; }

 private:
  Agent& agent_;
  const RolloutBuffer& buffer_;
  bool deduplicate_;
  torch::Device device_;
  int64_t encoded_ = 0;
};

// Recurrent agents: a unit is one segment of bptt tokens (truncated BPTT).
class SegmentUnits : public UpdateUnits {
 public:
  SegmentUnits(RecurrentAgent& agent, const RolloutBuffer& buffer, int bptt,
               const torch::Device& device)
      : agent_(agent), buffer_(buffer), device_(device), segments_(make_segments(buffer, bptt)) {}
  int64_t size() const override { return static_cast<int64_t>(segments_.size()); }
  // Start states from the current parameters, never the rollout's stale ones.
  void begin_epoch() override {
    start_states_ = segment_start_states(agent_, buffer_, segments_, device_);
  }
  PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                        std::vector<int64_t>& samples) override {
    samples.clear();
    return evaluate_segments(agent_, buffer_, segments_, start_states_, order, begin, end,
                             device_, samples);
  }

 private:
  RecurrentAgent& agent_;
  const RolloutBuffer& buffer_;
  torch::Device device_;
  std::vector<Segment> segments_;
  torch::Tensor start_states_;
};

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

PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device) {
  PpoStats stats;
  stats.samples = buffer.size();
  if (buffer.size() == 0) return stats;
  stats.explained_variance = explained_variance(buffer);
  std::unique_ptr<UpdateUnits> units;
  if (auto* recurrent = dynamic_cast<RecurrentAgent*>(&agent))
    units = std::make_unique<SegmentUnits>(*recurrent, buffer, options.bptt, device);
  else
    units = std::make_unique<SampleUnits>(agent, buffer, options.deduplicate, device);
  const int64_t n = units->size();
  const int64_t mb_size = (n + options.minibatches - 1) / options.minibatches;
  std::vector<int64_t> order(n), samples;
  std::iota(order.begin(), order.end(), 0);
  Rng rng(shuffle_seed);
  agent.train();

  int updates = 0;
  bool stop = false;
  double kl_sum = 0, clip_sum = 0;
  for (int epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    units->begin_epoch();
    // A fresh shuffle per epoch (Fisher-Yates on our own stream: same order everywhere).
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int64_t begin = 0; begin < n; begin += mb_size) {
      const int64_t end = std::min(n, begin + mb_size);
      // The minibatch's policy outputs, then the targets of its samples in the same order.
      PolicyOutput out = units->evaluate(order, begin, end, samples);
      const int64_t m = static_cast<int64_t>(samples.size());
      auto action = actions_of(buffer, samples, 0, m).to(device);
      auto old_log_prob = column(buffer, samples, 0, m, &TrialRecord::log_probs).to(device);
      auto advantage = column(buffer, samples, 0, m, &TrialRecord::advantages).to(device);
      auto ret = column(buffer, samples, 0, m, &TrialRecord::returns).to(device);
      if (options.normalize_advantages && m > 1)
        advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8);

      // Clipped surrogate, value regression and entropy bonus.
      auto log_ratio = gaussian_log_prob(out, action) - old_log_prob;
      auto ratio = log_ratio.exp();
      auto surrogate = torch::min(ratio * advantage,
                                  ratio.clamp(1.0 - options.clip, 1.0 + options.clip) * advantage);
      auto policy_loss = -surrogate.mean();
      auto value_loss = 0.5 * (out.value - ret).pow(2).mean();
      auto entropy = gaussian_entropy(out).mean();
      auto loss = policy_loss + options.value_coef * value_loss - options.entropy_coef * entropy;

      // Early stop: the policy has moved too far from the one that acted (not on the first).
      const double kl = ((ratio - 1.0) - log_ratio).mean().item<double>();
      if (updates > 0 && options.target_kl > 0 && kl > 1.5 * options.target_kl) {
        stop = true;
        break;
      }

      // Step, with the gradient norm clipped to max_grad_norm.
      optimizer.zero_grad();
      loss.backward();
      const double clip_to = options.max_grad_norm > 0 ? options.max_grad_norm : INFINITY;
      stats.grad_norm += torch::nn::utils::clip_grad_norm_(agent.parameters(), clip_to);
      optimizer.step();

      // Diagnostics.
      torch::NoGradGuard no_grad;
      if (updates == 0) stats.first_ratio_error = (ratio - 1.0).abs().max().item<double>();
      stats.policy_loss += policy_loss.item<double>();
      stats.value_loss += value_loss.item<double>();
      stats.entropy += entropy.item<double>();
      kl_sum += kl;
      clip_sum += ((ratio - 1.0).abs() > options.clip).to(torch::kFloat).mean().item<double>();
      ++updates;
    }
  }
  stats.policy_loss /= updates;
  stats.value_loss /= updates;
  stats.entropy /= updates;
  stats.grad_norm /= updates;
  stats.approx_kl = kl_sum / updates;
  stats.clip_fraction = clip_sum / updates;
  stats.minibatch_steps = updates;
  stats.encoded_sequences = units->encoded_sequences();
  return stats;
}

}  // namespace htrmrl
