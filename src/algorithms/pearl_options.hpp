// PEARL's options (the config's [pearl] table), apart from its learner so that the config
// does not depend on the networks (algorithms/pearl_learner.hpp says what each step does).
#pragma once

#include <string>

namespace htrmrl {

// The [pearl] table. Defaults are the published ones (oyster's configs/default.py) but for
// gradient_steps, which is per iteration here: published, 2,000 steps per 4,000 collected
// transitions; the built-in trials collect 2,560 per iteration.
struct PearlOptions {
  int prior_episodes = 1;     // episodes at each trial's start acting with z from the prior
  int context_episodes = 1;   // a task's context batch comes from its newest trial's first ones
  int encoder_hidden = 200;   // the context encoder's width (3 ReLU layers)
  bool next_obs_in_context = false;
  double lr = 3e-4;           // every optimiser's (Adam)
  double gamma = 0.99;
  double tau = 0.005;         // target V tracking rate
  double reward_scale = 5.0;
  double kl_weight = 0.1;
  std::string entropy = "fixed";  // "fixed" (alpha = 1) or "auto" (learned alpha)
  int gradient_steps = 1000;  // per iteration
  int meta_batch = 16;        // tasks per step
  int batch = 256;            // RL transitions per task and step
  int context_batch = 64;     // context transitions per task and step
  int replay_trials = 1000;   // trials kept per task (saved in checkpoints)
};

}  // namespace htrmrl
