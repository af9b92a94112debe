// The plate that the four plate-slide tasks share: a 10 x 10 x 3 cm plate (50 g) on two
// damped slides along x and y above the table, and a goal net (a hockey net of capsules with
// its mouth, 17 cm wide and 16.5 cm high, facing -y, or +x once turned for the side
// variants). The plate starts where the variant says; the net stands at the goal (the plate
// slides into it) or at the start (the plate is drawn out of it).
//
// Geometry choices: the slides reach every goal within their range (Meta-World's stop short
// of some side and back goals, which its plate reaches only through soft joint limits); the
// plate touches the hand and the net, not the table; the net's panels and its mouth's top bar
// are visual (the arm's wrist would strike the bar when the hand follows the plate in).
#pragma once

#include <string>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::plate {

constexpr Vec3 kRest{0.0, 0.6, 0.015};  // the plate's centre at slide (0, 0)

inline std::string plate_and_net_xml(bool side) {
  const std::string turn = side ? R"( quat="0.7071068 0 0 0.7071068")" : "";
  return R"(
    <body name="plate" pos="0 0.6 0.015">
      <joint name="plate_x" type="slide" axis="1 0 0" range="-0.4 0.4" limited="true"
             damping="1"/>
      <joint name="plate_y" type="slide" axis="0 1 0" range="-0.1 0.35" limited="true"
             damping="1"/>
      <geom class="prop" type="box" size="0.05 0.05 0.015" mass="0.05" rgba="0.2 0.5 0.8 1"/>
    </body>
    <body name="plate_net" mocap="true" pos="0 0.85 0")" +
         turn + R"(>
      <geom class="prop" type="capsule" fromto="-0.1 -0.0685 0.008 -0.1 0.077 0.008"
            size="0.008" material="metal"/>
      <geom class="prop" type="capsule" fromto="0.1 -0.0685 0.008 0.1 0.077 0.008"
            size="0.008" material="metal"/>
      <geom class="prop" type="capsule" fromto="-0.092 -0.0685 0.008 -0.092 -0.0685 0.174"
            size="0.008" material="metal"/>
      <geom class="prop" type="capsule" fromto="0.092 -0.0685 0.008 0.092 -0.0685 0.174"
            size="0.008" material="metal"/>
      <geom class="visual" type="capsule" fromto="-0.092 -0.0685 0.174 0.092 -0.0685 0.174"
            size="0.008" material="metal"/>
      <geom class="prop" type="capsule" fromto="-0.1 0.077 0.008 0.1 0.077 0.008"
            size="0.008" material="metal"/>
      <geom class="visual" type="box" pos="0 0.077 0.09" size="0.1 0.002 0.085"
            rgba="0.9 0.9 0.9 0.35"/>
      <geom class="visual" type="box" pos="-0.1 0.004 0.09" size="0.002 0.073 0.085"
            rgba="0.9 0.9 0.9 0.35"/>
      <geom class="visual" type="box" pos="0.1 0.004 0.09" size="0.002 0.073 0.085"
            rgba="0.9 0.9 0.9 0.35"/>
      <geom class="visual" type="box" pos="0 0.004 0.174" size="0.1 0.073 0.002"
            rgba="0.9 0.9 0.9 0.35"/>
    </body>
)";
}

// How a variant is laid out: where the plate starts and where the net stands (at the goal,
// or at a fixed place), and the point its reward measures the start from (Meta-World's
// margins use its variation's object position, not always where the plate starts).
struct Layout {
  bool side;
  Vec3 start;
  bool net_at_goal;
  Vec3 net;
  Vec3 reference;
};

// The plate and the net; the variation is the goal (x, y, z). The slot shows the plate's
// centre and its (constant) orientation.
class Plate : public Piece {
 public:
  Plate(VariationBox box, const Layout& layout)
      : Piece(plate_and_net_xml(layout.side), std::move(box)), layout_(layout) {}

  void bind(const mjModel* m) {
    plate_.bind(m);
    net_.bind(m);
  }

  // obj_init is the reward's reference point.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v, Episode& ep) const {
    set_joint(m, d, "plate_x", layout_.start.x - kRest.x);
    set_joint(m, d, "plate_y", layout_.start.y - kRest.y);
    ep.goal = vec3(&v[0]);
    net_.put(d, layout_.net_at_goal ? ep.goal : layout_.net);
    ep.obj_init = layout_.reference;
  }

  void objects(const mjData* d, double* slots) const { plate_.write(d, slots); }

 private:
  Layout layout_;
  ObjectSlot plate_ = ObjectSlot::body("plate");
  MocapBody net_{"plate_net"};
};

// The expert, fingers closed: come down on the plate's middle from above and press on it,
// then drag it (the pads' friction) to the goal.
inline void drag(const float* obs, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 plate{obs[4], obs[5], obs[6]};
  const Vec3 goal{obs[36], obs[37], obs[38]};
  // The closed fingers' midpoint lies 5 mm +y of the hand.
  const Vec3 over{plate.x, plate.y - 0.005, plate.z + 0.1};
  const bool pressing = hand.z < plate.z + 0.08 && dist_xy(hand, over) < 0.03;
  if (pressing) {
    move_toward(obs, {hand.x + goal.x - plate.x, hand.y + goal.y - plate.y, 0.0}, 10.0, action);
  } else if (dist_xy(hand, over) < 0.01) {
    move_toward(obs, {over.x, over.y, 0.0}, 10.0, action);
  } else {
    move_over(obs, over, plate.z + 0.09, action);
  }
  action[3] = 1.0f;
}

}  // namespace htrmrl::tabletop::plate
