// A run's whole configuration. Every key is declared once in config.cpp's field table,
// which drives parsing, --set overrides, validation, the resolved file and --help.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/maml.hpp"
#include "algorithms/pearl_options.hpp"
#include "algorithms/ppo.hpp"
#include "algorithms/varibad_vae.hpp"
#include "evaluation/protocol.hpp"
#include "memory/trial_memory.hpp"

namespace htrmrl {

struct Config {
  int64_t seed = 1;
  std::string device = "cpu";
  int threads = 1;       // LibTorch intra-op threads
  int env_threads = 1;   // environment stepping pool
  int lanes = 2;         // Sampler: threads each acting and stepping for a share of the trials
  bool cached_acting = true;  // Sampler: encode each drawn past window once (actor.hpp)
  bool overlap_stepping = true;  // Sampler: step half the environments while acting for the rest

  struct Env {
    std::string benchmark = "point-robot-sparse";
    int episodes_per_trial = 4;
    // The suite version (Benchmark::suite_version) a run is made on: recorded in its config
    // when it starts; resume and eval refuse a run of another version. Empty: this build's.
    std::string suite_version;
  } env;

  struct Agent {
    std::string kind = "htrmrl";  // one of agent_kinds() (training/agent_kinds.hpp)
    int episodes = 25;  // K
    int seq_len = 5;    // S
    int t1_blocks = 2;
    int t2_blocks = 2;
    int blocks = 4;     // the single stack of trmrl and flat
    bool causal = false;
    std::string init = "default";
    int d_model = 32;
    int heads = 4;
    int ff_dim = 128;
    double dropout = 0.0;
    std::string layer_norm = "pre";
    bool use_state = true;
    std::string sampling = "per_episode";
    std::string resample = "episode";
    std::string value_input = "shared";
    int hidden = 64;
    double init_std = 0.5;
    int rnn_hidden = 128;  // rl2: GRU state size
    int bptt = 32;         // rl2: truncated-BPTT segment length in tokens
    int latent_dim = 5;    // varibad: the belief's task latent
  } agent;

  // PPO's own options (algorithms/ppo.hpp) plus what the trainer needs around them.
  // (PpoOptions::bptt is not a ppo.* key: ppo_options() fills it from agent.bptt.)
  struct Ppo : PpoOptions {
    // The algorithm's defaults are no KL stop and one thread; runs stop at 0.02 and update
    // on two workers, one per core of the 2-core reference machine (see docs/design.md).
    Ppo() {
      target_kl = 0.02;
      workers = 2;
    }
    int trials_per_iter = 32;
    double lr = 1e-3;
    double adam_eps = 1e-5;
    bool anneal_lr = true;  // linear decay of lr to 0 over the run's iterations
    bool normalize_obs = false;
    std::string scale_rewards = "off";  // off, global or per_task (algorithms/reward_scaling.hpp)
  } ppo;

  // VariBAD's VAE (algorithms/varibad_vae.hpp); its defaults are the published HalfCheetah
  // ones.
  VaeOptions vae;

  // MAML (agent.kind = "maml"): its inner loop and outer step. The PPO outer step reads
  // ppo.lr, ppo.adam_eps, ppo.clip, ppo.epochs and ppo.max_grad_norm; the inner loop's
  // discount is ppo.gamma.
  struct Maml {
    int adaptation_episodes = 10;
    double inner_lr = 0.1;
    int inner_steps = 1;
    bool second_order = true;
    std::string outer = "trpo";
    std::string baseline = "linear";
    TrpoOptions trpo;
  } maml;

  // PEARL (agent.kind = "pearl", algorithms/pearl_learner.hpp): its SAC, replay, context
  // encoder and latent sampling; trials per iteration come from ppo.trials_per_iter.
  PearlOptions pearl;

  struct Train {
    int64_t total_env_steps = 400000;
    int checkpoint_every = 10;
    bool eval_at_end = true;
  } train;

  // The meta-test protocol (evaluation/protocol.hpp) plus when the trainer runs it. The
  // protocol's own defaults are Meta-World's (10 adaptation + 3 evaluation episodes); the
  // built-in config is point-robot-sparse, whose 4-episode trials make its meta-test trial
  // 3 + 1 episodes: the trial it was meta-trained on (see docs/design.md).
  struct Eval : EvalProtocol {
    Eval() {
      trials = 5;
      adaptation_episodes = 3;
      evaluation_episodes = 1;
    }
    int every = 10;           // iterations between evaluations during training (0 = at the end)
    bool train_split = true;  // also meta-test on the training variations (meta-train success)
  } eval;

  // Data-parallel training (training/distributed.hpp); the world itself comes from the
  // environment (RANK, WORLD_SIZE, ...), not from the config.
  struct Dist {
    double timeout_s = 300;  // longest wait for a peer rank before the run fails
  } dist;

  // Views for the modules that take their own option structs.
  // The agent's own option structs come from its kind (training/agent_kinds.hpp).
  MemoryOptions memory() const;
  // PPO's options, with the recurrent segment length from agent.bptt.
  PpoOptions ppo_options() const {
    PpoOptions o = ppo;
    o.bptt = agent.bptt;
    return o;
  }
};

// Parses a TOML file; every unknown key, wrong type or out-of-range value throws
// htrmrl::Error naming the key and the file.
Config load_config(const std::string& path);
// A run directory's config.toml. A run from before suite versions were recorded (no
// env.suite_version) was made on version 1 of its benchmark's suite, the only one there was.
Config load_run_config(const std::string& dir);
// Parses TOML text (`origin` names it in messages).
Config parse_config(const std::string& text, const std::string& origin);
// Applies one `key=value` override, then re-validates.
void apply_override(Config& config, const std::string& assignment);
// Checks ranges and cross-key rules; throws htrmrl::Error on the first violation.
void validate(const Config& config);
// The fully resolved configuration as TOML.
std::string to_toml(const Config& config);
// One line per key: name, type, default, meaning (and for agent.* keys, the kinds reading it).
std::string describe_keys();
// Every key's dotted name, in the order describe_keys lists them.
std::vector<std::string> config_keys();

}  // namespace htrmrl
