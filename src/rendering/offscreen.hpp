// Offscreen rendering of a MuJoCo scene without a display: an EGL context on Mesa's
// surfaceless platform (or, failing that, the first EGL device), MuJoCo's offscreen
// framebuffer, RGB images read back top row first.
#pragma once

#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "rendering/image.hpp"

namespace htrmrl::rendering {

class OffscreenRenderer {
 public:
  // Renders states of models shaped like m (same bodies and cameras) at width x height
  // through the named camera. Throws htrmrl::Error when no EGL display or context can be
  // had, or when the model has no such camera (the message lists the ones it has).
  OffscreenRenderer(const mjModel* m, int width, int height, const std::string& camera);
  ~OffscreenRenderer();
  OffscreenRenderer(const OffscreenRenderer&) = delete;
  OffscreenRenderer& operator=(const OffscreenRenderer&) = delete;

  // The scene in state d as the camera sees it.
  Image render(const mjData* d);

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  void release();  // frees MuJoCo's side (the EGL side goes with gl_)

  struct Gl;  // the EGL display and context, released last
  std::unique_ptr<Gl> gl_;
  mjModel* model_ = nullptr;  // a private copy sized for the requested framebuffer
  mjvScene scene_;
  mjrContext context_;
  mjvOption option_;
  mjvCamera camera_;
  int width_, height_;
  std::vector<unsigned char> rows_;  // bottom row first, as OpenGL reads them
};

// The camera names a model defines, in order.
std::vector<std::string> camera_names(const mjModel* m);

}  // namespace htrmrl::rendering
