// pick-place-wall: pick a puck up from the table, lift it over a 12 cm wall and hold it
// within 7 cm of a hidden goal in the air behind the wall.
#include <algorithm>

#include "envs/tabletop/tasks/grasp.hpp"
#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

const Vec3 kOverWallWeights{1.0, 1.0, 3.0};

class PickPlaceWall final : public PlacedByPiece<PickPlaceWall, puck::PuckAndGoal> {
 public:
  PickPlaceWall() : PlacedByPiece(puck::behind_wall(puck::Goal::kInAir)) {}
  const char* name() const override { return "pick-place-wall"; }

  // Two stages: first the puck to a point over the wall, m = (goal x, 0.77, 0.25), weighting
  // height 3x; once past the wall (y > 0.75), to the goal. g = H(cage, in1) with the plain
  // caging (no density term); held and lifted 1.5 cm: g + 1 + 4 in1, past the wall
  // g + 5 + 3 in2 (at most 9); 10 within 5 cm of the goal.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 obj = vec3(f.obs + 4);
    const Vec3 over{ep.goal.x, 0.77, 0.25};
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    const puck::WallStages in = puck::wall_stages(obj, over, kOverWallWeights, ep);
    CageOptions caging{0.015, 0.05, 0.01, 0.005};
    caging.density = CageDensity::kNone;
    const double g = hamacher(cage(f.gripper, obj, ep.obj_init, caging), in.waypoint);
    const bool held = tcp_to_obj < 0.02 && f.obs[3] > 0.0 && obj.z - 0.015 > ep.obj_init.z;
    s.reward = g;
    if (held)
      s.reward = obj.y > puck::kWallY ? g + 5.0 + 3.0 * in.goal : g + 1.0 + 4.0 * in.waypoint;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = tcp_to_obj <= 0.03;
    s.grasp_success = held;
    s.obj_to_target = to_goal;
    return s;
  }

  // Over the puck, down, close; lift it straight up to the cruising height (its bottom 8 cm
  // over the wall, or the goal's height if higher), carry it over the wall and, once past it,
  // onto the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 puck{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    if (!grasp::take_from_above(obs, puck, {}, action)) return;
    const double cruise = std::max(goal.z, puck::kWallTop + 0.08 + 0.02);
    Vec3 to = goal;
    if (puck.y < puck::kWallY + 0.03)
      to = puck.z < cruise - 0.02 ? Vec3{puck.x, puck.y, cruise} : Vec3{goal.x, goal.y, cruise};
    grasp::carry_toward(obs, puck, to, action);
  }
};

}  // namespace

const TabletopTask& pick_place_wall_task() { return single<PickPlaceWall>(); }

}  // namespace htrmrl::tabletop
