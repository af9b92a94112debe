#include "algorithms/minibatch.hpp"

#include <algorithm>
#include <cmath>

#include <ATen/Parallel.h>

namespace htrmrl {
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

}  // namespace

MinibatchMeans::MinibatchMeans(Collective* group, const torch::Tensor& advantages)
    : group_(group) {
  auto a = advantages.to(torch::kCPU, torch::kFloat64);
  auto sums = torch::tensor({static_cast<double>(a.size(0)), a.sum().item<double>(),
                             a.pow(2).sum().item<double>()},
                            torch::kFloat64);
  if (group_) group_->all_reduce(sums);
  count_ = static_cast<int64_t>(sums[0].item<double>());
  sum_ = sums[1].item<double>();
  sum_squares_ = sums[2].item<double>();
}

torch::Tensor MinibatchMeans::standardise(const torch::Tensor& advantages) const {
  const double mean = sum_ / count_;
  const double var = std::max(0.0, (sum_squares_ - sum_ * mean) / (count_ - 1));
  return (advantages - mean) / (std::sqrt(var) + 1e-8);
}

std::vector<double> MinibatchMeans::totals(
    const std::vector<std::vector<torch::Tensor>>& parts) const {
  std::vector<torch::Tensor> columns;
  for (const auto& part : parts)
    if (!part.empty()) columns.push_back(torch::stack(part).to(torch::kCPU, torch::kFloat64));
  auto values = columns.empty() ? torch::zeros({kDiagnostics}, torch::kFloat64)
                                : torch::stack(columns).sum(0);
  if (group_) group_->all_reduce(values);
  return std::vector<double>(values.data_ptr<double>(),
                             values.data_ptr<double>() + values.numel());
}

double MinibatchMeans::max(double value) const {
  if (!group_) return value;
  auto v = torch::tensor({value}, torch::kFloat64);
  group_->all_reduce(v, Collective::Op::kMax);
  return v.item<double>();
}

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

void evaluate_parts(ThreadPool& workers, UpdateUnits& units, const RolloutBuffer& buffer,
                    std::vector<MinibatchPart>& parts, const torch::Device& device) {
  // What a rank holding none of a minibatch's samples evaluates: nothing.
  const int act_dim = buffer.layout.act_dim;
  const PolicyOutput no_output{torch::zeros({0, act_dim}, device),
                               torch::zeros({0, act_dim}, device), torch::zeros({0}, device)};
  workers.parallel_for(static_cast<int>(parts.size()), [&](int p) {
    at::init_num_threads();  // a worker thread takes the configured intra-op threads
    MinibatchPart& part = parts[p];
    const int64_t size = static_cast<int64_t>(part.units.size());
    part.out = size == 0 ? no_output : units.evaluate(part.units, 0, size, part.samples);
    const int64_t m = static_cast<int64_t>(part.samples.size());
    part.action = actions_of(buffer, part.samples, 0, m).to(device);
    part.old_log_prob = column(buffer, part.samples, 0, m, &TrialRecord::log_probs).to(device);
    part.advantage = column(buffer, part.samples, 0, m, &TrialRecord::advantages).to(device);
    part.ret = column(buffer, part.samples, 0, m, &TrialRecord::returns).to(device);
  });
}

void sum_gradients(ThreadPool& workers, std::vector<MinibatchPart>& parts,
                   const std::vector<torch::Tensor>& parameters, Collective* group) {
  // Each part's gradients on its worker.
  workers.parallel_for(static_cast<int>(parts.size()), [&](int p) {
    at::init_num_threads();
    MinibatchPart& part = parts[p];
    if (part.loss.defined())
      part.grads = torch::autograd::grad({part.loss}, parameters, {}, false, false,
                                         /*allow_unused=*/true);
  });
  // Summed in part order, then over the ranks.
  set_gradients(parts, parameters);
  if (group) all_reduce_gradients(*group, parameters);
}

}  // namespace htrmrl
