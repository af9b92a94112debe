// The door with a lock lever that door-lock and door-unlock share: a door in its frame
// (static) with a lock housing, and on a spindle 9 cm in front of the door a lever on a hinge
// about y (range [0, 1.57], damped, no spring) pointing +x at 0 and straight down at 1.57. The
// door's origin is the variation's position, at mid-height.
//
// Geometry choices: the lever stands out on its spindle so that the hand (whose palm reaches
// 6.5 cm either side of the fingers in y) can work it without touching the door, and it is 13
// cm long (Meta-World: 10), so that the hand pushing its end stays clear of its hub.
#pragma once

#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::lock {

constexpr double kLocked = 1.5708;  // just past the upper stop, as Meta-World
constexpr double kPi = 3.14159265358979323846;
// The lever's hinge relative to the door's origin, and the lever's points the tasks watch.
constexpr Vec3 kHinge{0.0, -0.19, 0.061};
constexpr double kSiteAlong = 0.09, kSiteOut = -0.012;

inline constexpr const char* kXml = R"(
    <body name="lock_door" mocap="true" pos="0 0.85 0.15">
      <geom class="prop" type="box" pos="-0.204 0 0" size="0.016 0.106 0.15" material="wood"/>
      <geom class="prop" type="box" pos="0.204 0 0" size="0.016 0.106 0.15" material="wood"/>
      <geom class="prop" type="box" pos="0 0 0.14" size="0.188 0.106 0.01" material="wood"/>
      <geom class="prop" type="box" pos="0 -0.09 0" size="0.184 0.01 0.124"
            rgba="0.42 0.45 0.5 1"/>
      <geom class="prop" type="box" pos="0 -0.113 0.061" size="0.047 0.013 0.047"
            material="dark"/>
      <geom class="prop" type="box" pos="0.14 -0.115 -0.02" size="0.012 0.015 0.05"
            material="metal"/>
      <geom class="prop" type="cylinder" fromto="0 -0.126 0.061 0 -0.17 0.061" size="0.008"
            material="metal"/>
      <body name="lock_lever" pos="0 -0.19 0.061">
        <joint name="lock_hinge" type="hinge" axis="0 1 0" range="0 1.57" limited="true"
               damping="2"/>
        <geom class="prop" type="cylinder" fromto="0 0.015 0 0 -0.015 0" size="0.015"
              mass="0.005" material="dark"/>
        <geom class="prop" type="box" pos="0.065 0 0" size="0.065 0.015 0.01" mass="0.005"
              rgba="0.8 0.1 0.1 1"/>
        <site name="lock_start_lock" pos="0.09 -0.012 0.01" size="0.005"/>
        <site name="lock_start_unlock" pos="0.09 -0.012 -0.01" size="0.005"/>
      </body>
    </body>
)";

// The door; the variation is its origin (x, y, z). The slot shows the task's point on the
// lever with the door's (constant) orientation.
class Door : public Furniture {
 public:
  Door(const char* point)
      : Furniture(kXml, {{-0.1, 0.8, 0.15}, {0.1, 0.85, 0.15}}, "lock_door", "lock_hinge",
                  ObjectSlot::site(point, "lock_door")) {}

  // Puts the door with its lever at q; the goal at an offset from the hinge, level with the
  // watched points; obj_init is the hinge.
  void place(const mjModel* m, mjData* d, Vec3 door, double q, Vec3 goal_offset,
             Episode& ep) const {
    Furniture::place(m, d, door, q);
    ep.obj_init = door + kHinge;
    ep.goal = ep.obj_init + Vec3{0.0, kSiteOut, 0.0} + goal_offset;
  }
};

// The hand starts at (0, 0.4, 0.2): at the usual (0, 0.6, 0.2) it would stand in the lever.
inline HandSetup hand() { return hand_starting_at({0.0, 0.4, 0.2}); }

// Where a point at (along, below) in the lever's frame (below: under its axis line) is when
// the lever is at an angle, given the hinge.
inline Vec3 on_lever(Vec3 hinge, double angle, double along, double below) {
  const double c = std::cos(angle), s = std::sin(angle);
  return {hinge.x + along * c - below * s, hinge.y + kSiteOut, hinge.z - along * s - below * c};
}

// The lever's angle from a watched point (kSiteAlong along it, `below` under its axis line).
inline double angle_of(Vec3 hinge, Vec3 point, double below) {
  return std::atan2(-(point.z - hinge.z), point.x - hinge.x) - std::atan2(below, kSiteAlong);
}

// The experts, fingers closed: come to the lever 12 cm out, on the side that pushes it
// (side_below > 0: under it, turning it up; < 0: over it, turning it down), along a straight
// approach from `approach` off that point (so as to pass clear of the lever's hub), then push
// it round a quarter-radian ahead at a time (direction -1: up, +1: down). site_below: where
// the watched point lies off the lever's axis line.
inline void turn(const float* obs, Vec3 hinge, double site_below, double side_below,
                 double direction, Vec3 approach, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const double angle = angle_of(hinge, {obs[4], obs[5], obs[6]}, site_below);
  // The tcp (4.5 cm under the hand, the closed fingers' midpoint 5 mm +y of it) at a point.
  auto hand_at = [&](double a) {
    return on_lever(hinge, a, 0.12, side_below) + Vec3{0.0, -0.005, 0.045};
  };
  const Vec3 at = hand_at(angle);
  // The nearest point of the approach segment.
  const Vec3 off = hand - at;
  const double along = std::clamp((off.x * approach.x + off.y * approach.y + off.z * approach.z) /
                                      (norm(approach) * norm(approach)),
                                  0.0, 1.0);
  if (dist(hand, at) < 0.03) {
    move_toward(obs, hand_at(angle + 0.25 * direction), 10.0, action);
  } else if (dist(hand, at + along * approach) < 0.015) {
    move_toward(obs, at, 10.0, action);
  } else {
    move_over(obs, at + approach, at.z + approach.z - 0.01, action);
  }
  action[3] = 1.0f;
}

}  // namespace htrmrl::tabletop::lock
