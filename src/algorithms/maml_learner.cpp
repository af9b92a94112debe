#include "algorithms/maml_learner.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace htrmrl {
namespace {

// Mean undiscounted return of a set of episodes.
double mean_return(const Episodes& e) {
  return (e.rewards * e.mask).sum().item<double>() / e.rewards.size(0);
}

}  // namespace

const std::vector<MetricColumn>& maml_columns() {
  static const std::vector<MetricColumn> table = {
      {"adaptation_return", "maml/adaptation_return"},  // episodes played by theta
      {"adapted_return", "maml/adapted_return"},        // episodes played by theta'
      {"surrogate_before", "maml/surrogate_before"},
      {"surrogate_after", "maml/surrogate_after"},
      {"outer_kl", "maml/outer_kl"},
      {"ratio_error", "maml/ratio_error"},
      {"line_search_steps", "maml/line_search_steps", true},  // -1: TRPO rejected every step
      {"action_std", "maml/action_std"},
  };
  return table;
}

MamlLearner::MamlLearner(MamlAgent& agent, const MamlLearnerOptions& options,
                         const torch::Device& device)
    : agent_(agent),
      options_(options),
      device_(device),
      optimizer_(agent.policy()->parameters(),
                 torch::optim::AdamOptions(options.lr).eps(options.adam_eps)) {}

std::vector<PolicyOutput> MamlLearner::adapted_policies(const Params& theta) const {
  std::vector<PolicyOutput> out;
  for (const TaskBatch& t : tasks_) {
    const Params adapted = adapt(*agent_.policy(), theta, t.adaptation, t.adaptation_advantages,
                                 agent_.adaptation(), options_.second_order);
    out.push_back(agent_.policy()->forward(t.adapted.obs, adapted));
  }
  return out;
}

torch::Tensor MamlLearner::surrogate(const Params& theta, bool clipped,
                                     double* ratio_error) const {
  static const DiagonalGaussian gaussian;
  const auto policies = adapted_policies(theta);
  auto total = torch::zeros({}, theta.front().options());
  for (size_t k = 0; k < tasks_.size(); ++k) {
    const TaskBatch& t = tasks_[k];
    // Padding's log-ratio is zeroed before exp: its ratio is 1, never an overflow.
    const auto ratio = torch::exp(
        (gaussian.log_prob(policies[k], t.adapted.actions) - t.acted_log_prob) * t.adapted.mask);
    auto gain = ratio * t.adapted_advantages;
    if (clipped)
      gain = torch::min(gain, ratio.clamp(1 - options_.clip, 1 + options_.clip) *
                                  t.adapted_advantages);
    total = total - (gain * t.adapted.mask).sum() / t.adapted.mask.sum();
    if (ratio_error)
      *ratio_error = std::max(
          *ratio_error, ((ratio.detach() - 1).abs() * t.adapted.mask).max().item<double>());
  }
  return total / static_cast<double>(tasks_.size());
}

torch::Tensor MamlLearner::kl_from(const std::vector<PolicyOutput>& before,
                                   const Params& theta) const {
  const auto now = adapted_policies(theta);
  auto total = torch::zeros({}, theta.front().options());
  for (size_t k = 0; k < tasks_.size(); ++k)
    total = total + mean_kl(before[k], now[k], tasks_[k].adapted.mask);
  return total / static_cast<double>(tasks_.size());
}

LearnerStats MamlLearner::update(const LearnerBatch& batch) {
  const RolloutBuffer& buffer = batch.buffer;
  const MamlAdaptation& adaptation = agent_.adaptation();
  const int a = adaptation.episodes;
  // 1. Each trial as one task: its adaptation episodes, those played after, advantages.
  tasks_.clear();
  double adaptation_return = 0, adapted_return = 0;
  for (const TrialRecord& trial : buffer.trials) {
    const float* tokens = trial.tokens.data();
    const TrialEpisodes where = trial_episodes(
        tokens, static_cast<int>(trial.tokens.size()) / buffer.layout.size(), buffer.layout);
    const int rest = where.count() - a;
    if (rest < 1)
      throw Error("MAML needs episodes after the adaptation episodes in every trial");
    TaskBatch t;
    const float* raw = trial.actions.data();
    t.adaptation = policy_episodes(
        agent_, gather_episodes(tokens, buffer.layout, raw, where, 0, a), device_);
    t.adapted = policy_episodes(
        agent_, gather_episodes(tokens, buffer.layout, raw, where, a, rest), device_);
    t.adaptation_advantages = maml_advantages(t.adaptation, adaptation);
    t.adapted_advantages = maml_advantages(t.adapted, adaptation);
    t.acted_log_prob = pad_steps(trial.log_probs.data(), where, a, rest).to(device_);
    adaptation_return += mean_return(t.adaptation) / buffer.trials.size();
    adapted_return += mean_return(t.adapted) / buffer.trials.size();
    tasks_.push_back(std::move(t));
  }

  // 2. The outer step through the inner loop.
  Params theta = agent_.policy()->meta_parameters();
  double ratio_error = 0, before = 0, after = 0, kl = 0;
  int line_search = 0;
  const auto fixed = [](std::vector<PolicyOutput> p) {
    for (auto& o : p) o = {o.mean.detach(), o.log_std.detach(), o.value};
    return p;
  };
  const auto old_policies = fixed(adapted_policies(theta));
  if (options_.outer == "trpo") {
    before = surrogate(theta, false, &ratio_error).item<double>();
    const TrpoResult r = trpo_step(
        theta, [&](const Params& p) { return surrogate(p, false); },
        [&](const Params& p) { return kl_from(old_policies, p); }, options_.trpo);
    after = r.loss_after;
    kl = r.accepted ? r.kl : 0;
    line_search = r.accepted ? r.backtracks : -1;
  } else {
    for (int epoch = 0; epoch < options_.epochs; ++epoch) {
      optimizer_.zero_grad();
      const auto loss = surrogate(theta, true, epoch == 0 ? &ratio_error : nullptr);
      if (epoch == 0) before = loss.item<double>();
      loss.backward();
      if (options_.max_grad_norm > 0)
        torch::nn::utils::clip_grad_norm_(theta, options_.max_grad_norm);
      optimizer_.step();
    }
    after = surrogate(theta, true).item<double>();
    kl = kl_from(old_policies, theta).item<double>();
    // No gradient left behind: a resumed run starts from none either.
    for (auto& p : theta) p.mutable_grad() = torch::Tensor();
    line_search = options_.epochs;
  }

  // 3. Statistics; the tasks' tensors are released.
  LearnerStats stats;
  stats.samples = buffer.size();
  const double action_std = torch::exp(theta.back()).mean().item<double>();
  stats.values = {adaptation_return, adapted_return, before, after, kl, ratio_error,
                  static_cast<double>(line_search), action_std};
  tasks_.clear();
  return stats;
}

void MamlLearner::require_finite_state() const {
  htrmrl::require_finite_state(agent_, optimizer_);
}

void MamlLearner::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive optimizer;
  optimizer_.save(optimizer);
  archive.write("optimizer", optimizer);
}

void MamlLearner::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  optimizer_.load(optimizer);
}

}  // namespace htrmrl
