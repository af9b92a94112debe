// door-open: swing a safe's door open (toward the robot, about its vertical hinge) until the
// handle is within 8 cm in x of a hidden goal 30 cm to the left of and 45 cm in front of the
// safe.
#include <cmath>

#include "envs/tabletop/tasks/door.hpp"

namespace htrmrl::tabletop {
namespace {

class DoorOpen final : public TaskOn<DoorOpen, door::Safe> {
 public:
  const char* name() const override { return "door-open"; }

  // The door starts shut.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), 0.0, {-0.3, -0.45, 0.0}, ep);
    ep.constant[0] = dist(ep.init_tcp, ep.obj_init);
    ep.constant[1] = std::abs(ep.obj_init.x - ep.goal.x) - 0.08;
  }

  // 2 H(ready, grab) + 8 opened, 10 on success. The sheet leaves "ready" and "opened" open:
  // ready = the tcp within 2 cm of the handle (long tail, margin the initial distance);
  // opened = the handle's x within the success band of the goal's x (long tail, margin the
  // initial gap outside that band). Both lie in [0, 1], so the reward lies in [0, 10].
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double tcp_to_handle = dist(f.gripper.tcp, handle);
    const double x_gap = std::abs(handle.x - ep.goal.x);
    const double ready = tolerance(tcp_to_handle, 0.0, 0.02, ep.constant[0]);
    const double grab = (f.gripper.a3 + 1.0) / 2.0;
    const double opened = tolerance(x_gap, 0.0, 0.08, ep.constant[1]);
    s.reward = 2.0 * hamacher(ready, grab) + 8.0 * opened;
    s.success = x_gap <= 0.08;
    if (s.success) s.reward = 10.0;
    grasp::report_handle(s, f, tcp_to_handle, x_gap);
    return s;
  }

  void scripted_action(const float* obs, float* action) const override {
    door::turn_door(obs, door::kOpenAngle, action);
  }
};

}  // namespace

const TabletopTask& door_open_task() { return single<DoorOpen>(); }

}  // namespace htrmrl::tabletop
