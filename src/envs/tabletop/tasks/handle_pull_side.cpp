// handle-pull-side: pull the lever of a unit turned to point +x up (from down) until a point
// on it is within 8 cm of a goal 17.2 cm above the unit's base, beyond the grip (at the top,
// the point is still 5.1 cm from it).
#include "envs/tabletop/tasks/handle.hpp"

namespace htrmrl::tabletop {
namespace {

class HandlePullSide final : public TaskOn<HandlePullSide, handle::Unit> {
 public:
  HandlePullSide() : TaskOn({true, handle::side_box(), "handle_center", "handle_goal_pull"}) {}
  const char* name() const override { return "handle-pull-side"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), handle::kDown, ep);
  }

  // H(C, in) with the dense caging of the lever (radius 3.2 cm, pad threshold 6 cm), in =
  // tol(point-goal; [0, 0.05], margin the initial distance); held (the tcp on the point, the
  // gripper not shut, lifted 1 cm) adds 1 + 5 in (at most 7 in all); 10 within 5 cm, which
  // the point never reaches (as in Meta-World).
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 point = vec3(f.obs + 4);
    const double tcp_to_point = dist(point, f.gripper.tcp);
    const double to_goal = dist(point, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    const double caged = cage(f.gripper, point, ep.obj_init, {0.032, 0.06, 0.01, 0.01});
    s.reward = hamacher(caged, in);
    const bool held = tcp_to_point < 0.035 && f.obs[3] > 0.0 && point.z - 0.01 > ep.obj_init.z;
    if (held) s.reward += 1.0 + 5.0 * in;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.08;
    s.near_object = tcp_to_point <= 0.05;
    s.grasp_success = f.obs[3] > 0.0 && point.z - 0.03 > ep.obj_init.z;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the 4 cm lever across (the fingers read about 0.56 closed on it), lift.
  void scripted_action(const float* obs, float* action) const override {
    handle::pull(obs, {obs[4], obs[5], obs[6]}, 0.6, action);
  }
};

}  // namespace

const TabletopTask& handle_pull_side_task() { return single<HandlePullSide>(); }

}  // namespace htrmrl::tabletop
