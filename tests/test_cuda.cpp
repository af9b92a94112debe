// On a GPU (a CUDA LibTorch and a device; skipped elsewhere): acting, the PPO update and
// checkpoints give what the CPU gives, to float tolerance, and runs move between devices.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "algorithms/ppo.hpp"
#include "common/files.hpp"
#include "rollouts/actor.hpp"
#include "rollouts/sampler.hpp"
#include "test_util.hpp"
#include "training/checkpoint.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device in this LibTorch build";
  }
};

// A point-robot run on the given device; the CPU and GPU setups start from equal parameters.
RunSetup point_robot_on(const std::string& device) {
  Config c;
  c.env.benchmark = "point-robot";
  c.env.episodes_per_trial = 3;
  c.agent.episodes = 3;
  c.device = device;
  return make_setup(c);
}

void copy_parameters(Agent& from, Agent& to) {
  torch::NoGradGuard g;
  auto source = from.parameters(), target = to.parameters();
  ASSERT_EQ(source.size(), target.size());
  for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
}

// Largest absolute difference between the two agents' parameters.
double parameter_gap(Agent& a, Agent& b) {
  auto pa = a.parameters(), pb = b.parameters();
  double gap = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    gap = std::max(gap, (pa[i].cpu() - pb[i].cpu()).abs().max().item<double>());
  return gap;
}

RolloutBuffer rollout(RunSetup& s, bool cache) {
  RolloutBuffer buffer;
  Sampler(s.benchmark, s.config.memory(), s.slots, 4, s.device, {2, cache})
      .run(*s.agent, s.benchmark.train_tasks, {{0, 21}, {2, 22}, {4, 23}, {6, 24}}, 3, false,
           &buffer);
  compute_gae(buffer, s.config.ppo.gamma, s.config.ppo.gae_lambda);
  return buffer;
}

// The policy at every step of a recorded rollout, replayed through an Actor on `device`
// (open loop: every device sees the same windows): means and values, [steps, rows, ...].
std::pair<torch::Tensor, torch::Tensor> replay(RunSetup& s, const RolloutBuffer& buffer,
                                               torch::Device device, bool cache) {
  torch::NoGradGuard g;
  const int rows = static_cast<int>(buffer.trials.size());
  Actor actor(*s.agent, rows, s.slots, s.config.agent.seq_len, s.layout, device, cache);
  std::vector<const float*> tokens;
  for (const TrialRecord& t : buffer.trials) tokens.push_back(t.tokens.data());
  const std::vector<char> active(rows, 1);
  std::vector<Window> windows(static_cast<size_t>(rows) * s.slots);
  std::vector<torch::Tensor> means, values;
  for (int step = 0; step < buffer.trials[0].steps(); ++step) {
    for (int r = 0; r < rows; ++r) buffer.windows(r, step, &windows[r * s.slots]);
    const PolicyOutput out = actor.act(tokens.data(), windows.data(), active.data());
    means.push_back(out.mean.clone());
    values.push_back(out.value.clone());
  }
  return {torch::stack(means), torch::stack(values)};
}

TEST_F(Cuda, ActingOnTheGpuGivesTheCpuPolicy) {
  RunSetup cpu = point_robot_on("cpu"), gpu = point_robot_on("cuda");
  {
    // Policy outputs that depend visibly on the context (the initial mean head is tiny).
    torch::NoGradGuard g;
    torch::manual_seed(5);
    for (auto& p : cpu.agent->named_parameters())
      if (p.key().find("policy") != std::string::npos) p.value().normal_(0, 0.5);
  }
  copy_parameters(*cpu.agent, *gpu.agent);
  const RolloutBuffer buffer = rollout(cpu, true);
  const auto [mean, value] = replay(cpu, buffer, cpu.device, true);
  ASSERT_GT(mean.std().item<double>(), 1e-2) << "means too alike for the comparison to tell";
  for (bool cache : {true, false}) {
    SCOPED_TRACE(cache ? "cached acting" : "full re-encoding");
    const auto [gpu_mean, gpu_value] = replay(gpu, buffer, gpu.device, cache);
    EXPECT_LT((gpu_mean - mean).abs().max().item<double>(), 1e-4);
    EXPECT_LT((gpu_value - value).abs().max().item<double>(), 1e-4);
  }
  // Closed loop, the GPU's rollout is the CPU's until rounding gaps compound along a trial.
  const RolloutBuffer on_gpu = rollout(gpu, true);
  ASSERT_EQ(on_gpu.size(), buffer.size());
  EXPECT_NEAR(on_gpu.trials[0].log_probs[0], buffer.trials[0].log_probs[0], 1e-4);
}

// Plain SGD, so a parameter moves by its gradient: equal steps mean equal gradients.
TEST_F(Cuda, PpoUpdateOnTheGpuTakesTheCpuSteps) {
  RunSetup cpu = point_robot_on("cpu"), gpu = point_robot_on("cuda");
  ASSERT_EQ(parameter_gap(*cpu.agent, *gpu.agent), 0.0);
  const RolloutBuffer buffer = rollout(cpu, true);
  PpoOptions options = cpu.config.ppo_options();
  options.epochs = 2;
  options.target_kl = 0;
  torch::optim::SGD sgd_cpu(cpu.agent->parameters(), torch::optim::SGDOptions(0.05));
  torch::optim::SGD sgd_gpu(gpu.agent->parameters(), torch::optim::SGDOptions(0.05));
  const PpoStats a = ppo_update(*cpu.agent, sgd_cpu, buffer, options, 9, cpu.device);
  const PpoStats b = ppo_update(*gpu.agent, sgd_gpu, buffer, options, 9, gpu.device);
  EXPECT_NEAR(a.policy_loss, b.policy_loss, 1e-4);
  EXPECT_NEAR(a.value_loss, b.value_loss, 1e-4 * std::max(1.0, std::abs(a.value_loss)));
  EXPECT_EQ(a.encoded_sequences, b.encoded_sequences);
  RunSetup untrained = point_robot_on("cpu");
  EXPECT_GT(parameter_gap(*cpu.agent, *untrained.agent), 1e-3)
      << "the update moved nothing: the comparison below would be empty";
  EXPECT_LT(parameter_gap(*cpu.agent, *gpu.agent), 1e-4);
}

// A checkpoint written on one device resumes on the other: parameters and the learner's Adam
// moments land beside each other, and the next update is the one the writer would have taken.
TEST_F(Cuda, CheckpointsResumeAcrossDevices) {
  ScratchDir scratch;
  RunSetup cpu = point_robot_on("cpu"), gpu = point_robot_on("cuda"), back = point_robot_on("cpu");
  for (RunSetup* s : {&cpu, &gpu, &back}) {
    s->config.ppo.epochs = 1;
    s->config.ppo.target_kl = 0;
  }
  const RolloutBuffer buffer = rollout(cpu, true);
  const std::vector<int> tasks(buffer.trials.size(), 0);
  // One update from a fresh copy of the rollout (the learner rewrites it: GAE).
  const auto learn = [&](Learner& learner, int64_t iteration) {
    RolloutBuffer batch = buffer;
    learner.update({batch, tasks, iteration, 10});
  };
  const auto on_cpu = make_learner(cpu, nullptr), on_gpu = make_learner(gpu, nullptr);
  learn(*on_cpu, 0);
  save_checkpoint(scratch.path("cpu.pt"), *cpu.agent, on_cpu.get(), {1, 100, 1.0});

  const TrainState state = load_checkpoint(scratch.path("cpu.pt"), *gpu.agent, on_gpu.get());
  EXPECT_EQ(state.env_steps, 100);
  EXPECT_EQ(parameter_gap(*cpu.agent, *gpu.agent), 0.0);
  learn(*on_cpu, 1);
  learn(*on_gpu, 1);
  EXPECT_LT(parameter_gap(*cpu.agent, *gpu.agent), 1e-4);

  // And back: the GPU's checkpoint into a fresh CPU agent.
  save_checkpoint(scratch.path("gpu.pt"), *gpu.agent, on_gpu.get(), {2, 200, 2.0});
  const auto on_back = make_learner(back, nullptr);
  load_checkpoint(scratch.path("gpu.pt"), *back.agent, on_back.get());
  EXPECT_EQ(parameter_gap(*back.agent, *gpu.agent), 0.0);
  learn(*on_back, 2);
}

// The command line: a run trained on the GPU is meta-tested there and on the CPU alike.
TEST_F(Cuda, TrainOnTheGpuEvaluateOnEither) {
  ScratchDir scratch;
  const std::string run = scratch.path("run");
  Outcome trained = htrmrl("train --out " + run +
                           " --set device=cuda --set env.episodes_per_trial=3"
                           " --set ppo.trials_per_iter=8 --set train.total_env_steps=960"
                           " --set eval.trials=2");
  ASSERT_EQ(trained.code, 0) << trained.output;
  auto success = [&](const std::string& device) {
    Outcome o = htrmrl("eval --run " + run + " --trials 2 --device " + device);
    EXPECT_EQ(o.code, 0) << o.output;
    return nlohmann::json::parse(read_file(run + "/eval.json"))["tasks"];
  };
  const auto on_gpu = success("cuda"), on_cpu = success("cpu");
  ASSERT_EQ(on_gpu.size(), on_cpu.size());
  for (size_t t = 0; t < on_gpu.size(); ++t)
    EXPECT_NEAR(on_gpu[t]["mean_return"].get<double>(), on_cpu[t]["mean_return"].get<double>(),
                5e-2 * std::max(1.0, std::abs(on_cpu[t]["mean_return"].get<double>())));
}

}  // namespace
}  // namespace htrmrl
