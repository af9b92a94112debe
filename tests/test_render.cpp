// Offscreen rendering: the images are real (right size, not blank, the scene changes while
// the scripted expert acts), the video pipe carries every frame, and `htrmrl render` refuses
// bad input with one message, exit code 2 and nothing written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "envs/tabletop/benchmarks.hpp"
#include "envs/tabletop/tabletop_env.hpp"
#include "rendering/image.hpp"
#include "rendering/offscreen.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;
using rendering::Image;

struct Outcome {
  int code = -1;
  std::string output;
};

// Runs `[ENV] htrmrl ARGS` through the shell, capturing stdout and stderr together.
Outcome htrmrl(const std::string& args, const std::string& env = "") {
  Outcome o;
  FILE* pipe = popen((env + " " + HTRMRL_BINARY + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) o.output.append(buf, n);
  const int status = pclose(pipe);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// Standard deviation of all channel values: 0 for a blank image.
double spread(const Image& im) {
  double sum = 0, sq = 0;
  for (uint8_t v : im.rgb) sum += v, sq += static_cast<double>(v) * v;
  const double n = static_cast<double>(im.rgb.size());
  return std::sqrt(std::max(0.0, sq / n - (sum / n) * (sum / n)));
}

// Mean absolute difference per channel value.
double difference(const Image& a, const Image& b) {
  double d = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) d += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return d / static_cast<double>(a.rgb.size());
}

class Render : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("htrmrl_render_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string path(const std::string& name) const { return (root_ / name).string(); }
  // Everything in the test folder: a refused command must add nothing.
  int entries() const { return std::distance(fs::directory_iterator(root_), {}); }
  fs::path root_;
};

const std::string kSmall = " --width 160 --height 120 --stride 100";

TEST_F(Render, EveryCameraDrawsTheSceneAtTheRequestedSize) {
  Benchmark b = tabletop::make_ml1_benchmark("push", 1);
  auto env = b.make_env();
  env->set_task(b.train_tasks[0]);
  std::vector<float> obs(b.spec.obs_dim);
  env->reset(0, obs.data());
  const auto& tabletop = dynamic_cast<const tabletop::TabletopEnv&>(*env);
  EXPECT_EQ(rendering::camera_names(tabletop.model()),
            (std::vector<std::string>{"front", "corner", "top"}));
  std::vector<Image> views;
  for (const auto& camera : rendering::camera_names(tabletop.model())) {
    rendering::OffscreenRenderer renderer(tabletop.model(), 200, 150, camera);
    views.push_back(renderer.render(tabletop.data()));
    EXPECT_EQ(views.back().width, 200);
    EXPECT_EQ(views.back().height, 150);
    ASSERT_EQ(views.back().rgb.size(), 200u * 150 * 3);
    EXPECT_GT(spread(views.back()), 10.0) << camera << " drew a blank image";
  }
  EXPECT_GT(difference(views[0], views[1]), 5.0) << "front and corner show the same image";
  // A PNG round trip keeps every pixel; strips put images side by side.
  rendering::write_png(path("a.png"), views[0]);
  Image back = rendering::read_png(path("a.png"));
  EXPECT_EQ(back.width, 200);
  EXPECT_EQ(back.rgb, views[0].rgb);
  Image strip = rendering::side_by_side(views);
  EXPECT_EQ(strip.width, 600);
  EXPECT_EQ(strip.rgb[3 * 400], views[2].rgb[0]);
  EXPECT_THROW(rendering::OffscreenRenderer(tabletop.model(), 64, 64, "ceiling"), Error);
}

TEST_F(Render, ScriptedPushMovesThePuckAndTheFramesShowIt) {
  Outcome o = htrmrl("render --task push --variation 3 --policy scripted --out " +
                     path("push") + kSmall);
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_NE(o.output.find("push variation 3: success 1"), std::string::npos) << o.output;
  // Frames at steps 0, 100, ..., 500, each of the requested size and not blank.
  std::vector<Image> frames;
  for (int step = 0; step <= 500; step += 100) {
    char name[32];
    std::snprintf(name, sizeof name, "/step_%04d.png", step);
    frames.push_back(rendering::read_png(path("push") + name));
    EXPECT_EQ(frames.back().width, 160);
    EXPECT_EQ(frames.back().height, 120);
    EXPECT_GT(spread(frames.back()), 10.0) << name;
  }
  EXPECT_FALSE(fs::exists(path("push/step_0050.png")));
  EXPECT_GT(difference(frames.front(), frames.back()), 1.0) << "the expert changed nothing";
  // The strip: first, middle and last state side by side.
  Image strip = rendering::read_png(path("push/strip.png"));
  EXPECT_EQ(strip.width, 480);
  EXPECT_EQ(strip.height, 120);
  Image first = frames.front();
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 160 * 3; ++x)
      ASSERT_EQ(strip.rgb[(y * 480) * 3 + x], first.rgb[y * 160 * 3 + x]);
  EXPECT_EQ(entries(), 1) << "a staging folder was left behind";
  // Missing parent folders are made.
  o = htrmrl("render --task reach --policy zero --out " + path("a/b/reach") + kSmall);
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_TRUE(fs::exists(path("a/b/reach/strip.png")));
}

TEST_F(Render, FramesArePipedToFfmpegWhenItIsOnPath) {
  // A stand-in ffmpeg that stores what it is sent in its last argument (the output file).
  fs::create_directories(path("bin"));
  std::ofstream(path("bin/ffmpeg")) << "#!/bin/sh\nfor a in \"$@\"; do out=$a; done\n"
                                       "cat > \"$out\"\n";
  fs::permissions(path("bin/ffmpeg"), fs::perms::owner_all);
  Outcome o = htrmrl("render --task reach --policy zero --out " + path("reach") + kSmall,
                     "PATH=" + path("bin") + ":$PATH");
  ASSERT_EQ(o.code, 0) << o.output;
  ASSERT_TRUE(fs::exists(path("reach/episode.mp4"))) << o.output;
  EXPECT_EQ(fs::file_size(path("reach/episode.mp4")), 6u * 160 * 120 * 3);
  // Without ffmpeg there are frames and a note, and no video.
  Outcome plain = htrmrl("render --task reach --policy zero --out " + path("plain") + kSmall,
                         "PATH=" + path("nobin"));
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_NE(plain.output.find("ffmpeg"), std::string::npos) << plain.output;
  EXPECT_FALSE(fs::exists(path("plain/episode.mp4")));
  EXPECT_TRUE(fs::exists(path("plain/step_0500.png")));
}

TEST_F(Render, BadInputIsRefusedWithExitCodeTwoAndNothingWritten) {
  std::ofstream(path("file")) << "not a folder";
  fs::create_directories(path("full"));
  std::ofstream(path("full/x")) << "taken";
  fs::create_directories(path("nocheckpoint"));
  std::ofstream(path("nocheckpoint/config.toml")) << "[env]\nbenchmark = \"ml1-push\"\n";
  const std::string out = " --out " + path("out") + kSmall;
  const std::string unsized = " --out " + path("out") + " --height 120";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"render --task juggle" + out, "juggle"},
      {"render --task push --variation 50" + out, "variation 50"},
      {"render --task push --variation -1" + out, "variation -1"},
      {"render --task push --policy random" + out, "random"},
      {"render --task push --camera ceiling" + out, "ceiling"},
      {"render --task push --width 160 --stride 0" + unsized, "stride"},
      {"render --task push --width 8 --stride 100" + unsized, "8x120"},
      {"render --task push --out " + path("file/frames") + kSmall, "file/frames"},
      {"render --task push --out " + path("full") + kSmall, "full"},
      {"render --task push --run " + path("nothing") + out, "nothing"},
      {"render --task push --run " + path("nocheckpoint") + out, "no checkpoint"},
  };
  const int before = entries();
  for (const auto& [args, needle] : cases) {
    SCOPED_TRACE(args);
    Outcome o = htrmrl(args);
    EXPECT_EQ(o.code, 2) << o.output;
    EXPECT_NE(o.output.find(needle), std::string::npos) << o.output;
    EXPECT_EQ(std::count(o.output.begin(), o.output.end(), '\n'), 1) << o.output;
    EXPECT_EQ(entries(), before) << "something was written";
  }
  EXPECT_TRUE(fs::exists(path("full/x")));
  EXPECT_EQ(std::distance(fs::directory_iterator(path("full")), {}), 1);
}

TEST_F(Render, MissingOpenGlDriversAreReportedAsNoEglDevice) {
  // Mesa finds no driver here; a machine with another EGL vendor (a GPU's) may still render.
  Outcome o = htrmrl("render --task reach --out " + path("out") + kSmall,
                     "LIBGL_DRIVERS_PATH=/nonexistent");
  if (o.code == 0) GTEST_SKIP() << "an EGL vendor other than Mesa rendered anyway";
  EXPECT_EQ(o.code, 2) << o.output;
  EXPECT_NE(o.output.find("no EGL device"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(path("out")));
  EXPECT_EQ(entries(), 0);
}

TEST_F(Render, AgentOfATabletopRunActs) {
  // The smallest tabletop run: one iteration of one one-episode trial on ml1-push.
  ASSERT_EQ(htrmrl("train --out " + path("run") +
                   " --set env.benchmark=ml1-push --set env.episodes_per_trial=2"
                   " --set ppo.trials_per_iter=1 --set train.total_env_steps=1000"
                   " --set train.eval_at_end=false --set agent.d_model=16 --set agent.ff_dim=32"
                   " --set agent.hidden=32")
                .code,
            0);
  Outcome o = htrmrl("render --task push --variation 2 --run " + path("run") +
                     " --episode 1 --out " + path("frames") + kSmall);
  ASSERT_EQ(o.code, 0) << o.output;
  EXPECT_NE(o.output.find("push variation 2: success"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("episode 1 of 2"), std::string::npos) << o.output;
  EXPECT_TRUE(fs::exists(path("frames/strip.png")));
  EXPECT_TRUE(fs::exists(path("frames/step_0500.png")));
  // A run on another benchmark, or a task its benchmark lacks, is refused.
  Outcome other = htrmrl("render --task reach --run " + path("run") + " --out " + path("o2"));
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_NE(other.output.find("no task 'reach'"), std::string::npos) << other.output;
  EXPECT_FALSE(fs::exists(path("o2")));
}

}  // namespace
}  // namespace htrmrl
