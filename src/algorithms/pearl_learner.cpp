#include "algorithms/pearl_learner.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/finite.hpp"

namespace htrmrl {
namespace {

constexpr double kPolicyRegularizer = 1e-3;  // weight of mean^2 and log_std^2 (published)

// Every parameter's gradient dropped: Adam treats a zero gradient and none differently, and
// a resumed run starts with none.
void drop_gradients(const std::vector<torch::Tensor>& parameters) {
  for (auto p : parameters) p.mutable_grad() = torch::Tensor();
}

}  // namespace

const std::vector<MetricColumn>& pearl_columns() {
  static const std::vector<MetricColumn> table = {
      {"q_loss", "pearl/q_loss"},         {"v_loss", "pearl/v_loss"},
      {"policy_loss", "pearl/policy_loss"}, {"kl", "pearl/kl"},
      {"entropy", "pearl/entropy"},       {"alpha", "pearl/alpha"},
      {"q_value", "pearl/q_value"},
  };
  return table;
}

PearlLearner::PearlLearner(PearlAgent& agent, const PearlOptions& options, int tasks,
                           uint64_t seed, const torch::Device& device)
    : agent_(agent),
      options_(options),
      seed_(seed),
      device_(device),
      replay_(tasks, options.replay_trials),
      log_alpha_(torch::zeros({1}, torch::TensorOptions().device(device)).requires_grad_(true)),
      policy_optimizer_(agent.policy_parameters(), torch::optim::AdamOptions(options.lr)),
      q_optimizer_(agent.q_parameters(), torch::optim::AdamOptions(options.lr)),
      v_optimizer_(agent.v_parameters(), torch::optim::AdamOptions(options.lr)),
      encoder_optimizer_(agent.encoder_parameters(), torch::optim::AdamOptions(options.lr)),
      alpha_optimizer_(std::vector<torch::Tensor>{log_alpha_},
                       torch::optim::AdamOptions(options.lr)) {}

double PearlLearner::alpha() const {
  return options_.entropy == "auto" ? log_alpha_.exp().item<double>() : 1.0;
}

LearnerStats PearlLearner::update(const LearnerBatch& batch) {
  // The iteration's trials join their tasks' replays.
  for (const TrialRecord& trial : batch.buffer.trials) {
    replay_.add(trial);
    const auto at = std::lower_bound(tasks_with_data_.begin(), tasks_with_data_.end(), trial.task);
    if (at == tasks_with_data_.end() || *at != trial.task) tasks_with_data_.insert(at, trial.task);
  }
  // Then the SAC steps, every draw from the iteration's stream; their statistics averaged.
  Rng rng(derive_seed(seed_, {kTagPearl, static_cast<uint64_t>(batch.iteration)}));
  std::vector<double> mean(pearl_columns().size(), 0.0);
  for (int g = 0; g < options_.gradient_steps; ++g) {
    const std::vector<double> values = step(rng);
    for (size_t c = 0; c < mean.size(); ++c) mean[c] += values[c] / options_.gradient_steps;
  }
  return {batch.buffer.size(), mean};
}

PearlLearner::StepBatch PearlLearner::draw(Rng& rng) {
  const PearlOptions& o = options_;
  const TokenLayout layout = agent_.layout();
  if (tasks_with_data_.empty()) throw Error("PEARL: no replayed trial to learn from");
  Transitions rl = allocate_transitions(static_cast<int64_t>(o.meta_batch) * o.batch, layout);
  Transitions context =
      allocate_transitions(static_cast<int64_t>(o.meta_batch) * o.context_batch, layout);
  for (int64_t k = 0; k < o.meta_batch; ++k) {
    const int task = tasks_with_data_[rng.below(tasks_with_data_.size())];
    // RL transitions: a kept trial of the task, then one of its steps, each uniformly.
    const auto trials = replay_.sample(task, o.batch, rng);
    for (int64_t i = 0; i < o.batch; ++i) {
      const TrialRecord& t = *trials[i];
      const int32_t end = t.step_end[rng.below(t.step_end.size())];
      write_transition(t.tokens.data(), end, layout, rl, k * o.batch + i);
    }
    // Context transitions: from the newest trial's first context_episodes episodes.
    const TrialRecord& newest = replay_.newest(task);
    const std::vector<int32_t> ends =
        transition_ends(newest.tokens.data(),
                        static_cast<int>(newest.tokens.size()) / layout.size(), layout,
                        o.context_episodes);
    for (int64_t i = 0; i < o.context_batch; ++i)
      write_transition(newest.tokens.data(), ends[rng.below(ends.size())], layout, context,
                       k * o.context_batch + i);
  }
  auto features = agent_.context_features(context.to(device_));
  return {rl.to(device_), features.view({o.meta_batch, o.context_batch, -1})};
}

std::vector<double> PearlLearner::step(Rng& rng) {
  const PearlOptions& o = options_;
  const int64_t tasks = o.meta_batch, rows = tasks * o.batch;
  const int latent = agent_.options().latent, act_dim = agent_.layout().act_dim;
  const StepBatch data = draw(rng);
  const Transitions& t = data.rl;
  const auto reward = t.rew.squeeze(-1);

  // Each task's z from its context, reparameterised, repeated over its RL transitions; V and
  // the policy read it detached.
  const Posterior q = agent_.posterior(
      data.context, torch::ones({tasks, static_cast<int64_t>(o.context_batch)},
                                data.context.options()));
  auto z = q.mean + q.var.sqrt() * standard_normal(tasks, latent, rng).to(device_);
  auto kl = 0.5 * (q.var + q.mean.pow(2) - 1.0 - q.var.log()).sum();
  auto z_rows = z.repeat_interleave(o.batch, 0), z_fixed = z_rows.detach();

  // The current policy's reparameterised draws at the batch's states.
  const PolicyOutput pi = agent_.policy(t.obs, z_fixed);
  const auto& squashed = dynamic_cast<const TanhGaussian&>(agent_.distribution());
  auto [new_act, log_pi] = squashed.rsample(pi, standard_normal(rows, act_dim, rng).to(device_));
  const double alpha = this->alpha();

  // 1. Both Q and the encoder: Bellman error against the target V, plus the KL to the prior.
  auto q1 = agent_.q(0, t.obs, t.act, z_rows), q2 = agent_.q(1, t.obs, t.act, z_rows);
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    target = o.reward_scale * reward + o.gamma * agent_.v(t.next_obs, z_fixed, true);
  }
  auto q_loss = (q1 - target).pow(2).mean() + (q2 - target).pow(2).mean();
  q_optimizer_.zero_grad();
  encoder_optimizer_.zero_grad();
  (q_loss + o.kl_weight * kl).backward();
  q_optimizer_.step();
  encoder_optimizer_.step();

  // 2. V toward the soft value of the policy's actions under the updated Q; the target tracks.
  auto min_q = torch::min(agent_.q(0, t.obs, new_act, z_fixed),
                          agent_.q(1, t.obs, new_act, z_fixed));
  auto v_loss = (agent_.v(t.obs, z_fixed) - (min_q - alpha * log_pi).detach()).pow(2).mean();
  v_optimizer_.zero_grad();
  v_loss.backward();
  v_optimizer_.step();
  agent_.track_target(o.tau);

  // 3. The policy toward the soft-greedy one, its outputs kept small.
  auto policy_loss = (alpha * log_pi - min_q).mean() +
                     kPolicyRegularizer * (pi.mean.pow(2).mean() + pi.log_std.pow(2).mean());
  policy_optimizer_.zero_grad();
  policy_loss.backward();
  policy_optimizer_.step();

  // 4. The temperature toward an entropy of -act_dim (pearl.entropy = "auto").
  if (o.entropy == "auto") {
    auto alpha_loss = -(log_alpha_ * (log_pi.detach() - act_dim)).mean();
    alpha_optimizer_.zero_grad();
    alpha_loss.backward();
    alpha_optimizer_.step();
  }
  drop_gradients(agent_.parameters());
  drop_gradients({log_alpha_});
  return {q_loss.item<double>(),        v_loss.item<double>(),
          policy_loss.item<double>(),   kl.item<double>() / static_cast<double>(tasks),
          -log_pi.mean().item<double>(), alpha,
          q1.mean().item<double>()};
}

void PearlLearner::require_finite_state() const {
  for (const torch::optim::Adam* optimizer : {&policy_optimizer_, &q_optimizer_, &v_optimizer_,
                                               &encoder_optimizer_, &alpha_optimizer_})
    htrmrl::require_finite_state(agent_, *optimizer);
  if (!torch::isfinite(log_alpha_).all().item<bool>())
    throw NonFiniteError("PEARL's log temperature is not finite after the update");
}

void PearlLearner::save(torch::serialize::OutputArchive& archive) const {
  const std::pair<const char*, const torch::optim::Adam*> optimizers[] = {
      {"policy_optimizer", &policy_optimizer_}, {"q_optimizer", &q_optimizer_},
      {"v_optimizer", &v_optimizer_},           {"encoder_optimizer", &encoder_optimizer_},
      {"alpha_optimizer", &alpha_optimizer_}};
  for (const auto& [key, optimizer] : optimizers) {
    torch::serialize::OutputArchive sub;
    optimizer->save(sub);
    archive.write(key, sub);
  }
  archive.write("log_alpha", log_alpha_.detach());
  torch::serialize::OutputArchive replay;
  replay_.save(replay);
  archive.write("replay", replay);
}

void PearlLearner::load(torch::serialize::InputArchive& archive) {
  const std::pair<const char*, torch::optim::Adam*> optimizers[] = {
      {"policy_optimizer", &policy_optimizer_}, {"q_optimizer", &q_optimizer_},
      {"v_optimizer", &v_optimizer_},           {"encoder_optimizer", &encoder_optimizer_},
      {"alpha_optimizer", &alpha_optimizer_}};
  for (const auto& [key, optimizer] : optimizers) {
    torch::serialize::InputArchive sub;
    archive.read(key, sub);
    optimizer->load(sub);
  }
  torch::Tensor log_alpha;
  archive.read("log_alpha", log_alpha);
  {
    torch::NoGradGuard no_grad;
    log_alpha_.copy_(log_alpha);
  }
  torch::serialize::InputArchive replay;
  archive.read("replay", replay);
  replay_.load(replay);
  tasks_with_data_.clear();
  for (int task = 0; task < replay_.tasks(); ++task)
    if (replay_.size(task) > 0) tasks_with_data_.push_back(task);
}

}  // namespace htrmrl
