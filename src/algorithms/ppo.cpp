#include "algorithms/ppo.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <memory>
#include <numeric>

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include "common/finite.hpp"
#include "common/rng.hpp"
#include "common/thread_pool.hpp"

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

// Sums over the samples of (1, return, return^2, error, error^2, advantage, advantage^2),
// error = return - value; over every rank's samples with a group.
using ValueSums = std::array<double, 7>;
ValueSums value_sums(const RolloutBuffer& buffer, Collective* group) {
  ValueSums s{};
  for (const auto& t : buffer.trials)
    for (int i = 0; i < t.steps(); ++i) {
      const double r = t.returns[i], e = r - t.values[i], a = t.advantages[i];
      s[0] += 1;
      s[1] += r;
      s[2] += r * r;
      s[3] += e;
      s[4] += e * e;
      s[5] += a;
      s[6] += a * a;
    }
  if (group) {
    auto total = torch::tensor(std::vector<double>(s.begin(), s.end()), torch::kFloat64);
    group->all_reduce(total);
    std::copy_n(total.data_ptr<double>(), s.size(), s.begin());
  }
  return s;
}

double explained_variance(const ValueSums& sums) {
  // 1 - Var(returns - values) / Var(returns): how much of the return the critic predicts.
  const auto [n, sr, srr, se, see, sa, saa] = sums;
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
  std::atomic<int64_t> encoded_{0};  // parts run on worker threads
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

// The units this process evaluates. Alone: all of them. With a group, the update's units are
// every rank's in rank order (trial-major, as one process holding all trials lists them): the
// global shuffle and minibatches are the single process's, and each rank evaluates the ids of
// a minibatch that fall in its own block.
class Shard {
 public:
  Shard(Collective* group, int64_t units) : count_(units), total_(units) {
    if (!group) return;
    const std::vector<int64_t> counts = all_gather_counts(*group, units);
    first_ = std::accumulate(counts.begin(), counts.begin() + group->rank(), int64_t{0});
    total_ = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  }
  int64_t total() const { return total_; }
  // This process's units among order[begin, end), as local ids, in that order.
  std::vector<int64_t> select(const std::vector<int64_t>& order, int64_t begin,
                              int64_t end) const {
    std::vector<int64_t> mine;
    for (int64_t i = begin; i < end; ++i)
      if (order[i] >= first_ && order[i] < first_ + count_) mine.push_back(order[i] - first_);
    return mine;
  }

 private:
  int64_t first_ = 0, count_, total_;
};

// The per-minibatch diagnostics: KL, policy loss, value loss, entropy, clipped share,
// action standard deviation.
constexpr int64_t kDiagnostics = 6;

// Means over one minibatch's samples, as sums divided by the minibatch's sample count: the
// minibatch may be split in parts (evaluated on worker threads, or on the ranks of a group),
// each summing its own samples, so the parts' gradients add up to the whole's. With a group
// the count and the advantages' moments are every rank's, and scalar statistics are summed
// over the ranks.
class MinibatchMeans {
 public:
  MinibatchMeans(Collective* group, const torch::Tensor& advantages) : group_(group) {
    auto a = advantages.to(torch::kCPU, torch::kFloat64);
    auto sums = torch::tensor({static_cast<double>(a.size(0)), a.sum().item<double>(),
                               a.pow(2).sum().item<double>()},
                              torch::kFloat64);
    if (group_) group_->all_reduce(sums);
    count_ = static_cast<int64_t>(sums[0].item<double>());
    sum_ = sums[1].item<double>();
    sum_squares_ = sums[2].item<double>();
  }
  int64_t count() const { return count_; }
  torch::Tensor operator()(const torch::Tensor& x) const {
    return x.sum() / static_cast<double>(count_);
  }
  // Advantages standardised by the minibatch's mean and unbiased deviation (torch's std).
  torch::Tensor standardise(const torch::Tensor& advantages) const {
    const double mean = sum_ / count_;
    const double var = std::max(0.0, (sum_squares_ - sum_ * mean) / (count_ - 1));
    return (advantages - mean) / (std::sqrt(var) + 1e-8);
  }
  // Per-part sums made by operator(), as the minibatch's totals (over the ranks too).
  std::vector<double> totals(const std::vector<std::vector<torch::Tensor>>& parts) const {
    std::vector<torch::Tensor> columns;
    for (const auto& part : parts)
      if (!part.empty()) columns.push_back(torch::stack(part).to(torch::kCPU, torch::kFloat64));
    auto values = columns.empty() ? torch::zeros({kDiagnostics}, torch::kFloat64)
                                  : torch::stack(columns).sum(0);
    if (group_) group_->all_reduce(values);
    return std::vector<double>(values.data_ptr<double>(),
                               values.data_ptr<double>() + values.numel());
  }
  // The largest of every rank's value.
  double max(double value) const {
    if (!group_) return value;
    auto v = torch::tensor({value}, torch::kFloat64);
    group_->all_reduce(v, Collective::Op::kMax);
    return v.item<double>();
  }

 private:
  Collective* group_;
  int64_t count_ = 0;
  double sum_ = 0, sum_squares_ = 0;
};

// One part of a minibatch: its units and samples, their policy outputs and targets, then the
// part's loss terms and gradients. Parts are evaluated and differentiated on worker threads.
struct MinibatchPart {
  std::vector<int64_t> units, samples;
  PolicyOutput out;
  torch::Tensor action, old_log_prob, advantage, ret;
  torch::Tensor loss, ratio;
  std::vector<torch::Tensor> diagnostics;  // kDiagnostics of them
  std::vector<torch::Tensor> grads;
};

// The minibatch's units in `workers` parts. One part keeps the shuffled order; several are
// contiguous blocks of the sorted ids, which are trial-major, so each part holds whole runs
// of a trial's samples and deduplication shares their sequences as in one part.
std::vector<MinibatchPart> split_minibatch(std::vector<int64_t> units, int workers) {
  const int n = std::max(1, std::min<int>(workers, static_cast<int>(units.size())));
  std::vector<MinibatchPart> parts(n);
  if (n == 1) {
    parts[0].units = std::move(units);
    return parts;
  }
  std::sort(units.begin(), units.end());
  for (int p = 0; p < n; ++p) {
    const auto [first, last] = rank_block(static_cast<int64_t>(units.size()), p, n);
    parts[p].units.assign(units.begin() + first, units.begin() + last);
  }
  return parts;
}

// Sums the parts' gradients in part order (the same sum whatever the threads' timing) into
// the parameters' gradients; a parameter no part reached keeps what zero_grad left.
void set_gradients(const std::vector<MinibatchPart>& parts,
                   const std::vector<torch::Tensor>& parameters) {
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor sum;
    for (const auto& part : parts) {
      if (part.grads.empty() || !part.grads[i].defined()) continue;
      sum = sum.defined() ? sum + part.grads[i] : part.grads[i];
    }
    if (!sum.defined()) continue;
    auto p = parameters[i];
    if (p.grad().defined()) p.mutable_grad().copy_(sum);
    else p.mutable_grad() = sum.clone();
  }
}

// Sums every parameter's gradient over the ranks, in one message. A rank without a gradient
// for a parameter (no sample in this minibatch) adds zeros; the parameter gets a gradient if
// any rank has one, as it would in the single process.
void all_reduce_gradients(Collective& group, const std::vector<torch::Tensor>& parameters) {
  const int64_t n = static_cast<int64_t>(parameters.size());
  std::vector<torch::Tensor> parts;
  auto present = torch::zeros({n});
  for (int64_t i = 0; i < n; ++i) {
    const auto& g = parameters[i].grad();
    parts.push_back(g.defined() ? g.reshape(-1) : torch::zeros({parameters[i].numel()},
                                                               parameters[i].options()));
    present[i] = g.defined() ? 1.0 : 0.0;
  }
  parts.push_back(present.to(parameters.front().device()));
  auto all = torch::cat(parts);
  group.all_reduce(all);
  auto any = all.narrow(0, all.size(0) - n, n).to(torch::kCPU);
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    auto p = parameters[i];
    auto sum = all.narrow(0, at, p.numel()).view_as(p);
    at += p.numel();
    if (any[i].item<float>() == 0) continue;
    if (p.grad().defined()) p.mutable_grad().copy_(sum);
    else p.mutable_grad() = sum.clone();
  }
}

// Stops the update at the first minibatch step with a non-finite loss term or gradient norm,
// before the optimiser takes it: one step with them would make every parameter NaN.
void require_finite(const char* what, double value, int step) {
  if (!std::isfinite(value))
    throw NonFiniteError(
        fmt::format("the PPO {} is {} (minibatch step {})", what, non_finite_name(value), step));
}

// The minibatch's loss terms (MinibatchMeans::totals of the diagnostics).
void require_finite_losses(const std::vector<double>& totals, int step) {
  require_finite("policy loss", totals[1], step);
  require_finite("value loss", totals[2], step);
  require_finite("entropy", totals[3], step);
  require_finite("KL estimate", totals[0], step);
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

PpoStats ppo_update(Agent& agent, torch::optim::Optimizer& optimizer,
                    const RolloutBuffer& buffer, const PpoOptions& options,
                    uint64_t shuffle_seed, const torch::Device& device, Collective* group) {
  PpoStats stats;
  const ValueSums sums = value_sums(buffer, group);
  stats.samples = group ? static_cast<int64_t>(sums[0]) : buffer.size();
  if (stats.samples == 0) return stats;
  stats.explained_variance = explained_variance(sums);
  const double advantage_mean = sums[5] / sums[0];
  stats.advantage_std = std::sqrt(std::max(0.0, sums[6] / sums[0] - advantage_mean * advantage_mean));
  std::unique_ptr<UpdateUnits> units;
  if (auto* recurrent = dynamic_cast<RecurrentAgent*>(&agent))
    units = std::make_unique<SegmentUnits>(*recurrent, buffer, options.bptt, device);
  else
    units = std::make_unique<SampleUnits>(agent, buffer, options.deduplicate, device);
  const Shard shard(group, units->size());
  const int64_t n = shard.total();
  const int64_t mb_size = (n + options.minibatches - 1) / options.minibatches;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(shuffle_seed);
  agent.train();
  const std::vector<torch::Tensor> parameters = agent.parameters();
  ThreadPool workers(options.workers);
  const int act_dim = buffer.layout.act_dim;
  // What a rank holding none of a minibatch's samples evaluates: nothing.
  const PolicyOutput no_output{torch::zeros({0, act_dim}, device),
                               torch::zeros({0, act_dim}, device), torch::zeros({0}, device)};

  int updates = 0;
  bool stop = false;
  double kl_sum = 0, clip_sum = 0;
  for (int epoch = 0; epoch < options.epochs && !stop; ++epoch) {
    units->begin_epoch();
    // A fresh shuffle per epoch (Fisher-Yates on our own stream: same order everywhere).
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int64_t begin = 0; begin < n; begin += mb_size) {
      const int64_t end = std::min(n, begin + mb_size);
      // The minibatch's policy outputs (this rank's share, in parts on the workers), then
      // the targets of its samples in the same order.
      std::vector<MinibatchPart> parts =
          split_minibatch(shard.select(order, begin, end), options.workers);
      const int part_count = static_cast<int>(parts.size());
      workers.parallel_for(part_count, [&](int p) {
        at::init_num_threads();  // a worker thread takes the configured intra-op threads
        MinibatchPart& part = parts[p];
        const int64_t size = static_cast<int64_t>(part.units.size());
        part.out = size == 0 ? no_output : units->evaluate(part.units, 0, size, part.samples);
        const int64_t m = static_cast<int64_t>(part.samples.size());
        part.action = actions_of(buffer, part.samples, 0, m).to(device);
        part.old_log_prob = column(buffer, part.samples, 0, m, &TrialRecord::log_probs).to(device);
        part.advantage = column(buffer, part.samples, 0, m, &TrialRecord::advantages).to(device);
        part.ret = column(buffer, part.samples, 0, m, &TrialRecord::returns).to(device);
      });
      std::vector<torch::Tensor> advantages;
      for (const auto& part : parts) advantages.push_back(part.advantage);
      const MinibatchMeans mean(group, torch::cat(advantages));

      // Clipped surrogate, value regression and entropy bonus; each part's share.
      for (MinibatchPart& part : parts) {
        if (part.samples.empty()) continue;
        auto advantage = part.advantage;
        if (options.normalize_advantages && mean.count() > 1)
          advantage = mean.standardise(advantage);
        auto log_ratio = gaussian_log_prob(part.out, part.action) - part.old_log_prob;
        part.ratio = log_ratio.exp();
        auto surrogate = torch::min(
            part.ratio * advantage,
            part.ratio.clamp(1.0 - options.clip, 1.0 + options.clip) * advantage);
        auto policy_loss = -mean(surrogate);
        auto value_loss = 0.5 * mean((part.out.value - part.ret).pow(2));
        auto entropy = mean(gaussian_entropy(part.out));
        part.loss = policy_loss + options.value_coef * value_loss -
                    options.entropy_coef * entropy;
        // Diagnostics: KL, losses, entropy, clipped share, action deviation.
        torch::NoGradGuard no_grad;
        part.diagnostics = {mean((part.ratio - 1.0) - log_ratio), policy_loss.detach(),
                            value_loss.detach(), entropy.detach(),
                            mean(((part.ratio - 1.0).abs() > options.clip).to(torch::kFloat)),
                            mean(part.out.log_std.exp().mean(-1))};
      }
      std::vector<std::vector<torch::Tensor>> diagnostics;
      for (const auto& part : parts) diagnostics.push_back(part.diagnostics);
      const std::vector<double> totals = mean.totals(diagnostics);
      require_finite_losses(totals, updates + 1);
      // Early stop: the policy has moved too far from the one that acted (not on the first).
      const double kl = totals[0];
      if (updates > 0 && options.target_kl > 0 && kl > 1.5 * options.target_kl) {
        stop = true;
        break;
      }

      // Each part's gradients on its worker, summed in part order (then over the ranks);
      // the step clips the gradient norm to max_grad_norm.
      workers.parallel_for(part_count, [&](int p) {
        at::init_num_threads();
        MinibatchPart& part = parts[p];
        if (part.loss.defined())
          part.grads = torch::autograd::grad({part.loss}, parameters, {}, false, false,
                                             /*allow_unused=*/true);
      });
      optimizer.zero_grad();
      set_gradients(parts, parameters);
      if (group) all_reduce_gradients(*group, parameters);
      const double clip_to = options.max_grad_norm > 0 ? options.max_grad_norm : INFINITY;
      const double grad_norm = torch::nn::utils::clip_grad_norm_(parameters, clip_to);
      require_finite("gradient norm", grad_norm, updates + 1);
      stats.grad_norm += grad_norm;
      optimizer.step();

      // Statistics.
      torch::NoGradGuard no_grad;
      if (updates == 0) {
        double error = 0.0;
        for (const auto& part : parts)
          if (part.ratio.defined())
            error = std::max(error, (part.ratio - 1.0).abs().max().item<double>());
        stats.first_ratio_error = mean.max(error);
      }
      stats.policy_loss += totals[1];
      stats.value_loss += totals[2];
      stats.entropy += totals[3];
      kl_sum += kl;
      clip_sum += totals[4];
      stats.action_std += totals[5];
      ++updates;
    }
  }
  stats.policy_loss /= updates;
  stats.value_loss /= updates;
  stats.entropy /= updates;
  stats.grad_norm /= updates;
  stats.action_std /= updates;
  stats.approx_kl = kl_sum / updates;
  stats.clip_fraction = clip_sum / updates;
  stats.minibatch_steps = updates;
  stats.encoded_sequences = units->encoded_sequences();
  return stats;
}

}  // namespace htrmrl
