// The cabinet that drawer-open and drawer-close share: a wooden box open at the front (-y)
// with a drawer on a y slide (range [-0.16, 0]; negative pulls it out toward the robot) and a
// bar handle on two posts across the drawer's front. The cabinet's origin is the variation's
// position, on the table.
#pragma once

#include <string>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::drawer {

// The handle bar with the drawer shut, relative to the cabinet's origin. It stands 7.5 cm
// out from the drawer's front so the open fingers (and the hand above them, 6.5 cm deep)
// fit between the bar and the front.
constexpr double kHandleY = -0.19, kHandleZ = 0.09;

inline constexpr const char* kCabinetXml = R"(
    <body name="drawer_cabinet" mocap="true" pos="0 0.9 0">
      <geom class="prop" type="box" pos="-0.115 -0.0175 0.08" size="0.005 0.0975 0.08"
            material="wood"/>
      <geom class="prop" type="box" pos="0.115 -0.0175 0.08" size="0.005 0.0975 0.08"
            material="wood"/>
      <geom class="prop" type="box" pos="0 -0.0175 0.155" size="0.12 0.0975 0.005"
            material="wood"/>
      <geom class="prop" type="box" pos="0 -0.0175 0.005" size="0.12 0.0975 0.005"
            material="wood"/>
      <geom class="prop" type="box" pos="0 0.075 0.08" size="0.12 0.005 0.08" material="wood"/>
      <body name="drawer">
        <joint name="drawer_slide" type="slide" axis="0 1 0" range="-0.16 0" limited="true"
               damping="2"/>
        <geom class="prop" type="box" pos="0 -0.11 0.08" size="0.108 0.005 0.068"
              rgba="0.75 0.6 0.42 1"/>
        <geom class="prop" type="box" pos="0 -0.025 0.0175" size="0.1 0.08 0.0025"
              rgba="0.7 0.55 0.38 1"/>
        <geom class="prop" type="box" pos="-0.1025 -0.025 0.06" size="0.0025 0.08 0.045"
              rgba="0.7 0.55 0.38 1"/>
        <geom class="prop" type="box" pos="0.1025 -0.025 0.06" size="0.0025 0.08 0.045"
              rgba="0.7 0.55 0.38 1"/>
        <geom class="prop" type="box" pos="0 0.0525 0.06" size="0.1 0.0025 0.045"
              rgba="0.7 0.55 0.38 1"/>
        <geom class="prop" type="capsule" fromto="-0.05 -0.115 0.09 -0.05 -0.19 0.09"
              size="0.007" material="metal"/>
        <geom class="prop" type="capsule" fromto="0.05 -0.115 0.09 0.05 -0.19 0.09"
              size="0.007" material="metal"/>
        <geom class="prop" type="capsule" fromto="-0.06 -0.19 0.09 0.06 -0.19 0.09"
              size="0.008" material="metal"/>
        <site name="drawer_handle" pos="0 -0.19 0.09" size="0.005" group="1"/>
      </body>
    </body>
    <body name="goal" mocap="true" pos="0 0.55 0.09">
      <geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>
    </body>
)";

// The scripted expert of both tasks: over the bar, down around it, pinch it, then slide it
// along y to target_y.
inline void slide_drawer(const float* obs, double target_y, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 bar{obs[4], obs[5], obs[6]};
  // The tcp 4.5 cm under the hand and the pads' middle 1 cm above it, on the bar.
  if (grasp::take_bar(obs, bar, bar.z + 0.035, action)) {
    // Move the hand as the bar must move, along y only: aiming the hand at a point the slide
    // keeps the bar from would wind the mocap target up and strain the grip.
    move_toward(obs, {hand.x, hand.y + target_y - bar.y, hand.z}, 10.0, action);
    action[3] = 1.0f;
  }
}

// The cabinet and the goal marker; the variation is the cabinet's origin (x, y, z), y and z
// fixed. The slot shows the handle with the drawer's orientation.
class Cabinet : public Furniture {
 public:
  Cabinet()
      : Furniture(kCabinetXml, {{-0.1, 0.9, 0.0}, {0.1, 0.9, 0.0}}, "drawer_cabinet",
                  "drawer_slide", ObjectSlot::site("drawer_handle", "drawer")) {}

  void bind(const mjModel* m) {
    Furniture::bind(m);
    goal_marker_.bind(m);
  }

  // Puts the cabinet with its drawer at a slide position and the goal at an offset from it;
  // fills the episode's goal and obj_init (the handle).
  void place(const mjModel* m, mjData* d, Vec3 cabinet, double slide, Vec3 goal_offset,
             Episode& ep) const {
    Furniture::place(m, d, cabinet, slide);
    ep.goal = cabinet + goal_offset;
    goal_marker_.put(d, ep.goal);
    ep.obj_init = cabinet + Vec3{0.0, kHandleY + slide, kHandleZ};
  }

 private:
  MocapBody goal_marker_{"goal"};
};

}  // namespace htrmrl::tabletop::drawer
