// pick-out-of-hole: a small cylinder stands on the table at the bottom of a 30 cm square hole
// in a 5.4 cm platform; pick it out and hold it within 7 cm of a goal in the air in front of
// the hole.
//
// Gaps filled: the platform is four static boxes around the hole; the cylinder's mass is
// Meta-World's (10 g), its rotation free (a frozen-rotation inertia is not ours to give:
// the scene infers inertia from geoms). The funnel, caging and held bonus as the sheet.
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr Vec3 kObj{0.0, 0.75, 0.02};
constexpr double kPlatformTop = 0.054;

// The platform around the hole x in [-0.15, 0.15], y in [0.65, 0.95], the cylinder (r 2 cm,
// 4 cm tall) on the hole's floor, and the goal marker.
const char* kXml = R"(
    <body name="platform" pos="0 0 0">
      <geom class="prop" type="box" pos="-0.425 0.6 0.027" size="0.275 0.4 0.027" material="metal"/>
      <geom class="prop" type="box" pos="0.425 0.6 0.027" size="0.275 0.4 0.027" material="metal"/>
      <geom class="prop" type="box" pos="0 0.425 0.027" size="0.15 0.225 0.027" material="metal"/>
      <geom class="prop" type="box" pos="0 0.975 0.027" size="0.15 0.025 0.027" material="metal"/>
    </body>
    <body name="hole_obj" pos="0 0.75 0.02">
      <freejoint name="hole_obj"/>
      <geom class="object" type="cylinder" size="0.02 0.02" mass="0.01" friction="1 0.1 0.002"
            condim="4" rgba="0.85 0.2 0.2 1"/>
    </body>
    <body name="hole_goal" mocap="true" pos="0 0.55 0.2">
      <geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>
    </body>
)";

class PickOutOfHole final : public PlacedByPiece<PickOutOfHole, FreeObjectAndMarker> {
 public:
  // cylinder (x, y, z), fixed; goal (x, y, z) in the air in front of the hole.
  PickOutOfHole()
      : PlacedByPiece({kXml,
                {{kObj.x, kObj.y, kObj.z, -0.1, 0.5, 0.15}, {kObj.x, kObj.y, kObj.z, 0.1, 0.6, 0.3}},
                "hole_obj",
                "hole_goal"}) {}
  const char* name() const override { return "pick-out-of-hole"; }
  HandSetup hand() const override {
    HandSetup h;
    h.low.z = -0.05;
    return h;
  }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  // H(grab, in) with grab the dense caging (xz 0.03, effort 0.1) and in = tol(obj-goal; [0,
  // 0.02]); held (tcp within 4 cm, the cylinder 2 cm up, fingers on it) adds 1 + 5 H(in,
  // above), "above" asking the tcp to stay over a funnel rising away from the hole's middle.
  // 10 within 5 cm; success within 7 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 obj = vec3(f.obs + 4);
    const Vec3 tcp = f.gripper.tcp;
    const double r = dist_xy(tcp, ep.obj_init);
    const double floor = r <= 0.03 ? 0.0 : 0.015 * std::log(r - 0.03) + 0.15;
    const double above = tcp.z >= floor ? 1.0 : tolerance(floor - tcp.z, 0.0, 0.01, 0.02);
    const double grab = cage(f.gripper, obj, ep.obj_init, {0.015, 0.02, 0.01, 0.03, 0.1});
    const double to_goal = dist(obj, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.02, dist(ep.obj_init, ep.goal));
    const bool held = dist(obj, tcp) < 0.04 && obj.z - 0.02 > 0.02 && f.obs[3] >= 0.33;
    Scores s;
    s.reward = hamacher(grab, in);
    if (held) s.reward += 1.0 + 5.0 * hamacher(in, above);
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = dist(obj, tcp) <= 0.03;
    s.grasp_success = held;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the cylinder, lift it straight up out of the hole, then carry it to the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 obj{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    if (!grasp::take_from_above(obs, obj, {}, action)) return;
    const bool out = obj.z > kPlatformTop + 0.05;
    grasp::carry_toward(obs, obj, out ? goal : Vec3{obj.x, obj.y, goal.z}, action);
  }
};

}  // namespace

const TabletopTask& pick_out_of_hole_task() { return single<PickOutOfHole>(); }

}  // namespace htrmrl::tabletop
