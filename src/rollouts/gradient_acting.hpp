// The acting of a gradient-adapting agent (MAML, models/maml_agent.hpp): every trial starts
// with the meta-parameters; when it opens the episode after its adaptation episodes, the
// inner loop runs on those episodes (their observations and rewards from the trial's memory,
// the raw actions recorded here as the sampler drew them) and the trial plays on with its
// own adapted parameters. The same steps, run by the learner with their graph kept, give
// exactly these parameters: the learner's "old" policy is the one that acted.
#pragma once

#include <memory>

#include "models/maml_agent.hpp"
#include "rollouts/acting.hpp"

namespace htrmrl {

std::unique_ptr<Acting> make_gradient_acting(MamlAgent& agent, int rows,
                                             const ActingOptions& options);

}  // namespace htrmrl
