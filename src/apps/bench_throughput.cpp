// The throughput bench (bench_throughput.hpp). How each figure is measured:
//   inference  the acting of a stored rollout replayed step by step (every trial of the
//              rollout one row, the rows split into the sampler's lanes, each lane's rows in
//              lockstep on its own thread, exactly as the sampler acts), once with cached
//              past summaries and once re-encoding every slot each step; env steps/s =
//              rollout steps / seconds. Environments are not stepped: this is the policy alone.
//   update     one PPO epoch over the rollout, minibatches deduplicated and not.
//   loop       whole iterations: rollout (environments included), GAE, the update's epochs.
//   GFLOP/s    matrix-multiply FLOPs of the work done (FlopModel: a multiply-add is 2 FLOPs;
//              softmax, layer norm and element-wise work are left out, a few percent here),
//              divided by the measured time. The backward pass is counted as twice the
//              forward. Only for htrmrl, whose shapes the model knows.
//   peak       1024 x 1024 float matrix products through LibTorch (OpenBLAS on the CPU).
// Each figure is the median of `repeats` timed repetitions after one warm-up.
#include "apps/bench_throughput.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/collective.hpp"
#include "common/rng.hpp"
#include "common/runtime.hpp"
#include "common/thread_pool.hpp"
#include "models/attention.hpp"
#include "rollouts/actor.hpp"
#include "rollouts/sampler.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(int repeats, F&& body) {
  body();  // warm-up: allocator and thread pools settle
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    body();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<TrialSpec> bench_trials(int n, int num_tasks, uint64_t round) {
  std::vector<TrialSpec> specs(n);
  for (int i = 0; i < n; ++i)
    specs[i] = {i % num_tasks, derive_seed(7, {round, static_cast<uint64_t>(i)})};
  return specs;
}

// Matrix-multiply FLOPs of HTrMRL's forward pass (see the file comment).
struct FlopModel {
  double d, ff, token, obs, act, hidden, features, seq_len;
  int t1_blocks, t2_blocks;
  bool use_state;

  explicit FlopModel(const Config& c, TokenLayout layout)
      : d(c.agent.d_model), ff(c.agent.ff_dim), token(layout.size()), obs(layout.obs_dim),
        act(layout.act_dim), hidden(c.agent.hidden),
        features(c.agent.use_state ? 2.0 * c.agent.d_model : c.agent.d_model),
        seq_len(c.agent.seq_len), t1_blocks(c.agent.t1_blocks), t2_blocks(c.agent.t2_blocks),
        use_state(c.agent.use_state) {}

  // One block over a sequence of l tokens; last_only computes one query (forward_last).
  double block(double l, bool last_only) const {
    const double queries = last_only ? 1.0 : l;
    return 2 * l * d * 3 * d + 4 * queries * l * d + 2 * queries * d * d + 4 * queries * d * ff;
  }
  // A stack of n blocks, the last one reading only the last position.
  double stack(int n, double l) const {
    return n == 0 ? 0.0 : (n - 1) * block(l, false) + block(l, true);
  }
  // phi1 and T1 over `sequences` sequences.
  double sequences(double sequences) const {
    return sequences * (2 * seq_len * token * d + stack(t1_blocks, seq_len));
  }
  // T2 over `contexts` contexts of `slots` summaries, then phi2 and the heads.
  double contexts(double contexts, double slots) const {
    const double heads = (use_state ? 2 * obs * d : 0.0) +
                         2 * (features * hidden + hidden * hidden + hidden * act) +
                         2 * (features * hidden + hidden * hidden + hidden);
    return contexts * (stack(t2_blocks, slots) + heads);
  }
};

// The value after "key:" on the first line of file that starts with key, or "".
std::string field_of(const std::filesystem::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) {
      const size_t colon = line.find(':');
      const size_t start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  return "";
}

// Model name and cores of this machine, and the GPUs' names (NVIDIA's driver lists them).
nlohmann::json machine() {
  nlohmann::json out = {{"cpu", field_of("/proc/cpuinfo", "model name")},
                        {"cores", std::thread::hardware_concurrency()}};
  std::error_code ec;
  for (const auto& gpu : std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", ec))
    out["gpus"].push_back(field_of(gpu.path() / "information", "Model"));
  return out;
}

// GFLOP/s of 1024 x 1024 float products.
double matmul_peak_gflops(int repeats, const torch::Device& device) {
  const int64_t n = 1024;
  auto a = torch::full({n, n}, 0.5, device), b = torch::full({n, n}, 0.25, device);
  auto c = torch::empty({n, n}, device);
  const double t = median_seconds(std::max(3, repeats), [&] {
    for (int k = 0; k < 4; ++k) torch::mm_out(c, a, b);
    c.sum().item<float>();  // waits for a GPU
  });
  return 4 * 2.0 * n * n * n / t / 1e9;
}

// The rollout's acting replayed (see the file comment): seconds and sequences encoded.
struct Replay {
  double seconds = 0;
  int64_t sequences = 0;
};

// The rows of the rollout split into lanes as the sampler splits its trials, each lane its
// own Actor, all lanes on their own threads.
Replay replay_acting(Agent& agent, const RolloutBuffer& buffer, bool cache, int lanes,
                     const torch::Device& device, int repeats) {
  torch::NoGradGuard no_grad;
  agent.eval();
  const int rows = static_cast<int>(buffer.trials.size()), k = buffer.slots;
  struct Lane {
    Lane(Agent& agent, const RolloutBuffer& buffer, int begin, int end, bool cache,
         const torch::Device& device)
        : begin(begin), end(end),
          actor(agent, end - begin, buffer.slots, buffer.seq_len, buffer.layout, device, cache),
          tokens(end - begin), windows(static_cast<size_t>(end - begin) * buffer.slots),
          active(end - begin) {
      for (int r = begin; r < end; ++r) longest = std::max(longest, buffer.trials[r].steps());
    }
    int begin, end, longest = 0;
    Actor actor;
    std::vector<const float*> tokens;
    std::vector<Window> windows;
    std::vector<char> active;
  };
  // The sampler's split (sampler.cpp): contiguous blocks of rows.
  const int num_lanes = std::max(1, std::min(lanes, rows));
  std::vector<std::unique_ptr<Lane>> lane;
  for (int g = 0; g < num_lanes; ++g) {
    const auto [first, last] = rank_block(rows, g, num_lanes);
    lane.push_back(std::make_unique<Lane>(agent, buffer, static_cast<int>(first),
                                          static_cast<int>(last), cache, device));
  }
  // One lane's rows acted for step by step, exactly as the sampler acts.
  auto act = [&](Lane& l) {
    at::init_num_threads();
    for (int s = 0; s < l.longest; ++s) {
      for (int r = l.begin; r < l.end; ++r) {
        const TrialRecord& t = buffer.trials[r];
        const int i = r - l.begin;
        l.active[i] = s < t.steps();
        l.tokens[i] = t.tokens.data();
        if (l.active[i]) buffer.windows(r, s, l.windows.data() + static_cast<size_t>(i) * k);
      }
      l.actor.act(l.tokens.data(), l.windows.data(), l.active.data());
    }
  };
  ThreadPool pool(num_lanes);
  Replay replay;
  replay.seconds = median_seconds(repeats, [&] {
    int64_t before = 0, after = 0;
    for (auto& l : lane) {
      l->actor.reset();
      before += l->actor.encoded_sequences();
    }
    pool.parallel_for(num_lanes, [&](int g) { act(*lane[g]); });
    for (auto& l : lane) after += l->actor.encoded_sequences();
    replay.sequences = after - before;
  });
  return replay;
}

// One PPO epoch over the rollout: seconds and sequences encoded.
Replay time_update(Agent& agent, const RolloutBuffer& buffer, const Config& config,
                   bool deduplicate, const torch::Device& device, int repeats) {
  torch::optim::Adam optimizer(agent.parameters(), torch::optim::AdamOptions(config.ppo.lr));
  PpoOptions one_epoch = config.ppo_options();
  one_epoch.epochs = 1;
  one_epoch.deduplicate = deduplicate;
  Replay replay;
  replay.seconds = median_seconds(repeats, [&] {
    replay.sequences = ppo_update(agent, optimizer, buffer, one_epoch, 1, device)
                           .encoded_sequences;
  });
  return replay;
}

}  // namespace

nlohmann::json run_throughput_bench(Config config, const ThroughputOptions& options) {
  // The built-in case: the paper's default context with every slot in use.
  if (!options.from_config) {
    config.env.episodes_per_trial = config.agent.episodes;
    config.ppo.trials_per_iter = options.batch;
  }
  config.ppo.target_kl = 0;  // every minibatch step is taken: the work is the same each time
  RunSetup s = make_setup(config);
  const auto& tasks = s.benchmark.train_tasks;
  const int trials = config.ppo.trials_per_iter, episodes = config.env.episodes_per_trial;
  Sampler sampler = make_sampler(s, trials);
  const bool htrmrl = config.agent.kind == "htrmrl";
  const FlopModel flops(config, s.layout);
  const int repeats = options.repeats;
  nlohmann::json out = {{"machine", machine()},
                        {"config",
                         {{"benchmark", config.env.benchmark},
                          {"kind", config.agent.kind},
                          {"K", config.agent.episodes},
                          {"S", config.agent.seq_len},
                          {"d_model", config.agent.d_model},
                          {"slots", s.slots},
                          {"trials", trials},
                          {"episodes_per_trial", episodes},
                          {"epochs", config.ppo.epochs},
                          {"minibatches", config.ppo.minibatches},
                          {"acting_lanes", config.lanes},
                          {"update_workers", config.ppo.workers},
                          {"device", config.device},
                          {"threads", config.threads},
                          {"repeats", repeats}}}};

  // The machine's limit, with the run's threads (LibTorch's and OpenBLAS's).
  out["matmul_peak_gflops"] = matmul_peak_gflops(repeats, s.device);
  out["attention_kernel"] = attention_uses_avx2() ? "avx2" : "baseline x86-64";

  // A rollout, reused for the inference and update figures.
  RolloutBuffer buffer;
  sampler.run(*s.agent, tasks, bench_trials(trials, tasks.size(), 0), episodes, false, &buffer);
  compute_gae(buffer, config.ppo.gamma, config.ppo.gae_lambda);
  const double steps = static_cast<double>(buffer.size());

  // Inference, cached and full, on the sampler's lanes (one for a recurrent agent).
  const int lanes = dynamic_cast<RecurrentAgent*>(s.agent.get()) ? 1 : config.lanes;
  auto inference = [&](bool cache) {
    const Replay r = replay_acting(*s.agent, buffer, cache, lanes, s.device, repeats);
    nlohmann::json j = {{"env_steps_per_s", steps / r.seconds},
                        {"sequences_per_step", r.sequences / steps}};
    if (htrmrl)
      j["gflops"] = (flops.sequences(r.sequences) + flops.contexts(steps, s.slots)) /
                    r.seconds / 1e9;
    return j;
  };
  out["inference"]["cached"] = inference(true);
  if (!options.skip_naive) {
    out["inference"]["full"] = inference(false);
    out["inference"]["speedup"] = out["inference"]["cached"]["env_steps_per_s"].get<double>() /
                                  out["inference"]["full"]["env_steps_per_s"].get<double>();
  }

  // Update, deduplicated and per sample.
  auto update = [&](bool deduplicate) {
    const Replay r = time_update(*s.agent, buffer, config, deduplicate, s.device, repeats);
    nlohmann::json j = {{"samples_per_s", steps / r.seconds},
                        {"sequences_per_sample", r.sequences / steps}};
    if (htrmrl)
      j["gflops"] = 3 * (flops.sequences(r.sequences) + flops.contexts(steps, s.slots)) /
                    r.seconds / 1e9;
    return j;
  };
  out["update"]["deduplicated"] = update(true);
  if (!options.skip_naive) {
    out["update"]["per_sample"] = update(false);
    out["update"]["speedup"] = out["update"]["deduplicated"]["samples_per_s"].get<double>() /
                               out["update"]["per_sample"]["samples_per_s"].get<double>();
  }

  // Whole loop: rollout, advantages, update with the configured epochs.
  torch::optim::Adam optimizer(s.agent->parameters(), torch::optim::AdamOptions(config.ppo.lr));
  uint64_t round = 1;
  int64_t loop_steps = 0;
  const double t_loop = median_seconds(std::max(1, repeats / 2), [&] {
    sampler.run(*s.agent, tasks, bench_trials(trials, tasks.size(), round++), episodes, false,
                &buffer);
    compute_gae(buffer, config.ppo.gamma, config.ppo.gae_lambda);
    ppo_update(*s.agent, optimizer, buffer, config.ppo_options(), round, s.device);
    loop_steps = buffer.size();
  });
  out["loop"] = {{"env_steps_per_s", loop_steps / t_loop}, {"env_steps", loop_steps}};

  // Memory: what the rollout stores per step against the raw transitions it holds.
  const double stored = static_cast<double>(buffer.bytes()) / buffer.size();
  const double raw = sizeof(float) * s.layout.size();
  out["memory"] = {{"rollout_bytes_per_step", stored},
                   {"raw_transition_bytes_per_step", raw},
                   {"rollout_over_raw", stored / raw},
                   {"peak_rss_mb", process_status_bytes("VmHWM") / 1048576.0}};
  return out;
}

}  // namespace htrmrl
