// bin-picking: pick a cube out of one open bin and put it into the other, within 5 cm of the
// goal at the middle of the second bin's floor (table height), so the cube resting there
// must lie within 4 cm of it in xy.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr Vec3 kGoal{0.12, 0.7, 0.0};
constexpr double kRestZ = 0.03;   // the cube's centre resting on a bin's floor
constexpr double kCarryZ = 0.13;  // the cube's centre while carried over the bins' walls

std::string bin_xml(const char* name, double x) {
  const std::string pos = std::to_string(x) + " 0.7 0";
  return "    <body name=\"" + std::string(name) + "\" pos=\"" + pos + R"(">
      <geom class="prop" type="box" pos="0 0 0.005" size="0.1 0.1 0.005" material="wood"/>
      <geom class="prop" type="box" pos="-0.095 0 0.035" size="0.005 0.1 0.025" material="wood"/>
      <geom class="prop" type="box" pos="0.095 0 0.035" size="0.005 0.1 0.025" material="wood"/>
      <geom class="prop" type="box" pos="0 -0.095 0.035" size="0.09 0.005 0.025" material="wood"/>
      <geom class="prop" type="box" pos="0 0.095 0.035" size="0.09 0.005 0.025" material="wood"/>
    </body>
)";
}

// Two open bins (20 x 20 cm, 6 cm deep) side by side and the cube (0.1 kg).
std::string bins_and_cube_xml() {
  return R"(
    <body name="bin_cube" pos="-0.12 0.7 0.03">
      <freejoint name="bin_cube"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" mass="0.1" condim="4"
            rgba="0.2 0.6 0.3 1"/>
    </body>
)" + bin_xml("bin_start", -0.12) +
         bin_xml("bin_goal", kGoal.x);
}

class BinPicking final : public TaskOn<BinPicking, FreeObject> {
 public:
  // cube (x, y, z) on the first bin's floor, kept where the open fingers fit between it and
  // the bin's walls (Meta-World's box reaches past the walls, which push such cubes in).
  BinPicking()
      : TaskOn(
            {bins_and_cube_xml(), {{-0.18, 0.665, kRestZ}, {-0.06, 0.735, kRestZ}}, "bin_cube"}) {}
  const char* name() const override { return "bin-picking"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init);
    ep.goal = kGoal;
    ep.constant[0] = dist(ep.obj_init, kGoal);  // the margin of "in" (Meta-World: after step 1)
  }

  // H(C, in) with the dense caging (effort 0.7); held (the cube near the hand, lifted 2 cm,
  // the fingers on it) adds 1 + 5 H(above, in), where "above" asks the hand to stay over
  // funnels that rise away from the cube's start and from the goal; 10 within 5 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 cube = vec3(f.obs + 4);
    const Vec3 hand = vec3(f.obs);
    const double to_goal = dist(cube, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.05, ep.constant[0]);
    CageOptions caging{0.015, 0.05, 0.01, 0.01, 0.7};
    s.reward = hamacher(cage(f.gripper, cube, ep.obj_init, caging), in);
    auto funnel = [&](Vec3 p) {
      const double r = dist_xy(hand, p);
      return r <= 0.03 ? 0.0 : 0.02 * std::log(r - 0.03) + 0.2;
    };
    const double floor = std::min(funnel(ep.obj_init), funnel(ep.goal));
    const double above = hand.z >= floor ? 1.0 : tolerance(floor - hand.z, 0.0, 0.01, 0.05);
    const bool held = dist(cube, hand) < 0.04 && cube.z - 0.02 > ep.obj_init.z && f.obs[3] >= 0.43;
    if (held) s.reward += 1.0 + 5.0 * hamacher(above, in);
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.05;
    s.near_object = dist(cube, hand) < 0.04;
    s.grasp_success = held;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the cube, lift it over the walls, carry it over the goal and let it drop in.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 cube{obs[4], obs[5], obs[6]};
    const Vec3 over_goal{kGoal.x, kGoal.y, kCarryZ};
    if (dist_xy(cube, over_goal) < 0.01 && cube.z > kCarryZ - 0.02) {
      action[0] = action[1] = action[2] = 0.0f;
      action[3] = -1.0f;
      return;
    }
    if (!grasp::take_from_above(obs, cube, {}, action)) return;
    const Vec3 goal_floor{kGoal.x, kGoal.y, kCarryZ - 0.05};
    grasp::carry_toward(obs, cube, grasp::drop_onto(cube, goal_floor, 0.05, 0.04), action);
  }
};

}  // namespace

const TabletopTask& bin_picking_task() { return single<BinPicking>(); }

}  // namespace htrmrl::tabletop
