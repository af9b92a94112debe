// The faucet that faucet-open and faucet-close share: a base and column on the table and a
// head on a vertical hinge (range [-1.57, 1.57], damped, no spring) whose handle points toward
// the robot at 0 and is turned a quarter turn right (open, to +x) or left (close). The
// faucet's origin is the variation's position, on the table; the hand starts at (0, 0.4, 0.2).
#pragma once

#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::faucet {

constexpr double kHeadZ = 0.124;  // the hinge's height above the base
constexpr double kPi = 3.14159265358979323846;

inline constexpr const char* kXml = R"(
    <body name="faucet_base" mocap="true" pos="0 0.8 0">
      <geom class="prop" type="cylinder" pos="0 0 0.009" size="0.046 0.009" material="metal"/>
      <geom class="prop" type="cylinder" pos="0 0 0.061" size="0.017 0.044" material="metal"/>
      <body name="faucet_head" pos="0 0 0.124">
        <joint name="faucet_hinge" type="hinge" axis="0 0 1" range="-1.57 1.57" limited="true"
               damping="2"/>
        <geom class="prop" type="cylinder" size="0.032 0.018" mass="0.1" material="metal"/>
        <geom class="prop" type="cylinder" fromto="0 -0.03 0 0 -0.071 0" size="0.012" mass="0.05"
              material="metal"/>
        <geom class="prop" type="capsule" fromto="0 -0.065 0 0 -0.175 0" size="0.017" mass="0.1"
              rgba="0.8 0.1 0.1 1"/>
        <site name="faucet_handle_open" pos="-0.015 -0.175 0" size="0.005"/>
        <site name="faucet_handle_close" pos="0.015 -0.175 0" size="0.005"/>
      </body>
    </body>
    <body name="faucet_goal" mocap="true" pos="0.175 0.8 0.125">
      <geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>
    </body>
)";

// How a task turns the faucet: the site it watches (on the handle's side it pushes from), the
// goal's offset from the base, the offset from the watched point to the point scored, and
// the turn's direction (+1: toward +x).
struct Turn {
  const char* site;
  Vec3 goal_offset, scored_offset;
  double direction;
};

// The faucet; the variation is its origin (x, y, z). The slot shows the watched point, 1 cm
// lower, with the base's (constant) orientation.
class Faucet : public Furniture {
 public:
  Faucet(VariationBox box, const Turn& turn)
      : Furniture(kXml, std::move(box), "faucet_base", "faucet_hinge",
                  ObjectSlot::site(turn.site, "faucet_base")),
        turn_(turn) {}

  void bind(const mjModel* m) {
    Furniture::bind(m);
    goal_marker_.bind(m);
  }

  // The handle starts pointing at the robot; the goal is at the turn's offset; constant[0]
  // holds the margin of "in", constant[1] that of "reach" (both from the base, as Meta-World).
  void place(const mjModel* m, mjData* d, Vec3 base, Episode& ep) const {
    Furniture::place(m, d, base, 0.0);
    ep.goal = base + turn_.goal_offset;
    goal_marker_.put(d, ep.goal);
    ep.obj_init = base;
    ep.constant[0] = std::abs(dist(base, ep.goal) - 0.07);
    ep.constant[1] = std::abs(dist(base, ep.init_tcp) - 0.01);
  }

  void objects(const mjData* d, double* slots) const {
    Furniture::objects(d, slots);
    slots[2] -= 0.01;
  }

  // 4 reach + 6 in: reach = tol_gaussian(tcp-point; [0, 0.01]), in = tol(point-goal; [0,
  // 0.07]); 10 on success, the scored point within 7 cm of the goal.
  Scores score(const Frame& f, const Episode& ep) const {
    Scores s;
    const Vec3 point = vec3(f.obs + 4) + turn_.scored_offset;
    const double tcp_to_point = dist(point, f.gripper.tcp);
    const double to_goal = dist(point, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.07, ep.constant[0]);
    const double reach = tolerance(tcp_to_point, 0.0, 0.01, ep.constant[1], Sigmoid::kGaussian);
    s.success = to_goal <= 0.07;
    s.reward = s.success ? 10.0 : 4.0 * reach + 6.0 * in;
    s.near_object = tcp_to_point <= 0.01;
    s.grasp_success = true;
    s.obj_to_target = to_goal;
    return s;
  }

  // The scripted expert, fingers closed: stand beside the handle 16 cm out, on the side it is
  // pushed from, then push it round its hinge a quarter-radian ahead at a time.
  void push(const float* obs, float* action) const {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 hinge = Vec3{obs[36], obs[37], obs[38]} - turn_.goal_offset + Vec3{0, 0, kHeadZ};
    const Vec3 point{obs[4], obs[5], obs[6]};
    const double angle = std::atan2(point.y - hinge.y, point.x - hinge.x) + kPi / 2.0;
    // The closed fingers' midpoint (5 mm +y of the hand) beside the handle at an angle.
    auto pusher = [&](double a) {
      const double side = -0.035 * turn_.direction, out = -0.16;
      return Vec3{hinge.x + side * std::cos(a) - out * std::sin(a),
                  hinge.y + side * std::sin(a) + out * std::cos(a) - 0.005, hinge.z + 0.035};
    };
    const Vec3 at = pusher(angle);
    const bool low = hand.z < at.z + 0.02;
    if (low && dist_xy(hand, at) < 0.03) {
      move_toward(obs, pusher(angle + 0.25 * turn_.direction), 10.0, action);
    } else if (dist_xy(hand, at) < 0.01) {
      move_toward(obs, at, 10.0, action);
    } else {
      move_over(obs, {at.x, at.y, at.z + 0.06}, at.z + 0.05, action);
    }
    action[3] = 1.0f;
  }

 private:
  Turn turn_;
  MocapBody goal_marker_{"faucet_goal"};
};

}  // namespace htrmrl::tabletop::faucet
