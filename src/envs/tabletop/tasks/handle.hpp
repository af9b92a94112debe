// The unit that handle-press, handle-pull and their side variants share: a housing on the
// table with a lever on a vertical slide (range [-0.1, 0], heavily damped, no spring) that
// sticks out 0.2 m in front of it and ends in a grip bar across it. The unit's origin is the
// variation's position, on the table; the side variants turn it a quarter turn about z so
// that the lever points +x, toward the table's middle.
//
// Geometry choices: the lever is 4 cm wide (Meta-World: 6.4 cm), so the fingers close on it
// well short of shut; it and the grip weigh 2 g, so gravity alone moves the lever 4 mm in an
// episode against the damping, and their contacts are stiffer (by priority) lest the 400 N
// finger squeeze sink the pads into so light a part. The quaternion slots show the lever's
// (constant) orientation, where Meta-World writes zeros.
#pragma once

#include <string>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::handle {

// The lever's slide position at rest: up (pressing tasks) or down (pulling tasks).
constexpr double kUp = -0.001, kDown = -0.1;

inline std::string unit_xml(bool side) {
  const std::string turn = side ? R"( quat="0.7071068 0 0 0.7071068")" : "";
  return R"(
    <body name="handle_unit" mocap="true" pos="0 0.85 0")" +
         turn + R"(>
      <geom class="prop" type="box" pos="0 0.06 0.11" size="0.087 0.11 0.11" material="metal"/>
      <geom class="prop" type="box" pos="0 -0.045 0.014" size="0.035 0.005 0.014"
            material="dark"/>
      <body name="handle_lever" pos="0 -0.05 0.15">
        <joint name="handle_slide" type="slide" axis="0 0 1" range="-0.1 0" limited="true"
               damping="30"/>
        <geom class="prop" type="box" pos="0 -0.075 0" size="0.02 0.073 0.011" mass="0.001"
              rgba="0.8 0.1 0.1 1" priority="1" solref="0.005 1" solimp="0.999 0.999 0.001"/>
        <geom class="prop" type="cylinder" fromto="-0.07 -0.166 0 0.07 -0.166 0" size="0.022"
              mass="0.001" material="dark" priority="1" solref="0.005 1"
              solimp="0.999 0.999 0.001"/>
        <site name="handle_start" pos="0 -0.166 0.022" size="0.005"/>
        <site name="handle_right" pos="0.05 -0.166 0.014" size="0.005"/>
        <site name="handle_center" pos="0 -0.12 0" size="0.005"/>
      </body>
      <site name="handle_goal_press" pos="0 -0.216 0.075" size="0.01" rgba="0.1 0.8 0.2 0.5"/>
      <site name="handle_goal_pull" pos="0 -0.216 0.172" size="0.01" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";
}

// The unit; the variation is its origin (x, y, z). The slot shows the task's point on the
// lever (a site) with the lever's orientation.
class Unit : public Furniture {
 public:
  Unit(bool side, VariationBox box, const char* point, const char* goal_site)
      : Furniture(unit_xml(side), std::move(box), "handle_unit", "handle_slide",
                  ObjectSlot::site(point, "handle_lever")),
        goal_site_(goal_site) {}

  void bind(const mjModel* m) {
    Furniture::bind(m);
    goal_ = site_id(m, goal_site_);
  }

  // Puts the unit with its lever at q; fills the goal (the goal site) and obj_init (the
  // task's point), which need mj_forward to be known.
  void place(const mjModel* m, mjData* d, Vec3 unit, double q, Episode& ep) const {
    Furniture::place(m, d, unit, q);
    mj_forward(m, d);
    ep.goal = vec3(d->site_xpos + 3 * goal_);
    ep.obj_init = slot().position(d);
  }

 private:
  const char* goal_site_;
  int goal_ = -1;
};

// The variation boxes: in front of the robot, or to its left for the side variants.
inline VariationBox front_box() { return {{-0.1, 0.8, 0.0}, {0.1, 0.9, 0.0}}; }
inline VariationBox side_box() { return {{-0.35, 0.65, 0.0}, {-0.25, 0.75, 0.0}}; }

// The pressing tasks' scores: 10 on success (the grip's top within 5 cm of the goal in
// height), else 10 H(reach, in): reach = tol(tcp-grip; [0, 0.02], margin |initial distance -
// 0.02|), in = tol(height gap; [0, 0.05], margin |initial gap - 0.05|).
inline Scores press_scores(const Frame& f, const Episode& ep) {
  Scores s;
  const Vec3 grip = vec3(f.obs + 4);
  const double tcp_to_grip = dist(grip, f.gripper.tcp);
  const double dz = std::abs(grip.z - ep.goal.z);
  const double in = tolerance(dz, 0.0, 0.05, std::abs(std::abs(ep.obj_init.z - ep.goal.z) - 0.05));
  const double reach =
      tolerance(tcp_to_grip, 0.0, 0.02, std::abs(dist(ep.obj_init, ep.init_tcp) - 0.02));
  s.success = dz <= 0.05;
  s.reward = s.success ? 10.0 : 10.0 * hamacher(reach, in);
  s.near_object = tcp_to_grip <= 0.05;
  s.grasp_success = true;
  s.obj_to_target = dz;
  return s;
}

// The pressing tasks' expert, fingers closed: over the grip's top, then down until the tcp is
// at the goal's height (the grip's top then is a few millimetres above it).
inline void press(const float* obs, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 top{obs[4], obs[5], obs[6]};
  constexpr double kClosedTcpY = 0.005;  // the closed fingers' midpoint lies this far +y
  const Vec3 over{top.x, top.y - kClosedTcpY, top.z + 0.1};
  if (dist_xy(hand, over) > 0.01) {
    move_over(obs, over, top.z + 0.07, action);
  } else {
    move_toward(obs, {over.x, over.y, obs[38] + 0.045}, 10.0, action);
  }
  action[3] = 1.0f;
}

// The pulling tasks' expert: grasp the lever's part at `held` from above, the pads' middle
// (3.5 cm under the hand) 5 mm under its centre (pads over a round grip's axis squeeze it
// down and slip up over it as they lift; under the axis they wedge it up, the way it is to
// go), then lift it straight up to the goal's height. shut: just over the opening of fingers closed
// on the part, so that the lift waits until they hold it.
inline void pull(const float* obs, Vec3 held, double shut, float* action) {
  grasp::Heights h;
  h.grip = 0.03;
  h.close = 0.04;
  h.keep = 0.07;  // the damped lever lags the hand as it lifts
  h.shut = shut;
  if (!grasp::take_from_above(obs, held, h, action)) return;
  // Slowly (a third of carry_toward's gain): lifted faster, the damped lever slips down
  // through the pads.
  const Vec3 hand{obs[0], obs[1], obs[2]};
  move_toward(obs, hand + Vec3{0.0, 0.0, obs[38] - held.z}, 3.0, action);
  action[3] = 1.0f;
}

}  // namespace htrmrl::tabletop::handle
