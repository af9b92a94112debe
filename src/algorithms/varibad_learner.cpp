#include "algorithms/varibad_learner.hpp"

#include "common/rng.hpp"

namespace htrmrl {

const std::vector<MetricColumn>& varibad_columns() {
  static const std::vector<MetricColumn> table = [] {
    std::vector<MetricColumn> t = ppo_columns();
    t.push_back({"vae_loss", "vae/loss"});
    t.push_back({"vae_reward_loss", "vae/reward_loss"});
    t.push_back({"vae_kl", "vae/kl"});
    t.push_back({"vae_state_loss", "vae/state_loss"});
    return t;
  }();
  return table;
}

VariBadLearner::VariBadLearner(VariBadAgent& agent, const VariBadLearnerOptions& options,
                               std::vector<int> task_family, const torch::Device& device)
    : agent_(agent),
      options_(options),
      device_(device),
      ppo_(agent, options.ppo, std::move(task_family), device),
      vae_optimizer_(agent.vae_parameters(), torch::optim::AdamOptions(options.vae.lr)),
      replay_(options.vae.replay_trials) {}

LearnerStats VariBadLearner::update(const LearnerBatch& batch) {
  // The iteration's trials join the replay before PPO rewrites their rewards (the VAE reads
  // the tokens, which keep the raw ones).
  replay_.add(batch.buffer);
  LearnerStats stats = ppo_.update(batch);
  // Then the VAE's steps, on trials drawn from the replay by the iteration's own stream.
  const VaeOptions& o = options_.vae;
  const auto params = agent_.vae_parameters();
  double loss = 0, reward = 0, kl = 0, state = 0;
  for (int u = 0; u < o.updates; ++u) {
    Rng rng(derive_seed(options_.ppo.seed, {kTagVae, static_cast<uint64_t>(batch.iteration),
                                            static_cast<uint64_t>(u)}));
    const VaeLoss l = vae_loss(agent_, replay_.sample(o.batch_trials, rng),
                               batch.buffer.layout, o, rng, device_);
    vae_optimizer_.zero_grad();
    l.total.backward();
    if (o.max_grad_norm > 0) torch::nn::utils::clip_grad_norm_(params, o.max_grad_norm);
    vae_optimizer_.step();
    // No gradient left behind: PPO's next update then sees these parameters as a resumed
    // run does (its gradient-norm clip would otherwise sum their zeros in, and round apart).
    for (auto p : params) p.mutable_grad() = torch::Tensor();
    loss += l.total.item<double>() / o.updates;
    reward += l.reward / o.updates;
    kl += l.kl / o.updates;
    state += l.state / o.updates;
  }
  stats.values.insert(stats.values.end(), {loss, reward, kl, state});
  return stats;
}

void VariBadLearner::require_finite_state() const {
  ppo_.require_finite_state();
  htrmrl::require_finite_state(agent_, vae_optimizer_);
}

void VariBadLearner::save(torch::serialize::OutputArchive& archive) const {
  ppo_.save(archive);
  torch::serialize::OutputArchive optim, replay;
  vae_optimizer_.save(optim);
  archive.write("vae_optimizer", optim);
  replay_.save(replay);
  archive.write("vae_replay", replay);
}

void VariBadLearner::load(torch::serialize::InputArchive& archive) {
  ppo_.load(archive);
  torch::serialize::InputArchive optim, replay;
  archive.read("vae_optimizer", optim);
  vae_optimizer_.load(optim);
  archive.read("vae_replay", replay);
  replay_.load(replay);
}

}  // namespace htrmrl
