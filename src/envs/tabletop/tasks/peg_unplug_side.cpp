// peg-unplug-side: a plug sits in a square socket in the side of a wall block; pull it out
// along +x until its end is within 7 cm of a goal 15 cm out from where the plug started
// (a pull of about 4 cm).
//
// Gaps filled: the plug slides on a damped rail through the socket (a slide joint, range
// [0, 0.2]), where Meta-World holds a free plug by an interference fit of its head in the
// socket; its grip is 4.4 cm wide (Meta-World 7.6) so that open fingers close round it, and
// closed on it they read 0.6 (above the sheet's 0.5 for "grasped"). The slot shows the end
// point with the plug's (constant) orientation.
#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr Vec3 kPlugOffset{0.044, 0.0, 0.131};  // the plug's origin from the wall block's
constexpr double kEnd = 0.04;                   // the end point, along the plug from its origin
constexpr double kPull = 0.15;                  // the goal, out from the plug's origin

// A wall block 5 cm thick (x) with a 4.4 cm square socket centred 13.1 cm up; the plug (a
// head in the socket, a collar against the wall, a grip, a knob) on a slide along x.
const char* kXml = R"(
    <body name="plug_wall" mocap="true" pos="-0.2 0.7 0">
      <geom class="prop" type="box" pos="0 0 0.0545" size="0.025 0.1 0.0545" material="wood"/>
      <geom class="prop" type="box" pos="0 0 0.176" size="0.025 0.1 0.023" material="wood"/>
      <geom class="prop" type="box" pos="0 -0.061 0.131" size="0.025 0.039 0.022"
            material="wood"/>
      <geom class="prop" type="box" pos="0 0.061 0.131" size="0.025 0.039 0.022"
            material="wood"/>
      <body name="plug" pos="0.044 0 0.131">
        <joint name="plug_slide" type="slide" axis="1 0 0" range="0 0.2" limited="true"
               damping="5"/>
        <geom class="prop" type="cylinder" fromto="-0.065 0 0 -0.019 0 0" size="0.018"
              material="metal" mass="0.02"/>
        <geom class="prop" type="cylinder" fromto="-0.017 0 0 -0.007 0 0" size="0.035"
              rgba="0.2 0.3 0.7 1" mass="0.02"/>
        <geom class="prop" type="box" pos="0.031 0 0" size="0.024 0.022 0.025"
              rgba="0.2 0.3 0.7 1" mass="0.03"/>
        <geom class="prop" type="sphere" pos="0.075 0 0" size="0.025" rgba="0.2 0.3 0.7 1"
              mass="0.01"/>
        <site name="plug_end" pos="0.04 0 0" size="0.005"/>
      </body>
    </body>
)";

class PegUnplugSide final : public TaskOn<PegUnplugSide, Furniture> {
 public:
  // wall block (x, y, z), on the table.
  PegUnplugSide()
      : TaskOn({kXml,
                {{-0.25, 0.6, 0.0}, {-0.15, 0.8, 0.0}},
                "plug_wall",
                "plug_slide",
                ObjectSlot::site("plug_end", "plug")}) {}
  const char* name() const override { return "peg-unplug-side"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 plug = vec3(&v[0]) + kPlugOffset;
    piece_.place(m, d, vec3(&v[0]), 0.0);
    ep.obj_init = plug + Vec3{kEnd, 0.0, 0.0};
    ep.goal = plug + Vec3{kPull, 0.0, 0.0};
  }

  // 2 grab, grab the dense caging of the end (r 0.025, pad 0.05, xz 0.005, effort 0.8); once
  // grasped (gripper above half open, the plug 1.5 cm out) with the tcp within 3.5 cm of the
  // end: 1 + 2 grab + 5 in, in = tol(end-goal; [0, 0.05]); 10 within 5 cm; success within 7.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 end = vec3(f.obs + 4);
    const double to_goal = dist(end, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    const double grab = cage(f.gripper, end, ep.obj_init, {0.025, 0.05, 0.01, 0.005, 0.8});
    const bool grasped = f.obs[3] > 0.5 && end.x - ep.obj_init.x > 0.015;
    s.reward = 2.0 * grab;
    if (grasped && dist(end, f.gripper.tcp) < 0.035) s.reward = 1.0 + 2.0 * grab + 5.0 * in;
    if (to_goal <= 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = dist(end, f.gripper.tcp) <= 0.03;
    s.grasp_success = grasped;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the grip from above and pull it along x to the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 end{obs[4], obs[5], obs[6]};
    const Vec3 grip = end + Vec3{-0.009, 0.0, 0.0};
    grasp::Heights h;
    h.shut = 0.68;
    if (!grasp::take_from_above(obs, grip, h, action)) return;
    grasp::carry_toward(obs, end, {obs[36], obs[37], obs[38]}, action);
  }
};

}  // namespace

const TabletopTask& peg_unplug_side_task() { return single<PegUnplugSide>(); }

}  // namespace htrmrl::tabletop
