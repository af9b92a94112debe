// Records one episode as files: PNG frames every stride steps, a beginning/middle/end strip
// (first, middle and last state side by side), and an MP4 when ffmpeg is on PATH.
// Everything is written into a staging folder beside the output and moved into place by
// finish(), so a failure at any point leaves nothing behind.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "rendering/offscreen.hpp"

namespace htrmrl::rendering {

// The defaults play in real time: tabletop steps are 12.5 ms (80 Hz), every second one is
// a frame, 40 frames a second. The corner camera shows the arm, hand and objects unhidden.
struct RenderOptions {
  int width = 640, height = 480;
  std::string camera = "corner";
  int stride = 2;   // a frame every stride steps (the last state is always one)
  double fps = 40;  // of the video
};

// What finish() wrote.
struct Recording {
  std::string dir;
  int frames = 0;
  std::string strip;  // path of the strip image
  std::string video;  // path of the MP4, empty when none was made
  std::string note;   // why there is no video, when there is none
};

class EpisodeRecorder {
 public:
  // For episodes of episode_steps steps in scenes shaped like m. Starts the renderer, then
  // claims out (which must not exist or be an empty folder): an htrmrl::Error names the
  // first problem, before anything is written.
  EpisodeRecorder(const mjModel* m, int episode_steps, const RenderOptions& options,
                  const std::string& out);
  ~EpisodeRecorder();  // removes the staging folder unless finish() succeeded
  EpisodeRecorder(const EpisodeRecorder&) = delete;
  EpisodeRecorder& operator=(const EpisodeRecorder&) = delete;

  // Call with the state after the reset and after every step, in order.
  void capture(const mjData* d);
  Recording finish();

 private:
  void open_video();
  void close_video(Recording& r);

  OffscreenRenderer renderer_;
  RenderOptions options_;
  int episode_steps_;
  std::string out_, staging_;
  std::string created_;  // staging_ or the first of its parents that did not exist
  int step_ = 0;
  int frames_ = 0;
  std::vector<Image> strip_;
  FILE* video_ = nullptr;  // ffmpeg's stdin
  std::string note_;
};

// The full path of an executable found on PATH, or empty.
std::string find_on_path(const std::string& program);

}  // namespace htrmrl::rendering
