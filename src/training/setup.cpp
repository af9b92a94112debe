#include "training/setup.hpp"

#include <algorithm>

#include "algorithms/ppo_learner.hpp"
#include "common/error.hpp"
#include "common/rng.hpp"
#include "common/runtime.hpp"
#include "training/agent_kinds.hpp"

namespace htrmrl {
namespace {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (!torch::cuda::is_available())
    throw Error("device '" + name + "' requested, but this LibTorch build has no usable CUDA");
  return torch::Device(name);
}

}  // namespace

std::vector<int> task_families(const std::vector<Task>& tasks) {
  std::vector<std::string> names;
  std::vector<int> out;
  for (const Task& t : tasks) {
    auto it = std::find(names.begin(), names.end(), t.family);
    if (it == names.end()) it = names.insert(names.end(), t.family);
    out.push_back(static_cast<int>(it - names.begin()));
  }
  return out;
}

std::shared_ptr<Agent> make_agent(const Config& config, TokenLayout layout, int slots) {
  return find_agent_kind(config.agent.kind).make(config, layout, slots);
}

RunSetup make_setup(const Config& config) {
  validate(config);
  RunSetup s;
  s.config = config;
  s.device = parse_device(config.device);
  configure_runtime(config.threads);
  s.benchmark = make_benchmark(config.env.benchmark, static_cast<uint64_t>(config.seed));
  // A run's numbers and checkpoints mean the same thing only under the same task rules.
  const std::string& made_on = config.env.suite_version;
  if (!made_on.empty() && made_on != s.benchmark.suite_version)
    throw Error("config key 'env.suite_version': the run was made on " + made_on +
                ", but this build's " + config.env.benchmark + " is " +
                s.benchmark.suite_version +
                " (its scenes, randomisation, rewards or success rules changed since): its "
                "results and checkpoints do not carry over; start a new run");
  s.config.env.suite_version = s.benchmark.suite_version;
  s.layout = {s.benchmark.spec.obs_dim, s.benchmark.spec.act_dim};
  s.slots = context_slots(config.memory(), config.env.episodes_per_trial);
  // A recurrent agent (RL^2) reads no windows: one slot, whose current window's end names
  // each step's token.
  if (!find_agent_kind(config.agent.kind).reads_context) s.slots = 1;
  // Initialisation draws from LibTorch's generator: seed it from the run seed first.
  torch::manual_seed(derive_seed(static_cast<uint64_t>(config.seed), {kTagTorch}));
  s.agent = make_agent(config, s.layout, s.slots);
  s.agent->to(s.device);
  return s;
}

Sampler make_sampler(const RunSetup& setup, int capacity) {
  const Config& c = setup.config;
  return Sampler(setup.benchmark, c.memory(), setup.slots, capacity, setup.device,
                 {c.env_threads, c.cached_acting, c.overlap_stepping, c.lanes});
}

std::unique_ptr<Learner> make_learner(const RunSetup& setup, Collective* group) {
  const AgentKind& kind = find_agent_kind(setup.config.agent.kind);
  if (kind.make_learner) return kind.make_learner(setup, group);
  return std::make_unique<PpoLearner>(*setup.agent, ppo_learner_options(setup.config),
                                      task_families(setup.benchmark.train_tasks), setup.device,
                                      group);
}

}  // namespace htrmrl
