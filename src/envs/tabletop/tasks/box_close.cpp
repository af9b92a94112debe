// box-close: lift a lid by its handle from the table in front of an open box and put it on
// the box, within 8 cm of a goal 13.3 cm above the box's middle (a lid seated on the walls
// must then lie within about 5.5 cm of the middle in xy).
//
// Gaps filled: the lid is placed at rest on its rim (Meta-World drops it 8 cm); its frame is
// the plate's underside, upright with the handle bar along x, orientation (1, 0, 0, 0) (a
// quarter turn from Meta-World's, whose orientation term wants (0.707, 0, 0, 0.707)).
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kLidRestZ = 0.016;  // the lid's frame, resting on its rim
constexpr double kWallTop = 0.075;   // the box's walls; a seated lid's frame is here
constexpr double kBarUp = 0.082;     // the handle bar above the lid's frame
constexpr double kGoalZ = 0.133;

// The box (20 x 20 cm, open, walls 7.5 cm high) and the lid (a 23 cm square plate with a rim
// hanging 1.6 cm under its edge, and a handle bar on two posts), 250 g.
const char* kXml = R"(
    <body name="box" mocap="true" pos="0 0.75 0">
      <geom class="prop" type="box" pos="0 0 0.005" size="0.1 0.1 0.005" material="wood"/>
      <geom class="prop" type="box" pos="-0.095 0 0.0375" size="0.005 0.1 0.0375" material="wood"/>
      <geom class="prop" type="box" pos="0.095 0 0.0375" size="0.005 0.1 0.0375" material="wood"/>
      <geom class="prop" type="box" pos="0 -0.095 0.0375" size="0.09 0.005 0.0375" material="wood"/>
      <geom class="prop" type="box" pos="0 0.095 0.0375" size="0.09 0.005 0.0375" material="wood"/>
    </body>
    <body name="box_lid" pos="0 0.52 0.016">
      <freejoint name="box_lid"/>
      <geom class="object" type="box" pos="0 0 0.003" size="0.115 0.115 0.003" mass="0.15"
            rgba="0.2 0.45 0.7 1"/>
      <geom class="object" type="box" pos="0.11 0 -0.008" size="0.005 0.115 0.008" mass="0.02"
            rgba="0.2 0.45 0.7 1"/>
      <geom class="object" type="box" pos="-0.11 0 -0.008" size="0.005 0.115 0.008" mass="0.02"
            rgba="0.2 0.45 0.7 1"/>
      <geom class="object" type="box" pos="0 0.11 -0.008" size="0.105 0.005 0.008" mass="0.02"
            rgba="0.2 0.45 0.7 1"/>
      <geom class="object" type="box" pos="0 -0.11 -0.008" size="0.105 0.005 0.008" mass="0.02"
            rgba="0.2 0.45 0.7 1"/>
      <geom class="object" type="capsule" fromto="-0.05 0 0.006 -0.05 0 0.082" size="0.008"
            mass="0.005" material="metal"/>
      <geom class="object" type="capsule" fromto="0.05 0 0.006 0.05 0 0.082" size="0.008"
            mass="0.005" material="metal"/>
      <geom class="object" type="capsule" fromto="-0.05 0 0.082 0.05 0 0.082" size="0.008"
            mass="0.01" material="metal"/>
    </body>
)";

class BoxClose final : public TaskOn<BoxClose, FreeObjectAndMarker> {
 public:
  // lid (x, y, z) at rest in front of the box; goal (x, y, z) over the box's middle, at least
  // 25 cm from the lid in xy.
  BoxClose()
      : TaskOn({kXml,
                {{-0.05, 0.5, kLidRestZ, -0.1, 0.7, kGoalZ}, {0.05, 0.55, kLidRestZ, 0.1, 0.8, kGoalZ}},
                "box_lid",
                "box"}) {}
  const char* name() const override { return "box-close"; }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.25;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    ep.goal = vec3(&v[3]);
    piece_.place(m, d, ep.obj_init, {ep.goal.x, ep.goal.y, 0.0});
  }

  // (2 H(effort, ready) + 8 lifted) x upright, 10 x upright on success. effort: the gripper
  // command from -1 (0) to +1 (1); ready: the hand over a funnel rising away from the lid
  // (2 cm above the lid's frame) and near it; lifted: 0.2 once the lid is 4 cm up, plus 0.8
  // tol(|(goal - lid) (1, 1, 3)|; [0, 0.05], margin 0.25); upright: 1 at the rest orientation,
  // 0 at a quaternion distance of 0.2.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 hand = f.hand;
    const Vec3 frame = vec3(f.obs + 4);
    const Vec3 lid = frame + Vec3{0.0, 0.0, 0.02};
    const double r = dist_xy(hand, lid);
    const double floor = r <= 0.02 ? 0.0 : 0.04 * std::log(r - 0.02) + 0.4;
    const double above = hand.z >= floor ? 1.0 : tolerance(floor - hand.z, 0.0, 0.01, floor / 2.0);
    const double near = tolerance(dist(hand, lid), 0.0, 0.02, 0.5);
    const double ready = hamacher(above, near);
    const double effort = (std::clamp(f.gripper.a3, -1.0, 1.0) + 1.0) / 2.0;
    const double lifted = 0.2 * (lid.z > 0.04) +
                          0.8 * tolerance(norm(scale(ep.goal - lid, {1.0, 1.0, 3.0})), 0.0, 0.05, 0.25);
    const double level = upright(f.obs + 7, 0.2);
    const double to_goal = dist(frame, ep.goal);
    s.success = to_goal < 0.08;
    s.reward = (s.success ? 10.0 : 2.0 * hamacher(effort, ready) + 8.0 * lifted) * level;
    s.near_object = ready;
    s.grasp_success = effort >= 0.5;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the handle bar, lift the lid over the walls, carry it over the box and set it down.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 frame{obs[4], obs[5], obs[6]};
    const Vec3 bar = frame + Vec3{0.0, 0.0, kBarUp};
    if (!grasp::take_from_above(obs, bar, {}, action)) return;
    const Vec3 seat{obs[36], obs[37], kWallTop};
    grasp::carry_toward(obs, frame, grasp::drop_onto(frame, seat, 0.08, 0.07), action);
  }
};

}  // namespace

const TabletopTask& box_close_task() { return single<BoxClose>(); }

}  // namespace htrmrl::tabletop
