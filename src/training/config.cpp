#include "training/config.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <variant>

#include "common/error.hpp"
#include "envs/benchmark.hpp"
#include "training/agent_kinds.hpp"

namespace htrmrl {
namespace {

// One configuration key: where it lives, its range or choices, and what it means.
struct Field {
  std::string key;
  std::variant<int*, int64_t*, double*, bool*, std::string*> target;
  std::string help;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  std::vector<std::string> choices;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const AgentKind& k : agent_kinds()) names.push_back(k.name);
  return names;
}

std::string kind_help() {
  std::string help = "the agent:";
  for (const AgentKind& k : agent_kinds()) help += "\n        " + k.name + ": " + k.summary;
  return help;
}

// The table of every key. `c` is the config the fields point into.
std::vector<Field> fields(Config& c) {
  return {
      {"seed", &c.seed, "run seed: every random draw derives from it", 0, kInf},
      {"device", &c.device, "cpu, cuda or cuda:N (needs a CUDA LibTorch)"},
      {"threads", &c.threads, "LibTorch intra-op threads", 1, 256},
      {"env_threads", &c.env_threads, "threads stepping environments (with lanes = 1)", 1, 256},
      {"lanes", &c.lanes,
       "threads that each act for a share of the trials and step its environments (context "
       "agents; same numbers as one lane up to float rounding; keep lanes x threads within "
       "the machine's cores; needs env_threads = 1)",
       1, 256},
      {"cached_acting", &c.cached_acting,
       "act on cached past-sequence summaries (htrmrl; equal to re-encoding every slot each "
       "step up to float rounding)"},
      {"overlap_stepping", &c.overlap_stepping,
       "step half of the environments on a background thread while computing the other "
       "half's actions (context agents; same numbers either way)"},
      {"env.benchmark", &c.env.benchmark, "benchmark name (see `htrmrl benchmarks`)"},
      {"env.episodes_per_trial", &c.env.episodes_per_trial,
       "episodes per trial; memory is wiped between trials", 1, 1000},
      {"env.suite_version", &c.env.suite_version,
       "the version of the task suite's rules (scenes, randomisation, rewards, success) the run "
       "is made on, e.g. tabletop-1; recorded when a run starts, and a run of another version "
       "is refused on resume and eval. Empty: this build's (see `htrmrl benchmarks`)"},
      {"agent.kind", &c.agent.kind, kind_help(), -kInf, kInf, false, kind_names()},
      {"agent.episodes", &c.agent.episodes, "K: sequences per context, the current one included",
       1, 10000},
      {"agent.seq_len", &c.agent.seq_len, "S: transitions per sequence", 1, 10000},
      {"agent.t1_blocks", &c.agent.t1_blocks, "encoder blocks in T1 (intra-episode)", 1, 64},
      {"agent.t2_blocks", &c.agent.t2_blocks, "encoder blocks in T2 (inter-episode)", 1, 64},
      {"agent.blocks", &c.agent.blocks, "encoder blocks of the single stack", 1, 64},
      {"agent.causal", &c.agent.causal,
       "causal attention: a token sees itself and earlier tokens only (never in htrmrl's T2)"},
      {"agent.init", &c.agent.init,
       "weight initialisation: LibTorch defaults, or T-Fixup (for layer_norm = none)", -kInf,
       kInf, false, {"default", "t_fixup"}},
      {"agent.d_model", &c.agent.d_model, "transformer width", 1, 8192},
      {"agent.heads", &c.agent.heads, "attention heads (must divide d_model)", 1, 256},
      {"agent.ff_dim", &c.agent.ff_dim, "feed-forward width", 1, 65536},
      {"agent.dropout", &c.agent.dropout, "dropout in the encoder blocks", 0, 0.99},
      {"agent.layer_norm", &c.agent.layer_norm, "layer norm placement", -kInf, kInf, false,
       {"pre", "post", "none"}},
      {"agent.use_state", &c.agent.use_state,
       "policy reads phi2(s) beside z_task or the encoder summary (false = HTrMRL*; TrMRL as "
       "published: false)"},
      {"agent.sampling", &c.agent.sampling,
       "one sequence per past episode, or K-1 from random past episodes", -kInf, kInf, false,
       {"per_episode", "random_episodes"}},
      {"agent.resample", &c.agent.resample, "draw past sequences once per episode or every step",
       -kInf, kInf, false, {"episode", "step"}},
      {"agent.value_input", &c.agent.value_input,
       "value head input: the policy's features, or the state alone (TrMRL as published)",
       -kInf, kInf, false,
       {"shared", "state"}},
      {"agent.hidden", &c.agent.hidden,
       "hidden width of the policy and value heads (pearl: of every network)", 1, 65536},
      {"agent.init_std", &c.agent.init_std, "initial action standard deviation", 0, kInf, true},
      {"agent.rnn_hidden", &c.agent.rnn_hidden, "GRU state size (the heads read it)", 1,
       65536},
      {"agent.bptt", &c.agent.bptt,
       "truncated back-propagation through time over trial segments of this many tokens "
       "(segment-start states recomputed each epoch)",
       1, 1000000},
      {"agent.latent_dim", &c.agent.latent_dim,
       "dimension of the task latent (varibad's belief, pearl's z)", 1, 1024},
      {"vae.lr", &c.vae.lr, "VariBAD's VAE: Adam learning rate", 0, 1, true},
      {"vae.kl_weight", &c.vae.kl_weight,
       "VariBAD's VAE: weight of the KL from each belief to the one before", 0, kInf},
      {"vae.reward_coef", &c.vae.reward_coef,
       "VariBAD's VAE: weight of the reward reconstruction", 0, kInf},
      {"vae.state_coef", &c.vae.state_coef,
       "VariBAD's VAE: weight of the next-state reconstruction (0: no state decoder)", 0, kInf},
      {"vae.updates", &c.vae.updates, "VariBAD's VAE: steps after each PPO update", 0,
       100000},
      {"vae.batch_trials", &c.vae.batch_trials, "VariBAD's VAE: replayed trials per step", 1,
       100000},
      {"vae.elbo_terms", &c.vae.elbo_terms,
       "VariBAD's VAE: ELBO terms (time steps) drawn per trial, all when fewer", 1, 1000000},
      {"vae.decode_targets", &c.vae.decode_targets,
       "VariBAD's VAE: transitions whose rewards each term decodes, all when fewer", 1,
       1000000},
      {"vae.replay_trials", &c.vae.replay_trials,
       "VariBAD's VAE: the most recent trials it learns from (saved in checkpoints)", 1,
       10000000},
      {"vae.max_grad_norm", &c.vae.max_grad_norm,
       "VariBAD's VAE: gradient norm clip of the encoder and decoder (0 = off)", 0, kInf},
      {"maml.adaptation_episodes", &c.maml.adaptation_episodes,
       "MAML: episodes at each trial's start played by the meta-policy; the inner loop then "
       "adapts on them and the trial's other episodes are played by the adapted policy (must "
       "equal eval.adaptation_episodes)",
       1, 1000},
      {"maml.inner_lr", &c.maml.inner_lr, "MAML: the inner step size", 0, kInf, true},
      {"maml.inner_steps", &c.maml.inner_steps,
       "MAML: inner policy-gradient steps, each on the same adaptation episodes", 1, 100},
      {"maml.second_order", &c.maml.second_order,
       "MAML: differentiate through the inner steps' gradients (false: first-order MAML)"},
      {"maml.outer", &c.maml.outer,
       "MAML's outer step: a TRPO step, or ppo.epochs Adam steps on PPO's clipped surrogate",
       -kInf, kInf, false, {"trpo", "ppo"}},
      {"maml.baseline", &c.maml.baseline,
       "MAML: the baseline refit to each task's returns: rllab's linear feature baseline (as "
       "published), or a fresh 2 x 32 tanh value network (garage's Meta-World setting)",
       -kInf, kInf, false, {"linear", "mlp"}},
      {"maml.max_kl", &c.maml.trpo.max_kl, "MAML-TRPO: the trust region's KL radius", 0, kInf,
       true},
      {"maml.cg_iters", &c.maml.trpo.cg_iters, "MAML-TRPO: conjugate-gradient iterations", 1,
       1000},
      {"maml.damping", &c.maml.trpo.damping, "MAML-TRPO: added to the Fisher matrix's diagonal",
       0, kInf},
      {"maml.backtrack_ratio", &c.maml.trpo.backtrack_ratio,
       "MAML-TRPO: the line search's shrink factor", 0, 1, true},
      {"maml.max_backtracks", &c.maml.trpo.max_backtracks,
       "MAML-TRPO: the line search's shrinkings before the step is rejected", 0, 1000},
      {"pearl.prior_episodes", &c.pearl.prior_episodes,
       "PEARL: episodes at each trial's start (training and meta-test) that act with z drawn "
       "from the prior; later episodes draw z from the posterior of the trial's transitions",
       0, 1000},
      {"pearl.context_episodes", &c.pearl.context_episodes,
       "PEARL: a task's context batch is drawn from its newest trial's first this many "
       "episodes (published: the prior-z data)",
       1, 1000},
      {"pearl.encoder_hidden", &c.pearl.encoder_hidden,
       "PEARL: width of the context encoder's 3 ReLU layers", 1, 65536},
      {"pearl.next_obs_in_context", &c.pearl.next_obs_in_context,
       "PEARL: the encoder also reads each transition's next state"},
      {"pearl.lr", &c.pearl.lr, "PEARL: Adam learning rate of every network", 0, 1, true},
      {"pearl.gamma", &c.pearl.gamma, "PEARL: discount", 0, 1},
      {"pearl.tau", &c.pearl.tau, "PEARL: the target V's tracking rate", 0, 1, true},
      {"pearl.reward_scale", &c.pearl.reward_scale,
       "PEARL: rewards' factor in the Bellman target (the inverse temperature when "
       "pearl.entropy = \"fixed\")",
       0, kInf, true},
      {"pearl.kl_weight", &c.pearl.kl_weight,
       "PEARL: weight of the posterior's KL to the prior in the encoder's loss", 0, kInf},
      {"pearl.entropy", &c.pearl.entropy,
       "PEARL: temperature alpha = 1 (the reward scale sets the trade-off, as published), or "
       "learned toward an entropy of -act_dim",
       -kInf, kInf, false, {"fixed", "auto"}},
      {"pearl.gradient_steps", &c.pearl.gradient_steps,
       "PEARL: SAC steps after each iteration's rollout", 1, 10000000},
      {"pearl.meta_batch", &c.pearl.meta_batch, "PEARL: tasks per SAC step", 1, 100000},
      {"pearl.batch", &c.pearl.batch, "PEARL: replayed transitions per task and step", 1,
       1000000},
      {"pearl.context_batch", &c.pearl.context_batch,
       "PEARL: context transitions per task and step", 1, 1000000},
      {"pearl.replay_trials", &c.pearl.replay_trials,
       "PEARL: trials kept per task, the oldest dropped first (saved in checkpoints)", 1,
       10000000},
      {"ppo.trials_per_iter", &c.ppo.trials_per_iter, "trials (one task each) per iteration", 1,
       100000},
      {"ppo.epochs", &c.ppo.epochs, "passes over each iteration's data", 1, 1000},
      {"ppo.minibatches", &c.ppo.minibatches, "minibatches per epoch", 1, 1000000},
      {"ppo.workers", &c.ppo.workers,
       "threads that evaluate and differentiate parts of each minibatch side by side (keep "
       "workers x threads within the machine's cores; needs agent.dropout = 0)",
       1, 1024},
      {"ppo.lr", &c.ppo.lr, "Adam learning rate", 0, 1, true},
      {"ppo.adam_eps", &c.ppo.adam_eps, "Adam epsilon", 0, 1, true},
      {"ppo.anneal_lr", &c.ppo.anneal_lr, "decay lr linearly to 0 over the run"},
      {"ppo.target_kl", &c.ppo.target_kl,
       "stop an iteration's update once a minibatch's KL exceeds 1.5x this (0 = never)", 0,
       kInf},
      {"ppo.gamma", &c.ppo.gamma, "discount", 0, 1},
      {"ppo.gae_lambda", &c.ppo.gae_lambda, "GAE lambda", 0, 1},
      {"ppo.clip", &c.ppo.clip, "surrogate clip range", 0, 1, true},
      {"ppo.value_coef", &c.ppo.value_coef, "value loss weight", 0, kInf},
      {"ppo.entropy_coef", &c.ppo.entropy_coef, "entropy bonus weight", 0, kInf},
      {"ppo.max_grad_norm", &c.ppo.max_grad_norm, "gradient norm clip (0 = off)", 0, kInf},
      {"ppo.normalize_advantages", &c.ppo.normalize_advantages,
       "standardise advantages per minibatch"},
      {"ppo.normalize_obs", &c.ppo.normalize_obs, "running mean/std observation normalisation"},
      {"ppo.scale_rewards", &c.ppo.scale_rewards,
       "divide rewards by a running std of the discounted return, over all tasks or per task "
       "family (the agent's tokens keep the raw rewards)",
       -kInf, kInf, false, {"off", "global", "per_task"}},
      {"train.total_env_steps", &c.train.total_env_steps, "meta-training budget in env steps",
       1, kInf},
      {"train.checkpoint_every", &c.train.checkpoint_every, "iterations between checkpoints", 1,
       1000000},
      {"train.eval_at_end", &c.train.eval_at_end,
       "meta-test after the final iteration (evaluations.jsonl and eval.json), whether or not "
       "eval.every divides it"},
      {"eval.trials", &c.eval.trials, "meta-test trials per task variation", 1, 100000},
      {"eval.deterministic", &c.eval.deterministic, "meta-test with the policy mean"},
      {"eval.adaptation_episodes", &c.eval.adaptation_episodes,
       "episodes at the start of each meta-test trial that only adapt (Meta-World: 10)", 0,
       1000},
      {"eval.evaluation_episodes", &c.eval.evaluation_episodes,
       "episodes after them, same memory, whose success is the headline figure (Meta-World: 3)",
       1, 1000},
      {"eval.every", &c.eval.every,
       "meta-test every this many iterations during training, into evaluations.jsonl (0 = only "
       "after the final iteration)",
       0, 1000000},
      {"eval.train_split", &c.eval.train_split,
       "evaluations also meta-test the training variations the same way (meta-train success)"},
      {"dist.timeout_s", &c.dist.timeout_s,
       "data-parallel runs (WORLD_SIZE > 1): seconds a rank waits for its peers (rendezvous, "
       "every collective) before failing; must exceed the time ranks can drift apart in one "
       "iteration",
       0, 86400, true},
  };
}

const char* type_name(const Field& f) {
  switch (f.target.index()) {
    case 0:
    case 1: return "integer";
    case 2: return "number";
    case 3: return "boolean";
    default: return "string";
  }
}

std::string format_number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

std::string value_text(const Field& f) {
  return std::visit(
      [](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) return "\"" + *p + "\"";
        else if constexpr (std::is_same_v<T, bool>) return *p ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return format_number(*p);
        else return std::to_string(*p);
      },
      f.target);
}

// Stores a TOML node into the field, or throws naming the key and the expected type.
void assign(const Field& f, const toml::node& node, const std::string& origin) {
  auto wrong = [&] {
    return Error(origin + ": config key '" + f.key + "' must be " + type_name(f));
  };
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!node.is_string()) throw wrong();
          *p = **node.as_string();
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!node.is_boolean()) throw wrong();
          *p = **node.as_boolean();
        } else if constexpr (std::is_same_v<T, double>) {
          if (node.is_integer()) *p = static_cast<double>(**node.as_integer());
          else if (node.is_floating_point()) *p = **node.as_floating_point();
          else throw wrong();
        } else {
          if (!node.is_integer()) throw wrong();
          const int64_t v = **node.as_integer();
          if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
            throw Error(origin + ": config key '" + f.key + "' is out of range");
          *p = static_cast<T>(v);
        }
      },
      f.target);
}

// Walks a table; every leaf must be a known key.
void read_table(const toml::table& table, const std::string& prefix, std::vector<Field>& all,
                const std::string& origin) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      read_table(*sub, key, all, origin);
      continue;
    }
    auto it = std::find_if(all.begin(), all.end(), [&](const Field& f) { return f.key == key; });
    if (it == all.end()) throw Error(origin + ": unknown config key '" + key + "'");
    assign(*it, node, origin);
  }
}

void check_range(const Field& f) {
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (f.choices.empty()) return;
          if (std::find(f.choices.begin(), f.choices.end(), *p) != f.choices.end()) return;
          std::string list;
          for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
          throw Error("config key '" + f.key + "' must be one of " + list + ", got '" + *p + "'");
        } else if constexpr (!std::is_same_v<T, bool>) {
          const double v = static_cast<double>(*p);
          const bool low = f.min_exclusive ? v <= f.min : v < f.min;
          if (std::isnan(v) || low || v > f.max) {
            std::string range = (f.min_exclusive ? "> " : ">= ") + format_number(f.min);
            if (f.max != kInf) range += " and <= " + format_number(f.max);
            throw Error("config key '" + f.key + "' must be " + range + ", got " +
                        format_number(v));
          }
        }
      },
      f.target);
}

}  // namespace

MemoryOptions Config::memory() const {
  MemoryOptions m;
  m.episodes = agent.episodes;
  m.seq_len = agent.seq_len;
  m.sampling = parse_sampling(agent.sampling);
  m.resample = parse_resample(agent.resample);
  return m;
}

void validate(const Config& config) {
  Config copy = config;
  for (const Field& f : fields(copy)) check_range(f);
  if (!has_benchmark(config.env.benchmark)) {
    std::string known;
    for (const auto& n : benchmark_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("config key 'env.benchmark': unknown benchmark '" + config.env.benchmark +
                "' (known: " + known + ")");
  }
  if (const auto check = find_agent_kind(config.agent.kind).check) check(config);
  // Dropout draws from LibTorch's one generator: worker threads would draw in timing order.
  if (config.ppo.workers > 1 && config.agent.dropout > 0)
    throw Error("config key 'ppo.workers' must be 1 when agent.dropout > 0 (the workers' "
                "dropout masks would depend on thread timing), got " +
                std::to_string(config.ppo.workers));
  // A lane steps its environments itself; a shared pool would be called from every lane.
  if (config.lanes > 1 && config.env_threads > 1)
    throw Error("config keys 'lanes' (" + std::to_string(config.lanes) + ") and 'env_threads' (" +
                std::to_string(config.env_threads) +
                ") cannot both exceed 1: each lane steps its own environments");
  const std::string& d = config.device;
  if (d != "cpu" && d != "cuda" && d.rfind("cuda:", 0) != 0)
    throw Error("config key 'device' must be cpu, cuda or cuda:N, got '" + d + "'");
}

Config parse_config(const std::string& text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ": " << e.description();
    throw Error(msg.str());
  }
  Config config;
  auto all = fields(config);
  read_table(table, "", all, origin);
  validate(config);
  return config;
}

Config load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read config file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

Config load_run_config(const std::string& dir) {
  Config config = load_config(dir + "/config.toml");
  if (config.env.suite_version.empty()) {
    const std::string now =
        make_benchmark(config.env.benchmark, static_cast<uint64_t>(config.seed)).suite_version;
    config.env.suite_version = now.substr(0, now.rfind('-')) + "-1";
  }
  return config;
}

void apply_override(Config& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("--set expects key=value, got '" + assignment + "'");
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  auto all = fields(config);
  auto it = std::find_if(all.begin(), all.end(), [&](const Field& f) { return f.key == key; });
  if (it == all.end()) throw Error("--set: unknown config key '" + key + "'");
  // Strings may be given bare (env.benchmark=point-robot); everything else is TOML.
  if (std::holds_alternative<std::string*>(it->target) && (value.empty() || value[0] != '"')) {
    *std::get<std::string*>(it->target) = value;
    validate(config);
    return;
  }
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    throw Error("--set: config key '" + key + "' must be " + type_name(*it) + ", got '" +
                value + "'");
  }
  assign(*it, *parsed.get("v"), "--set");
  validate(config);
}

std::string to_toml(const Config& config) {
  Config copy = config;
  toml::table root;
  for (const Field& f : fields(copy)) {
    // Rebuild nested tables from the dotted key.
    toml::table* table = &root;
    std::string key = f.key;
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
      const std::string section = key.substr(0, dot);
      if (!table->contains(section)) table->insert(section, toml::table{});
      table = table->get_as<toml::table>(section);
      key = key.substr(dot + 1);
    }
    std::visit([&](auto* p) { table->insert(key, *p); }, f.target);
  }
  std::ostringstream out;
  out << "# Fully resolved htrmrl configuration (every key, defaults included).\n" << root << "\n";
  return out.str();
}

std::vector<std::string> config_keys() {
  Config defaults;
  std::vector<std::string> keys;
  for (const Field& f : fields(defaults)) keys.push_back(f.key);
  return keys;
}

std::string describe_keys() {
  Config defaults;
  std::ostringstream out;
  for (const Field& f : fields(defaults)) {
    out << "  " << f.key << " (" << type_name(f) << ", default " << value_text(f) << ")\n      "
        << f.help;
    if (const std::string kinds = kinds_reading(f.key); !kinds.empty())
      out << " (read by " << kinds << ")";
    if (!f.choices.empty()) {
      out << " [";
      for (size_t i = 0; i < f.choices.size(); ++i) out << (i ? "|" : "") << f.choices[i];
      out << "]";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace htrmrl
