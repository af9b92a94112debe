// pick-place: pick a puck up from the table and hold it within 7 cm of a hidden goal in the
// air above the far half of the table.
#include "envs/tabletop/tasks/grasp.hpp"
#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

class PickPlace final : public PlacedByPiece<PickPlace, puck::PuckAndGoal> {
 public:
  PickPlace() : PlacedByPiece(puck::PuckAndGoal(puck::Goal::kInAir)) {}
  const char* name() const override { return "pick-place"; }

  // The pick reward (grasp::carry_scores) with the older caging as its grasp term.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 obj = vec3(f.obs + 4);
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    const double in_place = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    // Pads count as gripping within 2.5 cm of the puck's axis (its radius plus a pad).
    const double caged = cage_old(f.gripper, obj, ep.obj_init, 0.015, 0.025, 0.005);
    const bool held = grasp::held(f, obj, 0.02, ep);
    return grasp::carry_scores(caged, in_place, held, to_goal, tcp_to_obj, {0.07, 0.05, 0.03});
  }

  // Over the puck, down, close, lift, then carry the puck itself onto the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 puck{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    if (!grasp::take_from_above(obs, puck, {}, action)) return;
    // Lift straight up first so the puck leaves the table, then move it to the goal.
    grasp::carry_toward(obs, puck, puck.z < 0.04 ? Vec3{puck.x, puck.y, 0.1} : goal, action);
  }
};

}  // namespace

const TabletopTask& pick_place_task() { return single<PickPlace>(); }

}  // namespace htrmrl::tabletop
