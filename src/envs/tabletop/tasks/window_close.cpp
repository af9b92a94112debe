// window-close: slide an open window pane (slid 0.2 m along x) shut by its handle until the
// handle is within 5 cm (in x) of the goal, the window's origin. Shut, the handle is 8 mm
// left of the goal; success needs the slide back to 0.058 or less (Meta-World: 0.04).
#include "envs/tabletop/tasks/window.hpp"

namespace htrmrl::tabletop {
namespace {

class WindowClose final : public TaskOn<WindowClose, window::Window> {
 public:
  // window (x, y, z): x and the height fixed (as Meta-World, which fixes x = 0).
  WindowClose() : TaskOn(window::Window({{0.0, 0.75, 0.16}, {0.0, 0.9, 0.16}})) {}
  const char* name() const override { return "window-close"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  // The pane starts open.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), window::kSlide, {0.0, 0.0, 0.0}, ep);
  }

  Scores score(const Frame& f, const Episode& ep) const override { return window::score(f, ep); }

  // From the grip's +x side, to the goal.
  void scripted_action(const float* obs, float* action) const override {
    window::push_handle(obs, 1.0, obs[36], action);
  }
};

}  // namespace

const TabletopTask& window_close_task() { return single<WindowClose>(); }

}  // namespace htrmrl::tabletop
