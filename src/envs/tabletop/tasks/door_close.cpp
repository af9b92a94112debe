// door-close: push a safe's open door (at -pi/2, swung out toward the robot) shut, until its
// handle is within 8 cm of a hidden goal 20 cm right of and 20 cm in front of the safe: where
// the handle is when the door is shut.
#include <cmath>

#include "envs/tabletop/tasks/door.hpp"

namespace htrmrl::tabletop {
namespace {

class DoorClose final : public TaskOn<DoorClose, door::Safe> {
 public:
  const char* name() const override { return "door-close"; }

  // The hand starts left of the open door, on the handle's side: at the usual (0, 0.6, 0.2)
  // it would stand inside the door of a safe placed at x > 0.085.
  HandSetup hand() const override { return hand_starting_at({-0.3, 0.6, 0.2}); }

  // The door starts open at -pi/2.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), -M_PI / 2.0, {0.2, -0.2, 0.0}, ep);
    ep.constant[0] = dist(ep.init_tcp, ep.goal);
    ep.constant[1] = dist(ep.obj_init, ep.goal);
  }

  // 3 (tcp at the goal) + 6 (handle at the goal), gaussian tolerances with the initial
  // distances as margins (the tcp within 2 cm, the handle within 5 cm); at most 9, and 10
  // once the handle is within 5 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double tcp_to_goal = dist(f.gripper.tcp, ep.goal);
    const double to_goal = dist(handle, ep.goal);
    const double hand_in = tolerance(tcp_to_goal, 0.0, 0.02, ep.constant[0], Sigmoid::kGaussian);
    const double in_place = tolerance(to_goal, 0.0, 0.05, ep.constant[1], Sigmoid::kGaussian);
    s.reward = 3.0 * hand_in + 6.0 * in_place;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.08;
    grasp::report_handle(s, f, dist(f.gripper.tcp, handle), to_goal);
    return s;
  }

  // Past shut, so the door is pressed against its stop.
  void scripted_action(const float* obs, float* action) const override {
    door::turn_door(obs, 0.05, action);
  }
};

}  // namespace

const TabletopTask& door_close_task() { return single<DoorClose>(); }

}  // namespace htrmrl::tabletop
