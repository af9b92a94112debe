// Data-parallel training: the world read from the environment, a PPO update split over ranks
// equal to one process's, and `htrmrl train` as two ranks on loopback: the same parameters as
// one process, rank 1 writing nothing, a killed rank failing the other within bounded time,
// and a bad environment refused before anything is written.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <map>
#include <thread>

#include "algorithms/ppo.hpp"
#include "evaluation/evaluate.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "training/checkpoint.hpp"
#include "training/distributed.hpp"
#include "training/setup.hpp"
#include "test_util.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A TCP port nobody listens on now (the kernel's choice of a free one).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

World parse(const std::map<std::string, std::string>& env) {
  return parse_world([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}


TEST(World, ReadsTorchrunsVariablesAndRefusesBadOnes) {
  EXPECT_FALSE(parse({}).distributed());
  EXPECT_FALSE(parse({{"WORLD_SIZE", "1"}, {"RANK", "0"}}).distributed());
  const World w = parse({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"MASTER_ADDR", "node0"},
                         {"MASTER_PORT", "29500"}, {"LOCAL_RANK", "1"}});
  EXPECT_EQ(w.size, 4);
  EXPECT_EQ(w.rank, 3);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.master_addr, "node0");
  EXPECT_EQ(w.master_port, 29500);
  EXPECT_EQ(rank_device(w, "cuda"), "cuda:1");
  EXPECT_EQ(rank_device(w, "cpu"), "cpu");
  EXPECT_FALSE(w.agent_store);
  const World elastic = parse({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "a"},
                               {"MASTER_PORT", "1"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                               {"TORCHELASTIC_RESTART_COUNT", "3"}});
  EXPECT_TRUE(elastic.agent_store);
  EXPECT_EQ(elastic.restart_attempt, "3");

  const std::map<std::string, std::string> good{
      {"WORLD_SIZE", "2"}, {"RANK", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "1234"}};
  auto with = [&](const std::string& key, const std::string& value) {
    auto env = good;
    if (value.empty()) env.erase(key);
    else env[key] = value;
    return error_of([&] { parse(env); });
  };
  EXPECT_EQ(with("RANK", "1"), "");
  EXPECT_NE(with("RANK", "2").find("RANK=2 must be below WORLD_SIZE=2"), std::string::npos);
  EXPECT_NE(with("RANK", "").find("RANK is not set"), std::string::npos);
  EXPECT_NE(with("RANK", "one").find("RANK='one' is not an integer"), std::string::npos);
  EXPECT_NE(with("WORLD_SIZE", "2x").find("WORLD_SIZE='2x'"), std::string::npos);
  EXPECT_NE(with("WORLD_SIZE", "0").find("WORLD_SIZE=0 must be between 1"), std::string::npos);
  EXPECT_NE(with("MASTER_ADDR", "").find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_NE(with("MASTER_PORT", "70000").find("MASTER_PORT=70000"), std::string::npos);
  EXPECT_NE(error_of([] { parse({{"WORLD_SIZE", "1"}, {"RANK", "1"}}); }).find("RANK=1"),
            std::string::npos);
}

TEST(RankBlock, SplitsContiguouslyInRankOrder) {
  EXPECT_EQ(rank_block(5, 0, 2), (std::pair<int64_t, int64_t>{0, 2}));
  EXPECT_EQ(rank_block(5, 1, 2), (std::pair<int64_t, int64_t>{2, 5}));
  EXPECT_EQ(rank_block(3, 2, 3), (std::pair<int64_t, int64_t>{2, 3}));
}

// Runs f(rank, group) on one thread per rank, the ranks joined by a loopback Gloo group.
template <typename F>
void in_group(int ranks, F f) {
  const int port = free_port();
  std::vector<std::exception_ptr> errors(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      try {
        auto group = connect(World{r, ranks, r, "127.0.0.1", port}, 60, torch::kCPU);
        f(r, *group);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

TEST(Collective, GathersRowsOfUnequalCountsAndReduces) {
  std::vector<torch::Tensor> gathered(3), summed(3), maxed(3);
  in_group(3, [&](int r, Collective& group) {
    gathered[r] = gather_rows(group, torch::full({r, 2}, static_cast<double>(r)));
    summed[r] = torch::tensor({1.0, static_cast<double>(r)});
    group.all_reduce(summed[r]);
    maxed[r] = torch::tensor({static_cast<float>(r)});
    group.all_reduce(maxed[r], Collective::Op::kMax);
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_TRUE(torch::equal(gathered[r], torch::tensor({{1.0, 1.0}, {2.0, 2.0}, {2.0, 2.0}})));
    EXPECT_TRUE(torch::equal(summed[r], torch::tensor({3.0, 3.0})));
    EXPECT_EQ(maxed[r].item<float>(), 2.0f);
  }
}

// Trials [first, last) of a buffer, as a rank holds them.
RolloutBuffer trials_of(const RolloutBuffer& all, int64_t first, int64_t last) {
  RolloutBuffer part;
  part.layout = all.layout;
  part.slots = all.slots;
  part.seq_len = all.seq_len;
  part.trials.assign(all.trials.begin() + first, all.trials.begin() + last);
  part.index();
  return part;
}

// The largest |a - b| over a list of tensors, relative to the largest |b|.
double relative_difference(const std::vector<torch::Tensor>& a,
                           const std::vector<torch::Tensor>& b) {
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, (a[i] - b[i]).abs().max().item<double>());
    scale = std::max(scale, b[i].abs().max().item<double>());
  }
  return diff / scale;
}

// How far two agents differ: over all parameters together, and over each buffer (the
// observation normaliser's mean, variance and count) on its own scale.
double parameter_difference(Agent& a, Agent& b) {
  double worst = relative_difference(a.parameters(), b.parameters());
  const auto ba = a.buffers(), bb = b.buffers();
  for (size_t i = 0; i < ba.size(); ++i)
    worst = std::max(worst, relative_difference({ba[i]}, {bb[i]}));
  return worst;
}

// One PPO update of 5 trials by one process, and split 2 + 3 over two ranks: the same
// parameters and statistics. Many small minibatches leave one rank without a sample in some;
// the KL stop must fall at the same minibatch.
TEST(DistributedPpo, SplitUpdateEqualsTheSingleProcessOne) {
  for (const std::string kind : {"htrmrl", "rl2"}) {
    for (const int minibatches : {4, 100}) {
      SCOPED_TRACE(kind + ", minibatches " + std::to_string(minibatches));
      Config c;
      c.agent.kind = kind;
      c.agent.episodes = 3;
      c.agent.bptt = 8;
      c.env.episodes_per_trial = 3;
      c.ppo.trials_per_iter = 5;
      c.ppo.epochs = 2;
      c.ppo.minibatches = minibatches;
      // Three identical agents (make_setup seeds LibTorch from the run seed).
      std::vector<RunSetup> setups;
      for (int i = 0; i < 3; ++i) setups.push_back(make_setup(c));
      std::vector<torch::optim::Adam> optimizers;
      for (auto& s : setups)
        optimizers.emplace_back(s.agent->parameters(), torch::optim::AdamOptions(1e-3).eps(1e-5));
      RunSetup& single = setups[0];
      Sampler sampler(single.benchmark, c.memory(), single.slots, 5, single.device);
      std::vector<TrialSpec> specs;
      for (int i = 0; i < 5; ++i) specs.push_back({i, static_cast<uint64_t>(100 + i)});
      RolloutBuffer buffer;
      sampler.run(*single.agent, single.benchmark.train_tasks, specs, 3, false, &buffer);
      compute_gae(buffer, 0.99, 0.95);

      const PpoStats alone =
          ppo_update(*single.agent, optimizers[0], buffer, c.ppo_options(), 7, single.device);
      std::vector<PpoStats> split(2);
      in_group(2, [&](int r, Collective& group) {
        const auto [first, last] = rank_block(5, r, 2);
        split[r] = ppo_update(*setups[1 + r].agent, optimizers[1 + r],
                              trials_of(buffer, first, last), c.ppo_options(), 7,
                              setups[1 + r].device, &group);
      });
      for (int r = 0; r < 2; ++r) {
        EXPECT_LT(parameter_difference(*setups[1 + r].agent, *single.agent), 1e-5);
        EXPECT_EQ(split[r].samples, alone.samples);
        EXPECT_EQ(split[r].minibatch_steps, alone.minibatch_steps);
        EXPECT_NEAR(split[r].policy_loss, alone.policy_loss, 1e-5);
        EXPECT_NEAR(split[r].value_loss, alone.value_loss, 1e-5 * (1 + alone.value_loss));
        EXPECT_NEAR(split[r].entropy, alone.entropy, 1e-5);
        EXPECT_NEAR(split[r].approx_kl, alone.approx_kl, 1e-6);
        EXPECT_NEAR(split[r].clip_fraction, alone.clip_fraction, 1e-6);
        EXPECT_NEAR(split[r].grad_norm, alone.grad_norm, 1e-5 * (1 + alone.grad_norm));
        EXPECT_NEAR(split[r].explained_variance, alone.explained_variance, 1e-9);
        EXPECT_NEAR(split[r].first_ratio_error, alone.first_ratio_error, 1e-6);
      }
      // The ranks end bit-identical to each other: they applied the same summed gradients.
      EXPECT_EQ(parameter_difference(*setups[1].agent, *setups[2].agent), 0.0);
    }
  }
}

// A meta-test split over three ranks: the same record as one process's, on every rank.
TEST(DistributedEvaluate, SplitMetaTestEqualsTheSingleProcessOne) {
  Config c;
  c.agent.episodes = 3;
  c.eval.trials = 2;
  RunSetup s = make_setup(c);
  Sampler sampler(s.benchmark, c.memory(), s.slots, 4, s.device);
  const auto json = [](const EvalResult& r) { return to_json({1, 2, "test", r}).dump(); };
  const std::string alone = json(evaluate(*s.agent, sampler, s.benchmark.test_tasks, c.eval, 9));
  // One identical agent per rank, built here: make_setup seeds LibTorch's global generator.
  std::vector<RunSetup> own;
  for (int r = 0; r < 3; ++r) own.push_back(make_setup(c));
  std::vector<std::string> split(3);
  in_group(3, [&](int r, Collective& group) {
    Sampler rank_sampler(own[r].benchmark, c.memory(), own[r].slots, 3, own[r].device);
    split[r] = json(evaluate(*own[r].agent, rank_sampler, own[r].benchmark.test_tasks, c.eval, 9,
                             &group));
  });
  for (const auto& record : split) EXPECT_EQ(record, alone);
}

// ---- htrmrl train as separate processes ----

// One iteration of 6 trials on point-robot-sparse (480 env steps), then the final meta-test;
// with the observation normaliser, which must absorb every rank's observations.
const std::string kQuickRun =
    "--set train.total_env_steps=480 --set ppo.trials_per_iter=6 --set eval.trials=1 "
    "--set eval.every=1 --set ppo.normalize_obs=true";

// The command line of rank `rank` of `ranks` on loopback `port`, its output into `log`.
std::string rank_command(int rank, int ranks, int port, const std::string& args,
                         const std::string& log) {
  return "WORLD_SIZE=" + std::to_string(ranks) + " RANK=" + std::to_string(rank) +
         " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " " + HTRMRL_BINARY +
         " " + args + " >" + log + " 2>&1";
}

// Starts a command in the background; returns its pid.
pid_t spawn(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec env " + command).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Exit code of a child (-1 if killed by a signal).
int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `htrmrl ARGS` as two ranks on loopback; their logs go to scratch's rank0.log and
// rank1.log. Asserts that both succeed.
void run_two_ranks(const ScratchDir& scratch, const std::string& args) {
  const int port = free_port();
  const pid_t rank1 = spawn(rank_command(1, 2, port, args, scratch.path("rank1.log")));
  const pid_t rank0 = spawn(rank_command(0, 2, port, args, scratch.path("rank0.log")));
  ASSERT_EQ(wait_exit(rank0), 0) << read_file(scratch.path("rank0.log"));
  ASSERT_EQ(wait_exit(rank1), 0) << read_file(scratch.path("rank1.log"));
}

// The relative parameter difference of two runs' checkpoints, which must be at the same
// iteration and env steps.
double checkpoint_difference(const std::string& run_a, const std::string& run_b) {
  const Config config = load_config(run_b + "/config.toml");
  RunSetup a = make_setup(config), b = make_setup(config);
  const TrainState state_a = load_checkpoint(run_a + "/checkpoints/latest.pt", *a.agent, nullptr);
  const TrainState state_b = load_checkpoint(run_b + "/checkpoints/latest.pt", *b.agent, nullptr);
  EXPECT_EQ(state_a.env_steps, state_b.env_steps);
  EXPECT_EQ(state_a.iteration, state_b.iteration);
  return parameter_difference(*a.agent, *b.agent);
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string name = fs::relative(e.path(), dir).string();
    if (name.rfind("events.out.tfevents.", 0) == 0) name = "events.out.tfevents.*";
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// metrics.csv's columns up to the rollout's figures: iteration, env steps, success, return.
std::vector<std::string> rollout_columns(const std::string& run) {
  std::vector<std::string> out;
  for (const std::string& row : stable_metrics_rows(run + "/metrics.csv")) {
    size_t p = 0;
    for (int i = 0; i < 6; ++i) p = row.find(',', p) + 1;
    out.push_back(row.substr(0, p));
  }
  return out;
}

// (PPO's clipping and KL stop are discontinuous, so float-rounding differences grow over
// iterations: one iteration is compared tightly here, a second one after a resume below.)
TEST(DistributedTrain, TwoRanksEndWithTheParametersOfOneProcess) {
  ScratchDir scratch;
  const std::string two = scratch.path("two"), one = scratch.path("one");
  run_two_ranks(scratch, "train --out " + two + " " + kQuickRun);
  EXPECT_NE(read_file(scratch.path("rank1.log")).find("[rank 1/2]"), std::string::npos);
  const Outcome alone = htrmrl("train --out " + one + " " + kQuickRun);
  ASSERT_EQ(alone.code, 0) << alone.output;

  // The same files, written once (a single event file: rank 1 opened no metrics log).
  EXPECT_EQ(names_in(two), names_in(one));
  // Every rank's steps and trials counted; identical agents played identical rollouts.
  EXPECT_EQ(rollout_columns(two), rollout_columns(one));
  EXPECT_LT(checkpoint_difference(two, one), 1e-5);
}

// A run begun by one process, its budget raised, resumed by two ranks: every rank loads the
// shared checkpoint, and the second iteration is one process's.
TEST(DistributedTrain, TwoRanksResumeARunOfOneProcess) {
  ScratchDir scratch;
  const std::string resumed = scratch.path("resumed"), one = scratch.path("one");
  ASSERT_EQ(htrmrl("train --out " + resumed + " " + kQuickRun).code, 0);
  std::string config = read_file(resumed + "/config.toml");
  config.replace(config.find("total_env_steps = 480"), 21, "total_env_steps = 960");
  write_file_atomic(resumed + "/config.toml", config);
  fs::remove(resumed + "/status.json");
  run_two_ranks(scratch, "train --resume " + resumed);
  ASSERT_EQ(htrmrl("train --out " + one + " " + kQuickRun +
                   " --set train.total_env_steps=960").code, 0);

  EXPECT_EQ(stable_metrics_rows(resumed + "/metrics.csv").size(), 2u);
  EXPECT_EQ(rollout_columns(resumed), rollout_columns(one));
  EXPECT_LT(checkpoint_difference(resumed, one), 1e-5);
}

TEST(DistributedTrain, AKilledRankMakesTheOtherFailWithinTheTimeout) {
  ScratchDir scratch;
  const std::string run = scratch.path("run");
  const int port = free_port();
  const std::string args = "train --out " + run +
                           " --set train.total_env_steps=100000000 --set ppo.trials_per_iter=4 "
                           "--set dist.timeout_s=20";
  const pid_t rank1 = spawn(rank_command(1, 2, port, args, scratch.path("rank1.log")));
  const pid_t rank0 = spawn(rank_command(0, 2, port, args, scratch.path("rank0.log")));
  // Once rank 0 has logged an iteration, kill rank 1.
  wait_for_files(run, [&] { return !stable_metrics_rows(run + "/metrics.csv").empty(); });
  kill(rank1, SIGKILL);
  wait_exit(rank1);
  const auto killed = Clock::now();
  const int code = wait_exit(rank0);
  const double seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  const std::string log = read_file(scratch.path("rank0.log"));
  EXPECT_EQ(code, 2) << log;
  EXPECT_LT(seconds, 30.0);
  EXPECT_NE(log.find("error: rank 0 of 2 lost rank 1"), std::string::npos) << log;
}

TEST(DistributedTrain, ABadWorldIsRefusedBeforeAnythingIsWritten) {
  ScratchDir scratch;
  const std::string run = scratch.path("run");
  Outcome o = shell("WORLD_SIZE=2 RANK=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 " +
                    std::string(HTRMRL_BINARY) + " train --out " + run);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.output.find("error: environment variable RANK=2 must be below WORLD_SIZE=2"),
            std::string::npos)
      << o.output;
  o = shell("WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 " +
            std::string(HTRMRL_BINARY) + " train --out " + run + " --set ppo.trials_per_iter=1");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.output.find("ppo.trials_per_iter = 1 is smaller than the world size 2"),
            std::string::npos)
      << o.output;
  EXPECT_FALSE(fs::exists(run));
}

}  // namespace
}  // namespace htrmrl
