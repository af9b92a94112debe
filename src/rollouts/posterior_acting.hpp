// The acting of a posterior-sampling agent (PEARL, models/pearl_agent.hpp): each trial draws
// a task latent z when it opens an episode and keeps it for the whole episode. In its first
// pearl.prior_episodes episodes z comes from the prior N(0, I); later, from the posterior
// q(z | c) of every transition the trial has made so far. The draws come from the trial's own
// stream, so a trial's z never depends on how trials are grouped; the policy is then the
// agent's at (current state, z). Meta-test trials act the same way: posterior sampling
// across the trial's episodes, as published.
#pragma once

#include <memory>

#include "models/pearl_agent.hpp"
#include "rollouts/acting.hpp"

namespace htrmrl {

std::unique_ptr<Acting> make_posterior_acting(PearlAgent& agent, int rows,
                                              const ActingOptions& options);

}  // namespace htrmrl
