#include "models/maml_agent.hpp"

namespace htrmrl {

MamlAgent::MamlAgent(const MamlAgentOptions& options)
    : options_(options),
      policy_(register_module("policy", MamlPolicy(options.policy))),
      normalizer_(register_module(
          "normalizer", ObsNormalizer(options.policy.obs_dim, options.normalize_obs))) {}

torch::Tensor MamlAgent::current_observations(const Context& context) const {
  // Windows are right-aligned: the current state is the last token of the current slot.
  const auto current = context.index.select(1, context.slots() - 1);
  const auto last = context.tokens.index_select(0, current).select(1, context.tokens.size(1) - 1);
  return last.narrow(-1, 0, options_.policy.obs_dim);
}

PolicyOutput MamlAgent::forward(const Context& context) {
  const auto obs = normalizer_(current_observations(context));
  PolicyOutput out = policy_->forward(obs);
  return {out.mean, out.log_std.expand_as(out.mean), torch::zeros({obs.size(0)}, obs.options())};
}

torch::Tensor MamlAgent::embed(const Context& context) {
  return policy_->features(normalizer_(current_observations(context)),
                           policy_->meta_parameters());
}

}  // namespace htrmrl
