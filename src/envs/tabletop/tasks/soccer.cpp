// soccer: push a ball (r 2.6 cm, 40 g) into a small goal behind it, within 7 cm of the goal's
// origin, the foot of its back panel.
//
// Gaps filled: the goal is a mocap frame of two side panels and a back panel (its roof is
// visual: the wrist passed under it when the hand followed the ball in); the ball is placed
// at rest (Meta-World drops it 4 mm). The margin of "in" is the initial weighted distance to
// the goal, where Meta-World's is the distance the ball has travelled so far (0 at the start,
// so "in" is 0 until the ball moves: a bug as written).
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kBallR = 0.026;
constexpr Vec3 kWeights{3.0, 1.0, 1.0};  // "in" weighs x three times

// The ball (its dark patches weigh nothing: they would unbalance it), and
// the goal: its mouth (18 cm wide) faces the robot, its origin is on the table
// at the back panel's foot.
const char* kXml = R"(
    <body name="ball" pos="0 0.65 0.026">
      <freejoint name="ball"/>
      <geom class="object" type="sphere" size="0.026" mass="0.04" rgba="0.95 0.95 0.95 1"/>
      <geom class="visual" type="sphere" pos="0 0 0.0215" size="0.008" density="0"
            rgba="0.1 0.1 0.1 1"/>
      <geom class="visual" type="sphere" pos="0.0215 0 0" size="0.008" density="0"
            rgba="0.1 0.1 0.1 1"/>
      <geom class="visual" type="sphere" pos="0 -0.0215 0" size="0.008" density="0"
            rgba="0.1 0.1 0.1 1"/>
    </body>
    <body name="soccer_goal" mocap="true" pos="0 0.85 0">
      <geom class="prop" type="box" pos="0 0.009 0.08" size="0.102 0.005 0.08"
            rgba="0.9 0.9 0.95 0.55"/>
      <geom class="prop" type="box" pos="-0.097 -0.031 0.08" size="0.005 0.045 0.08"
            rgba="0.9 0.9 0.95 0.55"/>
      <geom class="prop" type="box" pos="0.097 -0.031 0.08" size="0.005 0.045 0.08"
            rgba="0.9 0.9 0.95 0.55"/>
      <geom class="visual" type="box" pos="0 -0.031 0.163" size="0.102 0.05 0.003"
            rgba="0.9 0.9 0.95 0.55"/>
      <geom class="visual" type="box" pos="0 -0.001 0.0005" size="0.092 0.004 0.0005"
            rgba="1 1 1 1"/>
    </body>
)";

class Soccer final : public TaskOn<Soccer, FreeObjectAndMarker> {
 public:
  // ball (x, y, z) at rest on the table, goal (x, y, z) behind it, at least 15 cm apart in xy.
  Soccer()
      : TaskOn({kXml,
                {{-0.1, 0.6, kBallR, -0.1, 0.8, 0.0}, {0.1, 0.7, kBallR, 0.1, 0.9, 0.0}},
                "ball",
                "soccer_goal"}) {}
  const char* name() const override { return "soccer"; }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, v, ep);
    ep.constant[0] = norm(scale(ep.obj_init - ep.goal, kWeights));  // the margin of "in"
  }

  // 3 grab + 6.5 in: grab the older caging (r 0.013, grip margin 0.023, xz 0.005); in =
  // tol(|(ball - goal) (3, 1, 1)|; [0, 0.05]), less 2 (y past the line 10 cm before the goal)
  // / (1 - that line) when the ball is more than 10 cm off the goal's x there. 10 once the
  // weighted distance is under 5 cm; success within 7 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 ball = vec3(f.obs + 4);
    const double weighted = norm(scale(ball - ep.goal, kWeights));
    double in = tolerance(weighted, 0.0, 0.05, ep.constant[0]);
    const double line = ep.goal.y - 0.1;
    if (ball.y > line && std::abs(ball.x - ep.goal.x) > 0.1)
      in = std::clamp(in - 2.0 * (ball.y - line) / (1.0 - line), 0.0, 1.0);
    const double grab = cage_old(f.gripper, ball, ep.obj_init, 0.013, 0.023, 0.005);
    s.reward = weighted < 0.05 ? 10.0 : 3.0 * grab + 6.5 * in;
    const double to_goal = dist(ball, ep.goal);
    s.success = to_goal <= 0.07;
    s.near_object = dist(ball, f.gripper.tcp) <= 0.03;
    s.grasp_success = s.near_object && f.obs[3] > 0.0 && ball.z - 0.02 > ep.obj_init.z;
    s.obj_to_target = to_goal;
    return s;
  }

  // Fingers closed, stand 5.5 cm behind the ball on its line to the goal with the fingertips
  // at its middle's height, then push it along that line (the palm passes over it). A rolling
  // ball is met where it will be 8 steps on.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 now{obs[4], obs[5], obs[6]};
    const Vec3 before{obs[22], obs[23], obs[24]};
    const Vec3 ball = now + 8.0 * (now - before);
    const Vec3 goal{obs[36], obs[37], obs[38]};
    const double len = std::max(dist_xy(goal, ball), 1e-6);
    const double dx = (goal.x - ball.x) / len, dy = (goal.y - ball.y) / len;
    const double push_z = kBallR + 0.045;  // the hand's height: the tcp at the ball's middle
    const Vec3 behind{ball.x - 0.055 * dx, ball.y - 0.055 * dy, push_z};
    const double along = (hand.x - ball.x) * dx + (hand.y - ball.y) * dy;
    const double across = (hand.x - ball.x) * dy - (hand.y - ball.y) * dx;
    if (hand.z < push_z + 0.01 && along < -0.03 && std::abs(across) < 0.015) {
      move_toward(obs, {ball.x + 0.05 * dx, ball.y + 0.05 * dy, push_z}, 10.0, action);
      for (int i = 0; i < 2; ++i) action[i] *= 0.5f;
    } else if (dist_xy(hand, behind) < 0.015) {
      move_toward(obs, behind, 10.0, action);
    } else {
      move_over(obs, {behind.x, behind.y, push_z + 0.08}, push_z + 0.06, action);
    }
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& soccer_task() { return single<Soccer>(); }

}  // namespace htrmrl::tabletop
