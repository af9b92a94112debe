// drawer-open: pull a cabinet's drawer out by its handle until the handle is within 3 cm of a
// hidden goal 36 cm in front of the cabinet, at the handle's height (pulled all the way, the
// handle stops 1 cm short of it).
#include "envs/tabletop/tasks/drawer.hpp"

namespace htrmrl::tabletop {
namespace {

class DrawerOpen final : public TaskOn<DrawerOpen, drawer::Cabinet> {
 public:
  const char* name() const override { return "drawer-open"; }

  // The drawer starts shut.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), 0.0, {0.0, -0.36, 0.09}, ep);
    ep.constant[0] = norm(scale(ep.obj_init - ep.init_tcp, kReachWeights));
  }

  // 5 (tcp at the handle: a long-tail tolerance of their distance, weighted 3x in x and y,
  // margin the initial weighted distance) + 5 (handle within 2 cm of the goal, long tail,
  // margin 0.2). Both terms lie in [0, 1], so the reward lies in [0, 10].
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double to_goal = dist(handle, ep.goal);
    const double reach_error = norm(scale(handle - f.gripper.tcp, kReachWeights));
    const double reached = tolerance(reach_error, 0.0, 0.01, ep.constant[0]);
    const double opened = tolerance(to_goal, 0.0, 0.02, 0.2);
    s.reward = 5.0 * reached + 5.0 * opened;
    s.success = to_goal <= 0.03;
    grasp::report_handle(s, f, dist(f.gripper.tcp, handle), to_goal);
    return s;
  }

  // Past the goal: the slide's stop holds the drawer 1 cm short of it.
  void scripted_action(const float* obs, float* action) const override {
    drawer::slide_drawer(obs, obs[37] - 0.02, action);
  }

 private:
  static constexpr Vec3 kReachWeights{3.0, 3.0, 1.0};
};

}  // namespace

const TabletopTask& drawer_open_task() { return single<DrawerOpen>(); }

}  // namespace htrmrl::tabletop
