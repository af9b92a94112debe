// push: move a puck along the table to a hidden goal 5 cm radius (grasping and dragging it
// is allowed and is what the scripted expert does).
#include "envs/tabletop/tasks/grasp.hpp"
#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

class Push final : public PlacedByPiece<Push, puck::PuckAndGoal> {
 public:
  Push() : PlacedByPiece(puck::PuckAndGoal(puck::Goal::kOnTable)) {}
  const char* name() const override { return "push"; }

  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 obj = vec3(f.obs + 4);
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    // Cage the puck; once the tcp is on it (gripper not shut), the distance to the goal.
    const double in_place = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    const double caged = cage(f.gripper, obj, ep.obj_init, {0.015, 0.05, 0.01, 0.005});
    s.reward = 2.0 * caged;
    if (tcp_to_obj < 0.02 && f.obs[3] > 0.0) s.reward += 1.0 + s.reward + 5.0 * in_place;
    s.success = to_goal <= 0.05;
    if (s.success) s.reward = 10.0;
    s.near_object = tcp_to_obj <= 0.03;
    s.grasp_success = caged > 0.8;
    s.obj_to_target = to_goal;
    return s;
  }

  // Over the puck, down, close, carry it to the goal low over the table.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 puck{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    if (!grasp::take_from_above(obs, puck, {}, action)) return;
    // The hand 4 cm over the puck's centre: the puck drags along the table.
    move_toward(obs, {goal.x, goal.y, puck.z + 0.04}, 10.0, action);
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& push_task() { return single<Push>(); }

}  // namespace htrmrl::tabletop
