// window-open: slide a window pane 0.2 m along x by its handle until the handle is within
// 5 cm (in x) of the goal, window + (0.2, 0, 0). Fully open, the handle stops 8 mm short of
// the goal; success needs a slide of 0.158.
#include "envs/tabletop/tasks/window.hpp"

namespace htrmrl::tabletop {
namespace {

class WindowOpen final : public TaskOn<WindowOpen, window::Window> {
 public:
  // window (x, y, z), its height fixed.
  WindowOpen() : TaskOn(window::Window({{-0.1, 0.7, 0.16}, {0.1, 0.9, 0.16}})) {}
  const char* name() const override { return "window-open"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  // The pane starts shut.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), 0.0, {window::kSlide, 0.0, 0.0}, ep);
  }

  Scores score(const Frame& f, const Episode& ep) const override { return window::score(f, ep); }

  // From the grip's -x side, to the goal.
  void scripted_action(const float* obs, float* action) const override {
    window::push_handle(obs, -1.0, obs[36], action);
  }
};

}  // namespace

const TabletopTask& window_open_task() { return single<WindowOpen>(); }

}  // namespace htrmrl::tabletop
