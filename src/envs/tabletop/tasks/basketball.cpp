// basketball: pick a ball up from the table and bring it into the ring of a hoop (a backboard
// on a post, the ring in front of it at 30 cm) that stands at a hidden place behind the ball.
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kBallRadius = 0.03;
constexpr double kRingHeight = 0.3;  // the ring's centre above the hoop's base: the goal
// Success and the "in" tolerance weigh height twice.
const Vec3 kWeights{1.0, 1.0, 2.0};

// The ring (inner radius 5.4 cm: the ball and the closed fingers pass) is 12 capsules.
std::string ring_xml() {
  std::string xml;
  const std::string z = " " + std::to_string(kRingHeight) + " ";
  const double r = 0.06, half = r * std::sin(kPi / 12.0) + 0.002;
  for (int i = 0; i < 12; ++i) {
    const double a = 2.0 * kPi * i / 12.0, c = std::cos(a), s = std::sin(a);
    const double x = r * c, y = r * s;
    // Each capsule is tangent to the circle: from (x, y) along (-s, c).
    xml += "      <geom class=\"prop\" type=\"capsule\" size=\"0.006\" fromto=\"" +
           std::to_string(x - half * s) + " " + std::to_string(y + half * c) + z +
           std::to_string(x + half * s) + " " + std::to_string(y - half * c) + z +
           "\" rgba=\"0.9 0.35 0.1 1\"/>\n";
  }
  return xml;
}

// The hoop is a mocap body (the variation moves it); its origin is on the table under the
// ring's centre, the backboard and post stand behind the ring.
std::string hoop_and_ball_xml() {
  return R"(
    <body name="ball" pos="0 0.6 0.03">
      <freejoint name="ball"/>
      <geom class="object" type="sphere" size="0.03" mass="0.1" rgba="0.95 0.45 0.1 1"/>
    </body>
    <body name="hoop" mocap="true" pos="0 0.9 0">
)" + ring_xml() +
         R"(      <geom class="prop" type="box" pos="0 0.069 0.3" size="0.008 0.006 0.006"
            material="metal"/>
      <geom class="prop" type="box" pos="0 0.08 0.34" size="0.13 0.005 0.09"
            rgba="0.95 0.95 0.95 1"/>
      <geom class="prop" type="box" pos="0 0.0745 0.33" size="0.04 0.0005 0.03"
            rgba="0.9 0.2 0.1 1"/>
      <geom class="prop" type="cylinder" fromto="0 0.095 0 0 0.095 0.42" size="0.01"
            material="metal"/>
    </body>
)";
}

class Basketball final : public TaskOn<Basketball, FreeObject> {
 public:
  // ball (x, y, z), ring centre (x, y, z).
  Basketball()
      : TaskOn({hoop_and_ball_xml(),
                {{-0.1, 0.6, kBallRadius, -0.1, 0.85, kRingHeight},
                 {0.1, 0.7, kBallRadius, 0.1, 0.9, kRingHeight}},
                "ball"}) {}
  const char* name() const override { return "basketball"; }

  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]));
    ep.goal = vec3(&v[3]);
    ep.obj_init = vec3(&v[0]);
    hoop_.put(d, ep.goal - Vec3{0.0, 0.0, kRingHeight});
    ep.constant[0] = norm(scale(ep.obj_init - ep.goal, kWeights));  // the "in" margin
  }

  // The pick reward (grasp::carry_scores); its grasp term is 1 while the ball is held.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 ball = vec3(f.obs + 4);
    const double tcp_to_ball = dist(ball, f.gripper.tcp);
    const double to_goal = norm(scale(ball - ep.goal, kWeights));
    const double in_place = tolerance(to_goal, 0.0, 0.08, ep.constant[0]);
    const bool held = grasp::held(f, ball, 0.035, ep);
    const double grip = held ? 1.0 : cage(f.gripper, ball, ep.obj_init, {0.025, 0.06, 0.01, 0.005});
    return grasp::carry_scores(grip, in_place, held, to_goal, tcp_to_ball, {0.08, 0.08, 0.05});
  }

  // Grasp the ball round its middle, lift it over the ring's height, move over the ring and
  // lower it into the ring.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 ball{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    grasp::Heights h;
    h.clear = 0.09;
    h.close = 0.045;  // pads (3.5 cm under the hand) at the ball's equator
    h.grip = 0.04;    // the palm just clear of the ball's top
    h.keep = 0.07;
    h.shut = 0.82;  // closed on the ball the fingers read about 0.67
    if (!grasp::take_from_above(obs, ball, h, action)) return;
    // Clear the ring's rim before moving over it; lower the ball only once over the ring.
    grasp::carry_toward(obs, ball, grasp::drop_onto(ball, goal, 0.09, 0.06), action);
  }

 private:
  void resolve(const mjModel* m) override { hoop_.bind(m); }

  MocapBody hoop_{"hoop"};
};

}  // namespace

const TabletopTask& basketball_task() { return single<Basketball>(); }

}  // namespace htrmrl::tabletop
