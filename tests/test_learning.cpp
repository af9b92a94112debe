// Learning, on a fixed seed and a CI-sized budget: HTrMRL meta-trained on point-robot-sparse
// must meta-test clearly above a random policy on the held-out goals, both measured by the
// same protocol (success over the evaluation episodes that follow the adaptation episodes).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "evaluation/evaluate.hpp"
#include "training/setup.hpp"
#include "training/trainer.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

TEST(Learning, PointRobotSparseBeatsARandomPolicy) {
  Config c = load_config(HTRMRL_SOURCE_DIR "/configs/point-robot-sparse.toml");
  // 1.2M env steps (about a minute alone on 2 cores): at 600k the meta-test success of seeds
  // 1-3 spread from 0.12 to 0.50, too close to the bar (docs/results.md).
  c.train.total_env_steps = 1200000;
  c.eval.trials = 10;
  c.eval.every = 0;            // one meta-test, after training: keeps the test's runtime
  c.eval.train_split = false;

  // The random policy: the untrained agent acting stochastically (a Gaussian random walk).
  RunSetup untrained = make_setup(c);
  Sampler sampler(untrained.benchmark, c.memory(), untrained.slots, 100, untrained.device);
  EvalProtocol stochastic = c.eval;
  stochastic.deterministic = false;
  const EvalResult random =
      evaluate(*untrained.agent, sampler, untrained.benchmark.test_tasks, stochastic, 99);

  const fs::path dir = fs::temp_directory_path() / "htrmrl_learning";
  fs::remove_all(dir);
  train_new(c, dir.string());
  auto eval = nlohmann::json::parse(std::ifstream(dir / "eval.json"));
  const double trained = eval["success"].get<double>();
  std::cout << "meta-test success over the evaluation episodes: trained " << trained
            << ", random " << random.mean_success << "; trained by episode "
            << eval["success_by_episode"].dump() << "\n";
  EXPECT_EQ(eval["adaptation_episodes"].get<int>() + eval["evaluation_episodes"].get<int>(),
            static_cast<int>(eval["success_by_episode"].size()));
  EXPECT_GT(trained, random.mean_success + 0.25);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace htrmrl
