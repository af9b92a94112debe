#include "training/agent_kinds.hpp"

#include <algorithm>

#include "algorithms/maml_learner.hpp"
#include "algorithms/pearl_learner.hpp"
#include "algorithms/varibad_learner.hpp"
#include "common/error.hpp"
#include "training/config.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

// Keys every kind's policy and value heads read.
const std::vector<std::string> kHeadKeys = {"agent.use_state", "agent.value_input",
                                            "agent.hidden", "agent.init_std"};
// Keys of a transformer stack over a context (agent.blocks or t1/t2_blocks aside).
const std::vector<std::string> kTransformerKeys = {
    "agent.episodes", "agent.seq_len", "agent.causal",     "agent.init",
    "agent.d_model",  "agent.heads",   "agent.ff_dim",     "agent.dropout",
    "agent.layer_norm"};
// Keys choosing which past sequences fill a context of more than one slot.
const std::vector<std::string> kSamplingKeys = {"agent.sampling", "agent.resample"};

std::vector<std::string> join(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

HeadOptions head_options(const Config& c) {
  return {c.agent.use_state, parse_value_input(c.agent.value_input), c.agent.hidden,
          c.agent.init_std};
}

EncoderOptions encoder_options(const Config& c) {
  EncoderOptions o;
  o.d_model = c.agent.d_model;
  o.heads = c.agent.heads;
  o.ff_dim = c.agent.ff_dim;
  o.dropout = c.agent.dropout;
  o.norm = parse_norm(c.agent.layer_norm);
  o.causal = c.agent.causal;
  return o;
}

void check_heads_divide_width(const Config& c) {
  if (c.agent.d_model % c.agent.heads != 0)
    throw Error("config key 'agent.heads' (" + std::to_string(c.agent.heads) +
                ") must divide agent.d_model (" + std::to_string(c.agent.d_model) + ")");
}

void check_trmrl(const Config& c) {
  check_heads_divide_width(c);
  // TrMRL's memory is the current episode alone: refuse K > 1 rather than change it silently.
  if (c.agent.episodes != 1)
    throw Error("config key 'agent.episodes' must be 1 when agent.kind = \"trmrl\" (TrMRL "
                "reads only the current episode's last agent.seq_len transitions), got " +
                std::to_string(c.agent.episodes));
}

// MAML adapts at one fixed episode of every trial, with a sampled-action policy gradient.
void check_maml(const Config& c) {
  const int adapt = c.maml.adaptation_episodes;
  if (adapt >= c.env.episodes_per_trial)
    throw Error("config key 'maml.adaptation_episodes' (" + std::to_string(adapt) +
                ") must be below env.episodes_per_trial (" +
                std::to_string(c.env.episodes_per_trial) +
                "): MAML's outer step learns from the episodes played after adaptation");
  if (c.eval.adaptation_episodes != adapt)
    throw Error("config key 'eval.adaptation_episodes' (" +
                std::to_string(c.eval.adaptation_episodes) +
                ") must equal maml.adaptation_episodes (" + std::to_string(adapt) +
                ") when agent.kind = \"maml\": the meta-test adapts where training did");
  if (c.eval.deterministic)
    throw Error("config key 'eval.deterministic' must be false when agent.kind = \"maml\": "
                "its adaptation is a policy gradient on sampled actions (the mode's has none)");
}

// PEARL's prior and context episodes lie within a trial.
void check_pearl(const Config& c) {
  const int episodes = c.env.episodes_per_trial;
  if (c.pearl.prior_episodes >= episodes)
    throw Error("config key 'pearl.prior_episodes' (" + std::to_string(c.pearl.prior_episodes) +
                ") must be below env.episodes_per_trial (" + std::to_string(episodes) +
                "): the episodes after them are where the posterior acts");
  if (c.pearl.context_episodes > episodes)
    throw Error("config key 'pearl.context_episodes' (" +
                std::to_string(c.pearl.context_episodes) +
                ") must not exceed env.episodes_per_trial (" + std::to_string(episodes) + ")");
}

std::shared_ptr<Agent> make_htrmrl(const Config& c, TokenLayout layout, int) {
  return std::make_shared<HTrMRLAgent>(htrmrl_options(c), layout, c.agent.seq_len);
}
std::shared_ptr<Agent> make_trmrl(const Config& c, TokenLayout layout, int) {
  return std::make_shared<TrMRLAgent>(baseline_options(c), layout, c.agent.seq_len);
}
std::shared_ptr<Agent> make_flat(const Config& c, TokenLayout layout, int slots) {
  return std::make_shared<FlatAgent>(baseline_options(c), layout, c.agent.seq_len, slots);
}
std::shared_ptr<Agent> make_rl2(const Config& c, TokenLayout layout, int) {
  return std::make_shared<Rl2Agent>(rl2_options(c), layout);
}
std::shared_ptr<Agent> make_varibad(const Config& c, TokenLayout layout, int) {
  return std::make_shared<VariBadAgent>(varibad_options(c), layout);
}

std::shared_ptr<Agent> make_maml(const Config& c, TokenLayout layout, int) {
  return std::make_shared<MamlAgent>(maml_options(c, layout));
}

std::shared_ptr<Agent> make_pearl(const Config& c, TokenLayout layout, int) {
  return std::make_shared<PearlAgent>(pearl_options(c), layout);
}

std::unique_ptr<Learner> make_pearl_learner(const RunSetup& setup, Collective* group) {
  if (group)
    throw Error("agent.kind = \"pearl\" trains in one process: its SAC steps have no "
                "data-parallel path (run without WORLD_SIZE > 1)");
  const Config& c = setup.config;
  return std::make_unique<PearlLearner>(
      dynamic_cast<PearlAgent&>(*setup.agent), c.pearl,
      static_cast<int>(setup.benchmark.train_tasks.size()), static_cast<uint64_t>(c.seed),
      setup.device);
}

std::unique_ptr<Learner> make_maml_learner(const RunSetup& setup, Collective* group) {
  if (group)
    throw Error("agent.kind = \"maml\" trains in one process: its outer step has no "
                "data-parallel path (run without WORLD_SIZE > 1)");
  const Config& c = setup.config;
  MamlLearnerOptions o;
  o.outer = c.maml.outer;
  o.second_order = c.maml.second_order;
  o.trpo = c.maml.trpo;
  o.lr = c.ppo.lr;
  o.adam_eps = c.ppo.adam_eps;
  o.clip = c.ppo.clip;
  o.epochs = c.ppo.epochs;
  o.max_grad_norm = c.ppo.max_grad_norm;
  return std::make_unique<MamlLearner>(dynamic_cast<MamlAgent&>(*setup.agent), o, setup.device);
}

std::unique_ptr<Learner> make_varibad_learner(const RunSetup& setup, Collective* group) {
  if (group)
    throw Error("agent.kind = \"varibad\" trains in one process: its VAE update has no "
                "data-parallel path (run without WORLD_SIZE > 1)");
  return std::make_unique<VariBadLearner>(
      dynamic_cast<VariBadAgent&>(*setup.agent),
      VariBadLearnerOptions{ppo_learner_options(setup.config), setup.config.vae},
      task_families(setup.benchmark.train_tasks), setup.device);
}

}  // namespace

const std::vector<AgentKind>& agent_kinds() {
  static const std::vector<AgentKind> kinds = {
      {"htrmrl", "HTrMRL: T1 summarises each past sequence, T2 relates the summaries",
       join({kTransformerKeys, kSamplingKeys, {"agent.t1_blocks", "agent.t2_blocks"}, kHeadKeys}),
       check_heads_divide_width, true, make_htrmrl},
      {"trmrl",
       "TrMRL: one causal stack over the current episode's last S transitions (agent.episodes "
       "= 1)",
       join({kTransformerKeys, {"agent.blocks"}, kHeadKeys}), check_trmrl, true, make_trmrl},
      {"flat", "one stack over all K*S transitions HTrMRL reads (the cost comparison)",
       join({kTransformerKeys, kSamplingKeys, {"agent.blocks"}, kHeadKeys}),
       check_heads_divide_width, true, make_flat},
      {"rl2", "RL^2: a GRU over every token of the trial, its state reset between trials",
       join({{"agent.rnn_hidden", "agent.bptt"}, kHeadKeys}), nullptr, false, make_rl2},
      {"varibad",
       "VariBAD: a GRU encoder's Gaussian belief over a task latent, trained as a VAE that "
       "decodes the trial's rewards (vae.*); PPO's policy reads the state and the belief",
       join({{"agent.rnn_hidden", "agent.latent_dim", "agent.bptt"}, kHeadKeys}), nullptr,
       false, make_varibad, make_varibad_learner},
      {"maml",
       "MAML: a Gaussian MLP (2 tanh layers of agent.hidden) on the state alone, adapted by "
       "maml.inner_steps policy-gradient steps after each trial's first "
       "maml.adaptation_episodes episodes; outer step TRPO or PPO through them (maml.*)",
       {"agent.hidden", "agent.init_std"}, check_maml, false, make_maml, make_maml_learner},
      {"pearl",
       "PEARL: soft actor-critic (twin Q, V, tanh-Gaussian policy; 3 ReLU layers of "
       "agent.hidden) on the state and a task latent z of agent.latent_dim, whose posterior "
       "a context encoder infers from transitions (product of Gaussians); off-policy from "
       "per-task replays (pearl.*)",
       {"agent.hidden", "agent.latent_dim"}, check_pearl, false, make_pearl,
       make_pearl_learner},
  };
  return kinds;
}

const AgentKind& find_agent_kind(const std::string& name) {
  for (const AgentKind& k : agent_kinds())
    if (k.name == name) return k;
  std::string known;
  for (const AgentKind& k : agent_kinds()) known += (known.empty() ? "" : ", ") + k.name;
  throw Error("config key 'agent.kind': unknown agent '" + name + "' (known: " + known + ")");
}

std::string kinds_reading(const std::string& key) {
  std::string out;
  for (const AgentKind& k : agent_kinds())
    if (std::find(k.keys.begin(), k.keys.end(), key) != k.keys.end())
      out += (out.empty() ? "" : ", ") + k.name;
  return out;
}

HTrMRLOptions htrmrl_options(const Config& c) {
  HTrMRLOptions o;
  o.t1 = o.t2 = encoder_options(c);
  o.t2.causal = false;  // T2 stays bidirectional: its inputs have no order
  o.t1.blocks = c.agent.t1_blocks;
  o.t2.blocks = c.agent.t2_blocks;
  const HeadOptions heads = head_options(c);
  o.use_state = heads.use_state;
  o.value_input = heads.value_input;
  o.hidden = heads.hidden;
  o.init_std = heads.init_std;
  o.normalize_obs = c.ppo.normalize_obs;
  o.init = parse_init(c.agent.init);
  return o;
}

BaselineOptions baseline_options(const Config& c) {
  BaselineOptions o;
  o.encoder = encoder_options(c);
  o.encoder.blocks = c.agent.blocks;
  o.heads = head_options(c);
  // TrMRL's published embedding has no bias; the flat baseline embeds like HTrMRL's phi1.
  o.embedding_bias = c.agent.kind != "trmrl";
  o.normalize_obs = c.ppo.normalize_obs;
  o.init = parse_init(c.agent.init);
  return o;
}

VariBadOptions varibad_options(const Config& c) {
  VariBadOptions o;
  o.hidden = c.agent.rnn_hidden;
  o.latent = c.agent.latent_dim;
  o.heads = head_options(c);
  o.normalize_obs = c.ppo.normalize_obs;
  o.decode_states = c.vae.state_coef > 0;
  return o;
}

MamlAgentOptions maml_options(const Config& c, TokenLayout layout) {
  MamlAgentOptions o;
  o.policy.obs_dim = layout.obs_dim;
  o.policy.act_dim = layout.act_dim;
  o.policy.hidden = {c.agent.hidden, c.agent.hidden};
  o.policy.init_std = c.agent.init_std;
  o.adaptation = {c.maml.adaptation_episodes, c.maml.inner_lr, c.maml.inner_steps, c.ppo.gamma,
                  c.maml.baseline == "mlp" ? MamlBaseline::mlp : MamlBaseline::linear,
                  static_cast<uint64_t>(c.seed)};
  o.normalize_obs = c.ppo.normalize_obs;
  return o;
}

PearlAgentOptions pearl_options(const Config& c) {
  PearlAgentOptions o;
  o.latent = c.agent.latent_dim;
  o.hidden = c.agent.hidden;
  o.encoder_hidden = c.pearl.encoder_hidden;
  o.next_obs_in_context = c.pearl.next_obs_in_context;
  o.prior_episodes = c.pearl.prior_episodes;
  o.normalize_obs = c.ppo.normalize_obs;
  return o;
}

PpoLearnerOptions ppo_learner_options(const Config& c) {
  PpoLearnerOptions options;
  options.ppo = c.ppo_options();
  options.lr = c.ppo.lr;
  options.adam_eps = c.ppo.adam_eps;
  options.anneal_lr = c.ppo.anneal_lr;
  options.scale_rewards = parse_reward_scaling(c.ppo.scale_rewards);
  options.seed = static_cast<uint64_t>(c.seed);
  return options;
}

Rl2Options rl2_options(const Config& c) {
  Rl2Options o;
  o.hidden = c.agent.rnn_hidden;
  o.heads = head_options(c);
  o.normalize_obs = c.ppo.normalize_obs;
  return o;
}

}  // namespace htrmrl
