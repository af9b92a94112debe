// The meta-test protocol, as Meta-World defines it: every task variation gets fresh-memory
// trials of adaptation episodes followed by evaluation episodes, memory carried across all
// of them; the headline figure is the success rate over the evaluation episodes.
#pragma once

namespace htrmrl {

struct EvalProtocol {
  int trials = 1;                 // fresh-memory trials per task variation
  int adaptation_episodes = 10;   // Meta-World's default
  int evaluation_episodes = 3;    // Meta-World's default
  bool deterministic = true;      // act with the policy mean
  int episodes() const { return adaptation_episodes + evaluation_episodes; }
};

}  // namespace htrmrl
