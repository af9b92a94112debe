// Every agent kind in one place. A kind is its name, one line on what it is, the agent.* keys
// it reads, the rules those keys must satisfy for it, how many context slots it reads, its
// factory (which turns the config into the kind's own option struct) and, unless PPO alone
// trains it, its learner's factory. `agent.kind`'s choices,
// its help text, the per-key "read by" notes of `htrmrl train --help`, validation and
// make_agent all come from this table: a new kind is one entry in agent_kinds.cpp plus its
// model files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algorithms/learner.hpp"
#include "algorithms/ppo_learner.hpp"
#include "common/collective.hpp"
#include "models/agent.hpp"
#include "models/baselines.hpp"
#include "models/htrmrl_agent.hpp"
#include "models/maml_agent.hpp"
#include "models/pearl_agent.hpp"
#include "models/rl2_agent.hpp"
#include "models/varibad_agent.hpp"

namespace htrmrl {

struct Config;
struct RunSetup;

struct AgentKind {
  std::string name;
  std::string summary;            // one line for --help
  std::vector<std::string> keys;  // the agent.* keys it reads (agent.kind aside)
  // Its own rules on its keys; throws htrmrl::Error naming the key. Null: none.
  void (*check)(const Config&) = nullptr;
  // False for agents whose state carries the trial (RL^2): they read one slot.
  bool reads_context = true;
  // The agent for contexts of `slots` slots, on the CPU.
  std::shared_ptr<Agent> (*make)(const Config&, TokenLayout, int slots) = nullptr;
  // Its learner for the setup's agent; null: PpoLearner (training/setup.cpp).
  std::unique_ptr<Learner> (*make_learner)(const RunSetup&, Collective* group) = nullptr;
};

// The kinds, in the order --help lists them.
const std::vector<AgentKind>& agent_kinds();
// The kind named `name`; throws htrmrl::Error listing the known kinds.
const AgentKind& find_agent_kind(const std::string& name);
// The kinds that read `key` ("agent.hidden"), comma-separated; empty for keys outside agent.*.
std::string kinds_reading(const std::string& key);

// The kinds' option structs, from a config (also used by tests that build agents directly).
HTrMRLOptions htrmrl_options(const Config& config);
BaselineOptions baseline_options(const Config& config);  // trmrl and flat
Rl2Options rl2_options(const Config& config);
VariBadOptions varibad_options(const Config& config);
MamlAgentOptions maml_options(const Config& config, TokenLayout layout);
PearlAgentOptions pearl_options(const Config& config);
// PPO's learner options from the config (every kind's PPO).
PpoLearnerOptions ppo_learner_options(const Config& config);

}  // namespace htrmrl
