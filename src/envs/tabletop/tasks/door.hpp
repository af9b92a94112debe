// The safe that door-open and door-close share: a metal box open at the front (-y), its door
// on a vertical hinge at the left edge (range [-2, 0] rad; negative swings the free edge
// toward the robot and to -x), and a vertical grip bar on a post in front of the door's free
// side. The safe's origin is the variation's door position, at the door's mid-height.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::door {

// The grip bar relative to the hinge (at (-0.13, -0.102, 0) from the safe's origin) when the
// door is shut: along the door, and out in front of its hinge line. The bar stands 10 cm out
// so the open fingers fit between it and the door at any angle. Shut, the bar sits exactly
// at door-close's goal offset (0.2, -0.2, 0) from the safe's origin.
constexpr double kHandleAlong = 0.33, kHandleOut = 0.098;
constexpr double kOpenAngle = -1.9;  // where the expert stops opening (the limit is -2)

// The bar is a sleeve spinning freely about its own axis: the fingers keep their fixed
// orientation while the door turns under them, so a pinched bar must be free to turn.
inline constexpr const char* kSafeXml = R"(
    <body name="door_safe" mocap="true" pos="0.05 0.9 0.15">
      <geom class="prop" type="box" pos="-0.12 -0.025 0" size="0.01 0.075 0.15" material="metal"/>
      <geom class="prop" type="box" pos="0.23 -0.025 0" size="0.01 0.075 0.15" material="metal"/>
      <geom class="prop" type="box" pos="0.055 -0.025 0.14" size="0.185 0.075 0.01"
            material="metal"/>
      <geom class="prop" type="box" pos="0.055 -0.025 -0.14" size="0.185 0.075 0.01"
            material="metal"/>
      <geom class="prop" type="box" pos="0.055 0.04 0" size="0.185 0.01 0.15" material="dark"/>
      <body name="door" pos="-0.13 -0.102 0">
        <joint name="door_hinge" type="hinge" axis="0 0 1" range="-2 0" limited="true"
               damping="1"/>
        <geom class="prop" type="box" pos="0.185 -0.01 0" size="0.185 0.01 0.14"
              rgba="0.42 0.45 0.5 1"/>
        <geom class="visual" type="capsule" fromto="0 -0.01 -0.12 0 -0.01 -0.06" size="0.012"
              material="dark"/>
        <geom class="visual" type="capsule" fromto="0 -0.01 0.06 0 -0.01 0.12" size="0.012"
              material="dark"/>
        <geom class="visual" type="cylinder" pos="0.17 -0.022 0.05" zaxis="0 1 0"
              size="0.035 0.004" material="dark"/>
        <geom class="prop" type="capsule" fromto="0.33 -0.02 -0.045 0.33 -0.098 -0.045"
              size="0.008" material="dark"/>
        <body name="door_handle" pos="0.33 -0.098 0">
          <joint name="door_handle_spin" type="hinge" axis="0 0 1" damping="0.001"/>
          <geom class="prop" type="capsule" fromto="0 0 -0.045 0 0 0.015" size="0.01"
                material="dark" mass="0.05"/>
        </body>
      </body>
    </body>
    <body name="goal" mocap="true" pos="-0.25 0.45 0.15">
      <geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>
    </body>
)";

// The hinge angle from the door's wxyz quaternion (a rotation about z).
inline double angle(const float* quat) { return 2.0 * std::atan2(quat[3], quat[0]); }

// Where the bar is when the door is at an angle, given the hinge position.
inline Vec3 handle_at(Vec3 hinge, double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {hinge.x + kHandleAlong * c + kHandleOut * s, hinge.y + kHandleAlong * s - kHandleOut * c,
          hinge.z};
}

// The scripted expert of both tasks: over the bar, down around it, pinch it, then carry it
// along its arc toward a hinge angle, a little at a time so the hand stays on the circle.
inline void turn_door(const float* obs, double target_angle, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 bar{obs[4], obs[5], obs[6]};
  const double a = angle(obs + 7);
  // The tcp 4.5 cm under the hand and the pads' middle 1 cm above it: the pads straddle the
  // bar just above its middle, well clear of its post.
  if (grasp::take_bar(obs, bar, bar.z + 0.04, action)) {
    // Move the hand as the bar must move along its circle, and not up or down: aiming the
    // hand at a point would wind the mocap target up against the hinge, and the weld would
    // strain the grip until it slips. What strain the hand's lag still causes shows as the
    // bar off its place in the grip (2 mm toward the stopped left finger): correct that
    // offset's radial part.
    const Vec3 hinge = bar - handle_at({}, a);
    const double step = std::clamp(target_angle - a, -0.1, 0.1);
    const Vec3 move = handle_at(hinge, a + step) - bar;
    const Vec3 radial = (1.0 / dist_xy(bar, hinge)) * Vec3{bar.x - hinge.x, bar.y - hinge.y, 0};
    const Vec3 off = bar - hand - Vec3{0.0, 0.002, 0.0};
    const double strain = off.x * radial.x + off.y * radial.y;
    move_toward(obs, hand + move + strain * radial, 20.0, action);
    action[2] = 0.0f;
    action[3] = 1.0f;
  }
}

// The safe and the goal marker; the variation is the safe's origin (x, y, z). The slot shows
// the handle with the door's orientation (its hinge angle).
class Safe : public Furniture {
 public:
  Safe()
      : Furniture(kSafeXml, {{0.0, 0.85, 0.15}, {0.1, 0.95, 0.15}}, "door_safe", "door_hinge",
                  ObjectSlot::body_on("door_handle", "door")) {}

  void bind(const mjModel* m) {
    Furniture::bind(m);
    goal_marker_.bind(m);
  }

  // Puts the safe with its door at a hinge angle and the goal at an offset from it; fills
  // the episode's goal and obj_init, the handle, which needs mj_forward to be known.
  void place(const mjModel* m, mjData* d, Vec3 safe, double angle, Vec3 goal_offset,
             Episode& ep) const {
    Furniture::place(m, d, safe, angle);
    ep.goal = safe + goal_offset;
    goal_marker_.put(d, ep.goal);
    mj_forward(m, d);
    ep.obj_init = slot().position(d);
  }

 private:
  MocapBody goal_marker_{"goal"};
};

}  // namespace htrmrl::tabletop::door
