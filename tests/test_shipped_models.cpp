// The trained agents shipped under models/ load with this version of the code and meta-test as
// their committed eval.json says: neither the checkpoint format nor the agent's behaviour has
// drifted since they were trained.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

TEST(ShippedModels, EveryModelMetaTestsAsItsEvalJsonSays) {
  const fs::path models = fs::path(HTRMRL_SOURCE_DIR) / "models";
  ASSERT_TRUE(fs::is_directory(models));
  ScratchDir scratch;
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(models)) {
    if (!entry.is_directory()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    // Evaluate a copy: eval writes eval.json into the run directory.
    const fs::path copy = scratch.root / entry.path().filename();
    fs::copy(entry.path(), copy, fs::copy_options::recursive);
    const nlohmann::json shipped = nlohmann::json::parse(std::ifstream(entry.path() / "eval.json"));
    const Outcome o = htrmrl("eval --run " + copy.string());
    ASSERT_EQ(o.code, 0) << o.output;
    const nlohmann::json now = nlohmann::json::parse(std::ifstream(copy / "eval.json"));

    // The same checkpoint, protocol and action rule as the shipped record...
    for (const char* key : {"iteration", "env_steps", "adaptation_episodes",
                            "evaluation_episodes", "deterministic", "split"})
      EXPECT_EQ(now[key], shipped[key]) << key;
    // ...and the same figures. `htrmrl eval` repeats them exactly on the CPU that wrote them;
    // another CPU's BLAS kernels round differently, and with sampled actions (the Meta-World
    // configs) a last-bit difference can flip a few of the 50-100 trials' outcomes.
    EXPECT_NEAR(now["success"].get<double>(), shipped["success"].get<double>(), 0.1);
    const auto& by_episode = now["success_by_episode"];
    ASSERT_EQ(by_episode.size(), shipped["success_by_episode"].size());
    for (size_t e = 0; e < by_episode.size(); ++e)
      EXPECT_NEAR(by_episode[e].get<double>(), shipped["success_by_episode"][e].get<double>(), 0.1)
          << "episode " << e + 1;
    ++checked;
  }
  EXPECT_GE(checked, 2) << "models/ should hold the demo's agent and ML1 reach's";
}

}  // namespace
}  // namespace htrmrl
