#include "rendering/offscreen.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstring>

#include "common/error.hpp"

namespace htrmrl::rendering {

struct OffscreenRenderer::Gl {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLContext context = EGL_NO_CONTEXT;
  ~Gl() {
    if (context == EGL_NO_CONTEXT) return;
    eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(display, context);
  }
};

namespace {

// An initialised display of the given platform, or EGL_NO_DISPLAY.
EGLDisplay open_display(EGLenum platform, void* native) {
  auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      eglGetProcAddress("eglGetPlatformDisplayEXT"));
  if (!get_display) return EGL_NO_DISPLAY;
  EGLDisplay display = get_display(platform, native, nullptr);
  if (display == EGL_NO_DISPLAY) return EGL_NO_DISPLAY;
  EGLint major = 0, minor = 0;
  return eglInitialize(display, &major, &minor) ? display : EGL_NO_DISPLAY;
}

// A desktop OpenGL context (MuJoCo draws with the compatibility profile) made current
// without a surface: MuJoCo renders into its own framebuffer object.
EGLContext make_current_context(EGLDisplay display) {
  // The default surface type (window) does not exist without a display: ask for pbuffers.
  const EGLint want[] = {EGL_RED_SIZE,     8,  EGL_GREEN_SIZE,      8,
                         EGL_BLUE_SIZE,    8,  EGL_DEPTH_SIZE,      24,
                         EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
                         EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig config;
  EGLint count = 0;
  if (!eglChooseConfig(display, want, &config, 1, &count) || count < 1) return EGL_NO_CONTEXT;
  if (!eglBindAPI(EGL_OPENGL_API)) return EGL_NO_CONTEXT;
  EGLContext context = eglCreateContext(display, config, EGL_NO_CONTEXT, nullptr);
  if (context == EGL_NO_CONTEXT) return EGL_NO_CONTEXT;
  if (!eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context)) {
    eglDestroyContext(display, context);
    return EGL_NO_CONTEXT;
  }
  return context;
}

// Mesa's surfaceless platform first (llvmpipe when there is no GPU), then each EGL device
// (a GPU driver's own EGL, e.g. NVIDIA's).
void start_gl(EGLDisplay& display, EGLContext& context) {
  display = open_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY);
  if (display != EGL_NO_DISPLAY && (context = make_current_context(display)) != EGL_NO_CONTEXT)
    return;
  auto query_devices =
      reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
  EGLDeviceEXT devices[16];
  EGLint count = 0;
  if (query_devices && query_devices(16, devices, &count)) {
    for (int i = 0; i < count; ++i) {
      display = open_display(EGL_PLATFORM_DEVICE_EXT, devices[i]);
      if (display == EGL_NO_DISPLAY) continue;
      if ((context = make_current_context(display)) != EGL_NO_CONTEXT) return;
    }
  }
  throw Error("no EGL device for offscreen rendering: neither Mesa's surfaceless platform nor "
              "any of the " + std::to_string(count) + " EGL devices gave an OpenGL context "
              "(scripts/setup.sh installs libegl-mesa0 and libgl1-mesa-dri)");
}

}  // namespace

std::vector<std::string> camera_names(const mjModel* m) {
  std::vector<std::string> names;
  for (int i = 0; i < m->ncam; ++i) names.push_back(mj_id2name(m, mjOBJ_CAMERA, i));
  return names;
}

OffscreenRenderer::OffscreenRenderer(const mjModel* m, int width, int height,
                                     const std::string& camera)
    : gl_(std::make_unique<Gl>()), width_(width), height_(height) {
  const int cam = mj_name2id(m, mjOBJ_CAMERA, camera.c_str());
  if (cam < 0) {
    std::string known;
    for (const auto& n : camera_names(m)) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown camera '" + camera + "' (the scene has: " + known + ")");
  }
  if (width < 16 || height < 16 || width > 4096 || height > 4096)
    throw Error("frame size " + std::to_string(width) + "x" + std::to_string(height) +
                " is outside 16..4096 pixels a side");
  start_gl(gl_->display, gl_->context);

  // The offscreen framebuffer takes its size from the model: a private copy carries ours.
  model_ = mj_copyModel(nullptr, m);
  model_->vis.global.offwidth = width;
  model_->vis.global.offheight = height;
  mjv_defaultScene(&scene_);
  mjv_makeScene(model_, &scene_, 2000);
  mjr_defaultContext(&context_);
  mjr_makeContext(model_, &context_, mjFONTSCALE_100);
  mjr_setBuffer(mjFB_OFFSCREEN, &context_);
  if (context_.currentBuffer != mjFB_OFFSCREEN) {
    release();
    throw Error("the OpenGL driver offers no offscreen framebuffer");
  }
  mjv_defaultOption(&option_);
  mjv_defaultCamera(&camera_);
  camera_.type = mjCAMERA_FIXED;
  camera_.fixedcamid = cam;
  rows_.resize(static_cast<size_t>(width) * height * 3);
}

OffscreenRenderer::~OffscreenRenderer() { release(); }

void OffscreenRenderer::release() {
  if (!model_) return;
  eglMakeCurrent(gl_->display, EGL_NO_SURFACE, EGL_NO_SURFACE, gl_->context);
  mjr_freeContext(&context_);
  mjv_freeScene(&scene_);
  mj_deleteModel(model_);
  model_ = nullptr;
}

Image OffscreenRenderer::render(const mjData* d) {
  if (eglGetCurrentContext() != gl_->context)
    eglMakeCurrent(gl_->display, EGL_NO_SURFACE, EGL_NO_SURFACE, gl_->context);
  // mjv_updateScene only reads the state; its signature predates const correctness.
  mjv_updateScene(model_, const_cast<mjData*>(d), &option_, nullptr, &camera_, mjCAT_ALL,
                  &scene_);
  const mjrRect viewport = {0, 0, width_, height_};
  mjr_render(viewport, &scene_, &context_);
  mjr_readPixels(rows_.data(), nullptr, viewport, &context_);

  // OpenGL reads the bottom row first; images keep the top row first.
  Image image;
  image.width = width_;
  image.height = height_;
  image.rgb.resize(rows_.size());
  const size_t row = static_cast<size_t>(width_) * 3;
  for (int y = 0; y < height_; ++y)
    std::memcpy(&image.rgb[y * row], &rows_[(height_ - 1 - y) * row], row);
  return image;
}

}  // namespace htrmrl::rendering
