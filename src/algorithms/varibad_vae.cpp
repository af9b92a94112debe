#include "algorithms/varibad_vae.hpp"

#include <algorithm>
#include <numeric>

#include "common/error.hpp"
#include "models/distribution.hpp"

namespace htrmrl {
namespace {

// min(k, n) distinct indices of [0, n), in draw order (a partial Fisher-Yates shuffle).
std::vector<int64_t> draw_distinct(int64_t n, int64_t k, Rng& rng) {
  std::vector<int64_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  k = std::min(k, n);
  for (int64_t i = 0; i < k; ++i)
    std::swap(all[i], all[i + static_cast<int64_t>(rng.below(n - i))]);
  all.resize(k);
  return all;
}

// The trials' tokens, zero-padded to the longest: [B, T, token_dim].
torch::Tensor padded_tokens(const std::vector<const VaeTrial*>& trials, int d) {
  int64_t longest = 0;
  for (const VaeTrial* t : trials)
    longest = std::max<int64_t>(longest, static_cast<int64_t>(t->tokens.size()) / d);
  auto out = torch::zeros({static_cast<int64_t>(trials.size()), longest, d});
  for (size_t b = 0; b < trials.size(); ++b)
    std::copy(trials[b]->tokens.begin(), trials[b]->tokens.end(), out[b].data_ptr<float>());
  return out;
}

}  // namespace

void VaeReplay::add(const RolloutBuffer& buffer) {
  for (const TrialRecord& trial : buffer.trials) {
    // Step i's transition is the token after its state's, which holds (s', a, r).
    trials_.push_back({trial.tokens, trial.step_end});
    if (static_cast<int>(trials_.size()) > capacity_) trials_.pop_front();
  }
}

std::vector<const VaeTrial*> VaeReplay::sample(int count, Rng& rng) const {
  if (trials_.empty()) throw Error("the VAE's replay holds no trial yet");
  std::vector<const VaeTrial*> out;
  for (int i = 0; i < count; ++i) out.push_back(&trials_[rng.below(trials_.size())]);
  return out;
}

void VaeReplay::save(torch::serialize::OutputArchive& archive) const {
  std::vector<int64_t> token_counts, transition_counts;
  std::vector<float> tokens;
  std::vector<int64_t> transitions;
  for (const VaeTrial& t : trials_) {
    token_counts.push_back(static_cast<int64_t>(t.tokens.size()));
    transition_counts.push_back(static_cast<int64_t>(t.transitions.size()));
    tokens.insert(tokens.end(), t.tokens.begin(), t.tokens.end());
    transitions.insert(transitions.end(), t.transitions.begin(), t.transitions.end());
  }
  auto as_tensor = [](auto& v, torch::Dtype dtype) {
    return torch::from_blob(v.data(), {static_cast<int64_t>(v.size())}, dtype).clone();
  };
  archive.write("token_counts", as_tensor(token_counts, torch::kLong));
  archive.write("transition_counts", as_tensor(transition_counts, torch::kLong));
  archive.write("tokens", as_tensor(tokens, torch::kFloat));
  archive.write("transitions", as_tensor(transitions, torch::kLong));
}

void VaeReplay::load(torch::serialize::InputArchive& archive) {
  torch::Tensor token_counts, transition_counts, tokens, transitions;
  archive.read("token_counts", token_counts);
  archive.read("transition_counts", transition_counts);
  archive.read("tokens", tokens);
  archive.read("transitions", transitions);
  trials_.clear();
  const float* tok = tokens.data_ptr<float>();
  const int64_t* tr = transitions.data_ptr<int64_t>();
  for (int64_t i = 0; i < token_counts.size(0); ++i) {
    const int64_t n = token_counts[i].item<int64_t>(), m = transition_counts[i].item<int64_t>();
    trials_.push_back({std::vector<float>(tok, tok + n), std::vector<int32_t>(tr, tr + m)});
    tok += n;
    tr += m;
  }
}

torch::Tensor gaussian_kl(const Belief& q, const Belief& p) {
  auto q_var = q.log_var.exp(), p_var = p.log_var.exp();
  return 0.5 * (p.log_var - q.log_var + (q_var + (q.mean - p.mean).pow(2)) / p_var - 1).sum(-1);
}

VaeLoss vae_loss(VariBadAgent& agent, const std::vector<const VaeTrial*>& trials,
                 TokenLayout layout, const VaeOptions& options, Rng& rng,
                 const torch::Device& device) {
  const int d = layout.size(), o = layout.obs_dim, a = layout.act_dim, latent = agent.latent();
  // Beliefs after every token of every trial: one batched GRU pass.
  auto tokens = padded_tokens(trials, d).to(device);
  auto states = agent.unroll(tokens, agent.initial_state(tokens.size(0)));
  const Belief beliefs = agent.belief(states);  // [B, T, latent] each
  const Belief prior{torch::zeros({1, latent}, beliefs.mean.options()),
                     torch::zeros({1, latent}, beliefs.mean.options())};
  std::vector<torch::Tensor> reward_errors, state_errors, kls;
  for (size_t b = 0; b < trials.size(); ++b) {
    const VaeTrial& trial = *trials[b];
    const int64_t length = static_cast<int64_t>(trial.tokens.size()) / d;
    // The ELBO terms: the beliefs at drawn time steps, and the ones just before them.
    const auto terms = draw_distinct(length, options.elbo_terms, rng);
    std::vector<int64_t> before;
    for (int64_t t : terms) before.push_back(std::max<int64_t>(t - 1, 0));
    auto at = torch::tensor(terms).to(device), at_before = torch::tensor(before).to(device);
    const Belief q{beliefs.mean[b].index_select(0, at), beliefs.log_var[b].index_select(0, at)};
    auto first = (at == 0).unsqueeze(-1);
    const Belief previous{
        torch::where(first, prior.mean, beliefs.mean[b].index_select(0, at_before)),
        torch::where(first, prior.log_var, beliefs.log_var[b].index_select(0, at_before))};
    kls.push_back(gaussian_kl(q, previous).mean());
    // Each term's latent sample decodes the rewards of drawn transitions of the whole trial.
    const int64_t e = static_cast<int64_t>(terms.size());
    auto z = q.mean + (0.5 * q.log_var).exp() * standard_normal(e, latent, rng).to(device);
    std::vector<int64_t> picked;
    for (int64_t i : draw_distinct(static_cast<int64_t>(trial.transitions.size()),
                                   options.decode_targets, rng))
      picked.push_back(trial.transitions[i]);
    auto target = tokens[b].index_select(0, torch::tensor(picked).to(device));  // [D, d]
    const int64_t n = target.size(0);
    auto predicted = agent.decode_reward(z.unsqueeze(1).expand({e, n, latent}),
                                         target.narrow(-1, 0, o).unsqueeze(0).expand({e, n, o}),
                                         target.narrow(-1, o, a).unsqueeze(0).expand({e, n, a}));
    auto reward = target.select(-1, o + a).unsqueeze(0);
    // Summed over the targets as published, so the published weights carry over.
    reward_errors.push_back((predicted - reward).pow(2).sum(-1).mean());
    // The next states of the same transitions, from the states before them (the tokens
    // before: a transition is never a trial's first token) and the actions.
    if (options.state_coef > 0) {
      std::vector<int64_t> previous_at;
      for (int64_t i : picked) previous_at.push_back(i - 1);
      auto previous = tokens[b].index_select(0, torch::tensor(previous_at).to(device));
      auto next = agent.decode_state(z.unsqueeze(1).expand({e, n, latent}),
                                     previous.narrow(-1, 0, o).unsqueeze(0).expand({e, n, o}),
                                     target.narrow(-1, o, a).unsqueeze(0).expand({e, n, a}));
      auto error = (next - target.narrow(-1, 0, o).unsqueeze(0)).pow(2).sum(-1);
      state_errors.push_back(error.sum(-1).mean());
    }
  }
  auto reward = torch::stack(reward_errors).mean(), kl = torch::stack(kls).mean();
  auto total = options.reward_coef * reward + options.kl_weight * kl;
  double state_error = 0;
  if (!state_errors.empty()) {
    auto state = torch::stack(state_errors).mean();
    total = total + options.state_coef * state;
    state_error = state.item<double>();
  }
  return {total, reward.item<double>(), state_error, kl.item<double>()};
}

}  // namespace htrmrl
