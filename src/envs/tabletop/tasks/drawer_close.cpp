// drawer-close: push a cabinet's open drawer (pulled out 15 cm) back in until its handle is
// within 6.5 cm of a hidden goal 16 cm in front of the cabinet, at the handle's height (shut,
// the handle is 3 cm in front of it).
#include <algorithm>

#include "envs/tabletop/tasks/drawer.hpp"

namespace htrmrl::tabletop {
namespace {

class DrawerClose final : public TaskOn<DrawerClose, drawer::Cabinet> {
 public:
  const char* name() const override { return "drawer-close"; }

  // The drawer starts 15 cm out.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), -0.15, {0.0, -0.16, 0.09}, ep);
    ep.constant[0] = std::abs(dist(ep.obj_init, ep.init_tcp) - kReachRadius);
    ep.constant[1] = std::abs(dist(ep.obj_init, ep.goal) - kInRadius);
  }

  // 10 H(H(reach, closing), in): reach = the tcp within 2 cm of the handle (gaussian, margin
  // the initial distance), closing = clip(a3, 0, 1), in = the handle within 5 cm of the goal
  // (long tail, margin the initial distance). In [0, 10]; 10 on success, which the product
  // alone would withhold from a drawer pushed shut with the gripper open.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double to_goal = dist(handle, ep.goal);
    const double tcp_to_handle = dist(f.gripper.tcp, handle);
    const double reach =
        tolerance(tcp_to_handle, 0.0, kReachRadius, ep.constant[0], Sigmoid::kGaussian);
    const double closing = std::clamp(f.gripper.a3, 0.0, 1.0);
    const double in_place = tolerance(to_goal, 0.0, kInRadius, ep.constant[1]);
    s.reward = 10.0 * hamacher(hamacher(reach, closing), in_place);
    s.success = to_goal <= 0.065;
    if (s.success) s.reward = 10.0;
    grasp::report_handle(s, f, tcp_to_handle, to_goal);
    return s;
  }

  // Past the goal: the drawer shuts against the cabinet 3 cm before it.
  void scripted_action(const float* obs, float* action) const override {
    drawer::slide_drawer(obs, obs[37] + 0.02, action);
  }

 private:
  static constexpr double kReachRadius = 0.02, kInRadius = 0.05;
};

}  // namespace

const TabletopTask& drawer_close_task() { return single<DrawerClose>(); }

}  // namespace htrmrl::tabletop
