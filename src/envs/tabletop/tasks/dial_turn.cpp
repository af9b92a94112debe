// dial-turn: turn a dial's knob (a disc on a vertical hinge with a grip bar across its top)
// until a point on its rim, which starts 5 cm in front of the axis, lies within 5 cm of a goal
// 3 cm behind and 3 cm above the axis: a turn of at least about 127 degrees, either way.
//
// Gaps filled: the sheet's push point (rim + (0.05, 0.02, 0.09)) and its reward are kept
// as written (the reach term wants the tcp there with the gripper closing, so the reward is
// a shaping signal only, never 10; no success override, as Meta-World). The base is visual
// (the knob's hinge holds it), so the knob touches nothing but the hand.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kRim = 0.05;        // the watched point's radius
constexpr Vec3 kGoalOffset{0.0, 0.03, 0.03};
constexpr Vec3 kPushOffset{0.05, 0.02, 0.09};
constexpr double kBarZ = 0.052;      // the grip bar's middle height

// A low plinth, a knob disc (r 5 cm, 3.6 cm high) on a damped vertical hinge with a grip bar
// (9.2 cm along y at 0) and a red mark at the watched rim point.
const char* kXml = R"(
    <body name="dial" mocap="true" pos="0 0.75 0">
      <geom class="visual" type="cylinder" pos="0 0 0.001" size="0.065 0.001" material="dark"/>
      <body name="dial_knob" pos="0 0 0">
        <joint name="dial_hinge" type="hinge" axis="0 0 1" range="-3.14 3.14" limited="true"
               damping="1"/>
        <geom class="prop" type="cylinder" pos="0 0 0.02" size="0.05 0.018" material="metal"
              mass="0.3"/>
        <geom class="prop" type="box" pos="0 0 0.052" size="0.015 0.046 0.015"
              rgba="0.2 0.3 0.7 1" mass="0.066"/>
        <geom class="visual" type="box" pos="0 -0.045 0.039" size="0.004 0.006 0.001"
              rgba="0.9 0.1 0.1 1"/>
        <site name="dial_rim" pos="0 -0.05 0" size="0.004"/>
      </body>
    </body>
)";

class DialTurn final : public TaskOn<DialTurn, Furniture> {
 public:
  // dial (x, y, z), on the table; the slot shows the rim point with the base's (constant)
  // orientation.
  DialTurn()
      : TaskOn({kXml,
                {{-0.1, 0.7, 0.0}, {0.1, 0.8, 0.0}},
                "dial",
                "dial_hinge",
                ObjectSlot::site("dial_rim", "dial")}) {}
  const char* name() const override { return "dial-turn"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 dial = vec3(&v[0]);
    piece_.place(m, d, dial, 0.0);
    ep.obj_init = dial + Vec3{0.0, -kRim, 0.0};
    ep.goal = dial + kGoalOffset;
    const Vec3 push0 = ep.obj_init + kPushOffset;
    ep.constant[0] = std::abs(dist(push0, ep.goal) - 0.05);         // the margin of "in"
    ep.constant[1] = std::abs(dist(push0, ep.init_tcp) - 0.005);    // the margin of "reach"
  }

  // 10 H(H(reach, closing), in): reach = tol_gaussian(tcp-push point; [0, 0.005]), in =
  // tol(rim-goal; [0, 0.05]). No success override.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 rim = vec3(f.obs + 4);
    const Vec3 push = rim + kPushOffset;
    const double to_goal = dist(rim, ep.goal);
    const double tcp_to_push = dist(push, f.gripper.tcp);
    const double in = tolerance(to_goal, 0.0, 0.05, ep.constant[0]);
    const double reach = tolerance(tcp_to_push, 0.0, 0.005, ep.constant[1], Sigmoid::kGaussian);
    const double closing = std::clamp(f.gripper.a3, 0.0, 1.0);
    s.reward = 10.0 * hamacher(hamacher(reach, closing), in);
    s.success = to_goal <= 0.05;
    s.near_object = tcp_to_push <= 0.01;
    s.grasp_success = true;
    s.obj_to_target = to_goal;
    return s;
  }

  // Fingers closed, stand beside the grip bar 3.5 cm from the axis on its trailing side,
  // then push it round (counter-clockwise from above) a quarter radian ahead at a time.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 axis = Vec3{obs[36], obs[37], obs[38]} - kGoalOffset;
    const double angle = std::atan2(obs[4] - axis.x, -(obs[5] - axis.y));
    // The closed fingers' midpoint (5 mm +y of the hand) beside the bar at an angle, the
    // hand 4.5 cm above the tcp.
    auto pusher = [&](double a) {
      const double along = -0.035, side = -0.032;
      return Vec3{axis.x - along * std::sin(a) + side * std::cos(a),
                  axis.y + along * std::cos(a) + side * std::sin(a) - 0.005, kBarZ + 0.045};
    };
    const Vec3 at = pusher(angle);
    const bool low = hand.z < at.z + 0.02;
    if (low && dist_xy(hand, at) < 0.03) {
      move_toward(obs, pusher(angle + 0.25), 10.0, action);
    } else if (dist_xy(hand, at) < 0.01) {
      move_toward(obs, at, 10.0, action);
    } else {
      move_over(obs, {at.x, at.y, at.z + 0.06}, at.z + 0.05, action);
    }
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& dial_turn_task() { return single<DialTurn>(); }

}  // namespace htrmrl::tabletop
