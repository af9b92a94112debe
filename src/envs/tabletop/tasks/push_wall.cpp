// push-wall: move a puck along the table round the left end of a 12 cm wall to a hidden goal
// behind it, within 7 cm (grasping and dragging it is allowed and is what the scripted expert
// does).
#include "envs/tabletop/tasks/grasp.hpp"
#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

const Vec3 kRoundWallWeights{3.0, 1.0, 1.0};
// The lane the expert drags the puck along, left of the wall's end with room for the hand
// (its 4.5 cm disc and 6.5 cm palm), and how far behind the wall it turns toward the goal.
constexpr double kLaneX = puck::kWallLeft - 0.08, kTurnY = puck::kWallY + 0.09;

class PushWall final : public PlacedByPiece<PushWall, puck::PuckAndGoal> {
 public:
  PushWall() : PlacedByPiece(puck::behind_wall(puck::Goal::kOnTable)) {}
  const char* name() const override { return "push-wall"; }

  // Two stages: first the puck round the wall's end, m = (-0.05, 0.77, puck z), weighting x
  // 3x; once past the wall (y > 0.75), to the goal. 2 C (dense caging); with the tcp on the
  // puck and the gripper not shut: 2 C + 1 + 4 in1, past the wall 2 C + 5 + 3 in2 (at most
  // 10); 10 within 5 cm of the goal.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 obj = vec3(f.obs + 4);
    const Vec3 round{-0.05, 0.77, obj.z};
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    const puck::WallStages in = puck::wall_stages(obj, round, kRoundWallWeights, ep);
    const double caged = cage(f.gripper, obj, ep.obj_init, {0.015, 0.05, 0.01, 0.005});
    s.reward = 2.0 * caged;
    if (tcp_to_obj < 0.02 && f.obs[3] > 0.0)
      s.reward += obj.y > puck::kWallY ? 5.0 + 3.0 * in.goal : 1.0 + 4.0 * in.waypoint;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = tcp_to_obj <= 0.03;
    s.grasp_success = caged > 0.8;
    s.obj_to_target = to_goal;
    return s;
  }

  // Over the puck, down, close, then drag it low over the table: left into the lane, along
  // the lane past the wall, then to the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 puck{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    if (!grasp::take_from_above(obs, puck, {}, action)) return;
    Vec3 to = goal;
    if (puck.y < kTurnY - 0.01)
      to = puck.x > kLaneX + 0.01 ? Vec3{kLaneX, puck.y, 0.0} : Vec3{kLaneX, kTurnY, 0.0};
    // The hand moves by the puck's offset from where it is to go (a puck slipped in the grip
    // would otherwise stop short), 4 cm over the puck's centre: it drags along the table.
    move_toward(obs, {obs[0] + to.x - puck.x, obs[1] + to.y - puck.y, puck.z + 0.04}, 10.0, action);
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& push_wall_task() { return single<PushWall>(); }

}  // namespace htrmrl::tabletop
