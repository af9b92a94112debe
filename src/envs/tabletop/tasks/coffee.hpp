// The coffee machine that coffee-button, coffee-push and coffee-pull share: a machine on the
// table with a button on its front at 30 cm (a slide pressed in along +y, 3 cm of travel, no
// spring: it stays pressed), a spout over the place the mug stands to be filled, and a mug
// (110 g, its handle toward +x). The machine moves through mjData (a mocap body); the mug is
// free. The hand starts at (0, 0.4, 0.2).
//
// Geometry choices: the button stands 8 cm proud of the machine's front, on a boss, so that
// the hand (whose palm reaches 6.5 cm ahead of the fingers) presses it without touching the
// front; the spout is visual, or the wrist above a mug being put under it would strike it.
#pragma once

#include <string>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::coffee {

// The mug's place under the spout and the button's face, from the machine's origin.
constexpr Vec3 kUnderSpout{0.0, -0.22, 0.0};
constexpr Vec3 kButtonFace{0.0, -0.22, 0.3};
constexpr double kTravel = 0.03;
constexpr double kMugMiddle = 0.035;  // the mug's centre above its base (the body's origin)

inline constexpr const char* kXml = R"(
    <body name="coffee_machine" mocap="true" pos="0 0.85 0">
      <geom class="prop" type="box" pos="0 -0.02 0.185" size="0.1 0.12 0.185"
            rgba="0.25 0.25 0.28 1"/>
      <geom class="prop" type="cylinder" fromto="0 -0.14 0.3 0 -0.155 0.3" size="0.04"
            material="metal"/>
      <geom class="visual" type="box" pos="0 -0.19 0.175" size="0.03 0.05 0.012"
            material="metal"/>
      <geom class="visual" type="cylinder" fromto="0 -0.22 0.163 0 -0.22 0.14" size="0.012"
            material="metal"/>
      <geom class="visual" type="cylinder" pos="0 -0.22 0.002" size="0.045 0.002"
            material="dark"/>
      <body name="coffee_button" pos="0 -0.205 0.3">
        <joint name="coffee_button_slide" type="slide" axis="0 1 0" range="0 0.03"
               limited="true" damping="1"/>
        <geom class="prop" type="cylinder" fromto="0 0 0 0 -0.015 0" size="0.032" mass="0.1"
              rgba="0.8 0.1 0.1 1"/>
        <geom class="prop" type="cylinder" fromto="0 0.015 0 0 0 0" size="0.02" mass="0.01"
              material="metal"/>
        <site name="coffee_button_face" pos="0 -0.015 0" size="0.005"/>
      </body>
    </body>
    <body name="mug" pos="0 0.63 0">
      <freejoint name="mug"/>
      <geom class="object" type="cylinder" pos="0 0 0.035" size="0.028 0.033" mass="0.1"
            rgba="0.92 0.92 0.88 1"/>
      <geom class="object" type="box" pos="0.036 0 0.042" size="0.008 0.005 0.02" mass="0.01"
            rgba="0.92 0.92 0.88 1"/>
    </body>
    <body name="coffee_goal" mocap="true" pos="0 0.6 0.001">
      <geom class="visual" type="cylinder" size="0.035 0.001" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";

// The machine and the mug; the slot shows the task's object (the button's face, or the mug).
class Machine : public Furniture {
 public:
  Machine(VariationBox box, ObjectSlot slot)
      : Furniture(kXml, std::move(box), "coffee_machine", "coffee_button_slide", slot) {}

  void bind(const mjModel* m) {
    Furniture::bind(m);
    goal_marker_.bind(m);
  }

  // Puts the machine (button out), the mug and the goal marker.
  void place(const mjModel* m, mjData* d, Vec3 machine, Vec3 mug, Vec3 goal) const {
    Furniture::place(m, d, machine, 0.0);
    set_free_pose(m, d, "mug", mug);
    goal_marker_.put(d, {goal.x, goal.y, 0.001});
  }

 private:
  MocapBody goal_marker_{"coffee_goal"};
};

}  // namespace htrmrl::tabletop::coffee
