// The window that window-open and window-close share: a frame on the table with a fixed pane
// and a pane sliding along x (range [0, 0.2]) whose upright grip the closed fingers push. The
// window's origin is the variation's position, at the handle's height; the hand starts at
// (0, 0.4, 0.2).
//
// Geometry choice: the handle sits on the pane's meeting stile, 8 mm left of the window's x, so
// a fully open pane (slide 0.2) brings it within 8 mm of window + (0.2, 0, 0). Panes clear the
// frame by 2 mm, so props never touch unless pushed.
#pragma once

#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::window {

constexpr double kTcpBelowHand = 0.045;
constexpr double kClosedTcpY = 0.005;  // the closed fingers' midpoint lies this far +y of hand
constexpr double kBehind = 0.03;       // hand x behind the handle while pushing it
constexpr double kSlide = 0.2;         // the pane's travel
// The handle relative to the window's origin with the pane shut.
constexpr Vec3 kHandleShut{-0.008, -0.1, 0.0};

// A frame (sill, head, jambs) holding a fixed pane on the back track (+x half) and a pane
// on the front track that slides over it in +x. The handle is an upright grip on an 8 cm
// standoff from the front pane's meeting stile: the hand's finger block (13 cm long in y)
// fits in front of the glass while its fingers push the grip.
inline constexpr const char* kXml = R"(
    <body name="window" mocap="true" pos="0 0.8 0.16">
      <geom class="prop" type="box" pos="0 0 -0.15" size="0.23 0.04 0.01" material="wood"/>
      <geom class="prop" type="box" pos="0 0 0.15" size="0.23 0.04 0.01" material="wood"/>
      <geom class="prop" type="box" pos="-0.215 0 0" size="0.015 0.019 0.14" material="wood"/>
      <geom class="prop" type="box" pos="0.215 0 0" size="0.015 0.019 0.14" material="wood"/>
      <geom class="prop" type="box" pos="0.1 0.012 0" size="0.098 0.002 0.138"
            rgba="0.6 0.8 0.9 0.35"/>
      <geom class="prop" type="box" pos="0.008 0.012 0" size="0.006 0.008 0.138"
            material="metal"/>
      <body name="window_pane" pos="-0.1 -0.012 0">
        <joint name="window_slide" type="slide" axis="1 0 0" range="0 0.2" limited="true"
               damping="2"/>
        <geom class="prop" type="box" size="0.098 0.002 0.138" rgba="0.6 0.8 0.9 0.35"
              mass="0.2"/>
        <geom class="prop" type="box" pos="-0.092 0 0" size="0.006 0.008 0.138" material="metal"
              mass="0.05"/>
        <geom class="prop" type="box" pos="0.092 0 0" size="0.006 0.008 0.138" material="metal"
              mass="0.05"/>
        <geom class="prop" type="capsule" fromto="0.092 -0.008 -0.025 0.092 -0.088 -0.025"
              size="0.007" material="dark" mass="0.02"/>
        <geom class="prop" type="capsule" fromto="0.092 -0.088 -0.025 0.092 -0.088 0.025"
              size="0.01" material="dark" mass="0.02"/>
        <site name="window_handle" pos="0.092 -0.088 0" size="0.005"/>
      </body>
    </body>
)";

// The window; the variation is its origin (x, y, z). The slot shows the handle with the
// pane's (constant) orientation.
class Window : public Furniture {
 public:
  explicit Window(VariationBox box)
      : Furniture(kXml, std::move(box), "window", "window_slide",
                  ObjectSlot::site("window_handle", "window_pane")) {}

  // Puts the window with its pane slid open by `slide` and the goal at an offset from the
  // window; fills the goal, obj_init (the handle) and the reward's margins: the handle's x
  // distance beyond the success band, and the reach from the tcp.
  void place(const mjModel* m, mjData* d, Vec3 window, double slide, Vec3 goal_offset,
             Episode& ep) const {
    Furniture::place(m, d, window, slide);
    ep.goal = window + goal_offset;
    ep.obj_init = window + kHandleShut + Vec3{slide, 0.0, 0.0};
    ep.constant[0] = std::abs(ep.obj_init.x - ep.goal.x) - 0.05;
    ep.constant[1] = std::abs(dist(ep.obj_init, ep.init_tcp) - 0.02);
  }
};

// 10 H(reach, in): reach is a gaussian tolerance of the tcp-handle distance (2 cm band),
// "in" a long-tail tolerance of the handle's x distance to the goal (5 cm band); both are
// at most 1, so the reward stays in [0, 10]. Success: the handle within 5 cm of the goal in x.
inline Scores score(const Frame& f, const Episode& ep) {
  Scores s;
  const Vec3 handle = vec3(f.obs + 4);
  const double tcp_to_handle = dist(handle, f.gripper.tcp);
  const double dx = std::abs(handle.x - ep.goal.x);
  const double in = tolerance(dx, 0.0, 0.05, ep.constant[0]);
  const double reach = tolerance(tcp_to_handle, 0.0, 0.02, ep.constant[1], Sigmoid::kGaussian);
  s.reward = 10.0 * hamacher(reach, in);
  s.success = dx <= 0.05;
  s.near_object = tcp_to_handle <= 0.05;
  s.grasp_success = true;
  s.obj_to_target = dx;
  return s;
}

// The scripted expert of both tasks, with closed fingers: come level with the grip on the
// side it is pushed from (side -1: from -x, pushing it to +x; +1: from +x), in front of it,
// move in beside it, then push it along x until it reaches handle_x.
inline void push_handle(const float* obs, double side, double handle_x, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 handle{obs[4], obs[5], obs[6]};
  const Vec3 behind{handle.x + side * kBehind, handle.y - kClosedTcpY, handle.z + kTcpBelowHand};
  const bool level = std::abs(hand.x - behind.x) < 0.015 && std::abs(hand.z - behind.z) < 0.01;
  const bool beside = level && std::abs(hand.y - behind.y) < 0.01;
  // While pushing, the fingers touch the grip, nearer than the approach point.
  const bool pushing = side * (hand.x - (handle.x + side * 0.01)) > 0.0 &&
                       std::abs(hand.y - behind.y) < 0.01 && std::abs(hand.z - behind.z) < 0.015;
  if (pushing || beside) {
    // Aim 1 cm past the hand position that puts the handle there: into the stop.
    move_toward(obs, {handle_x + side * kBehind - side * 0.01, behind.y, behind.z}, 10.0, action);
  } else {
    // In front of the grip (6 cm toward the robot) until level with it.
    move_toward(obs, {behind.x, level ? behind.y : behind.y - 0.06, behind.z}, 10.0, action);
  }
  action[3] = 1.0f;
}

}  // namespace htrmrl::tabletop::window
