// handle-pull: pull a lever's grip up (from down) until its right end is within 5 cm in
// height of a goal 17.2 cm above the unit's base, in front of it.
#include <cmath>

#include "envs/tabletop/tasks/handle.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kGripAxisBelow = 0.014;  // the grip's axis under its "right" site

class HandlePull final : public TaskOn<HandlePull, handle::Unit> {
 public:
  HandlePull() : TaskOn({false, handle::front_box(), "handle_right", "handle_goal_pull"}) {}
  const char* name() const override { return "handle-pull"; }

  // The caging's reference is the unit's origin, as Meta-World's (not the grip).
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), handle::kDown, ep);
    ep.obj_init = vec3(&v[0]);
  }

  // H(C, in) with the dense caging of the grip (radius 2.2 cm), in = tol(height gap; [0,
  // 0.05], margin the goal's height above the unit); the tcp on the grip and the gripper not
  // shut adds 1 + 5 in (at most 7 in all); 10 on success, the grip within 5 cm in height.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 grip = vec3(f.obs + 4);
    const double tcp_to_grip = dist(grip, f.gripper.tcp);
    const double dz = std::abs(ep.goal.z - grip.z);
    const double in = tolerance(dz, 0.0, 0.05, std::abs(ep.goal.z - ep.obj_init.z));
    const double caged = cage(f.gripper, grip, ep.obj_init, {0.022, 0.05, 0.01, 0.01});
    s.reward = hamacher(caged, in);
    if (tcp_to_grip < 0.035 && f.obs[3] > 0.0) s.reward += 1.0 + 5.0 * in;
    s.success = dz <= 0.05;
    if (s.success) s.reward = 10.0;
    s.near_object = tcp_to_grip <= 0.05;
    s.grasp_success = f.obs[3] > 0.0 && grip.z - 0.03 > ep.obj_init.z;
    s.obj_to_target = dz;
    return s;
  }

  // Grasp the 4.4 cm grip round its axis (the fingers read about 0.6 closed on it), lift.
  void scripted_action(const float* obs, float* action) const override {
    handle::pull(obs, {obs[4], obs[5], obs[6] - kGripAxisBelow}, 0.63, action);
  }
};

}  // namespace

const TabletopTask& handle_pull_task() { return single<HandlePull>(); }

}  // namespace htrmrl::tabletop
