// handle-press and handle-press-side: press a lever's grip down (from up) until its top is
// within 5 cm in height of a goal 7.5 cm above the unit's base, in front of it.
#include "envs/tabletop/tasks/handle.hpp"

namespace htrmrl::tabletop {
namespace {

class HandlePress final : public TaskOn<HandlePress, handle::Unit> {
 public:
  HandlePress(const char* name, bool side)
      : TaskOn({side, side ? handle::side_box() : handle::front_box(), "handle_start",
                "handle_goal_press"}),
        name_(name) {}
  const char* name() const override { return name_; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), handle::kUp, ep);
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    return handle::press_scores(f, ep);
  }

  void scripted_action(const float* obs, float* action) const override {
    handle::press(obs, action);
  }

 private:
  const char* name_;
};

}  // namespace

const TabletopTask& handle_press_task() {
  static const HandlePress task("handle-press", false);
  return task;
}

const TabletopTask& handle_press_side_task() {
  static const HandlePress task("handle-press-side", true);
  return task;
}

}  // namespace htrmrl::tabletop
