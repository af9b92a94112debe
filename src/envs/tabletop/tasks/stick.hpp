// The stick and thermos that stick-push and stick-pull share: a free stick (20 x 4 x 4 cm,
// 20 g, along x) on the table, and a heavy thermos standing on two damped slides (x and y,
// range [-0.3, 0.3], so every goal lies within them) with a rectangular handle loop on its
// -y side whose opening faces +-x. The first slot shows the stick, the second a point of the
// thermos (its axis at the loop's height, or the loop's middle) with the thermos's
// (constant) orientation, where Meta-World writes zeros.
//
// Our stick is 20 cm long (Meta-World's 10 cm), so that a hand holding its middle stays clear
// of the thermos when the stick's end touches it or passes through the loop; the thermos is
// furniture (it never touches the table) whose slides' damping (20) stands in for friction.
#pragma once

#include <algorithm>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::stick {

constexpr double kHalf = 0.1;          // the stick's end, from its middle
constexpr double kRestZ = 0.02;        // the stick's middle, at rest
constexpr Vec3 kThermos{0.2, 0.6, 0};  // the thermos with both slides at 0
constexpr double kLoopOut = 0.09;      // the loop's middle, -y of the axis
constexpr double kLoopZ = 0.132;       // the loop's middle, above the table
constexpr double kRadius = 0.06;       // the thermos's body

inline constexpr const char* kXml = R"(
    <body name="stick" pos="-0.05 0.6 0.02">
      <freejoint name="stick"/>
      <geom class="object" type="box" size="0.1 0.02 0.02" mass="0.02" condim="4"
            rgba="0.2 0.45 0.75 1"/>
      <site name="stick_end" pos="0.1 0 0" size="0.005"/>
    </body>
    <body name="thermos" pos="0.2 0.6 0">
      <joint name="thermos_x" type="slide" axis="1 0 0" range="-0.3 0.3" limited="true"
             damping="20"/>
      <joint name="thermos_y" type="slide" axis="0 1 0" range="-0.3 0.3" limited="true"
             damping="20"/>
      <geom class="prop" type="cylinder" pos="0 0 0.02" size="0.062 0.02" mass="1"
            material="dark"/>
      <geom class="prop" type="cylinder" pos="0 0 0.14" size="0.06 0.1" mass="2"
            rgba="0.75 0.2 0.2 1"/>
      <geom class="prop" type="cylinder" pos="0 0 0.285" size="0.05 0.045" mass="0.33"
            material="dark"/>
      <geom class="prop" type="capsule" fromto="0 -0.135 0.069 0 -0.135 0.195" size="0.008"
            material="dark"/>
      <geom class="prop" type="capsule" fromto="0 -0.135 0.069 0 -0.058 0.069" size="0.008"
            material="dark"/>
      <geom class="prop" type="capsule" fromto="0 -0.135 0.195 0 -0.058 0.195" size="0.008"
            material="dark"/>
      <site name="thermos_axis" pos="0 0 0.132" size="0.005"/>
      <site name="thermos_loop" pos="0 -0.09 0.132" size="0.005"/>
    </body>
)";

// The stick, placed at rest, and the thermos with its slides at (0, thermos_y); `point` is
// the thermos site the second slot shows.
class StickAndThermos : public FreeObject {
 public:
  StickAndThermos(VariationBox box, const char* point)
      : FreeObject(kXml, std::move(box), "stick"), thermos_(ObjectSlot::site(point, "thermos")) {}

  void bind(const mjModel* m) {
    FreeObject::bind(m);
    thermos_.bind(m);
    stick_ = body_id(m, "stick");
    left_pad_ = body_id(m, "leftpad");
    right_pad_ = body_id(m, "rightpad");
  }
  void place(const mjModel* m, mjData* d, Vec3 stick, double thermos_y) const {
    FreeObject::place(m, d, stick);
    set_joint(m, d, "thermos_x", 0.0);
    set_joint(m, d, "thermos_y", thermos_y);
  }
  void objects(const mjData* d, double* slots) const {
    FreeObject::objects(d, slots);
    thermos_.write(d, slots + 7);
  }

  // Both pads touch the stick.
  bool pinched(const mjModel* m, const mjData* d) const {
    bool left = false, right = false;
    for (int i = 0; i < d->ncon; ++i) {
      const int a = m->geom_bodyid[d->contact[i].geom1], b = m->geom_bodyid[d->contact[i].geom2];
      if (a != stick_ && b != stick_) continue;
      const int other = a == stick_ ? b : a;
      left = left || other == left_pad_;
      right = right || other == right_pad_;
    }
    return left && right;
  }

 private:
  ObjectSlot thermos_;
  int stick_ = -1, left_pad_ = -1, right_pad_ = -1;
};

// The experts' grasp of the stick's middle from above (the fingers shut on its 4 cm read
// about 0.56).
inline bool take_stick(const float* obs, float* action) {
  grasp::Heights h;
  h.shut = 0.65;
  return grasp::take_from_above(obs, {obs[4], obs[5], obs[6]}, h, action);
}

// Moves the held stick so that its end goes to `to`, lifting it straight up first while it is
// lower than to.z.
inline void carry_end(const float* obs, Vec3 to, float* action) {
  const Vec3 middle{obs[4], obs[5], obs[6]};
  const Vec3 end = middle + Vec3{kHalf, 0.0, 0.0};
  if (end.z < to.z - 0.02 && dist_xy(end, to) > 0.02) to = {end.x, end.y, to.z};
  grasp::carry_toward(obs, end, to, action);
}

// Pushes the thermos along +x with the stick's end until its axis reaches axis_x: the end
// first 4 cm before the thermos's -x side at the axis's y, then pressing on at a third of
// full speed (the damped thermos then stops within about 3 cm).
inline void push_thermos(const float* obs, Vec3 axis, double axis_x, double z, float* action) {
  const Vec3 end = Vec3{obs[4], obs[5], obs[6]} + Vec3{kHalf, 0.0, 0.0};
  const Vec3 before{axis.x - kRadius - 0.04, axis.y, z};
  const bool lined_up = std::abs(end.y - axis.y) < 0.01 && std::abs(end.z - z) < 0.015;
  if (lined_up && end.x > before.x - 0.01) {
    carry_end(obs, {axis_x - kRadius, axis.y, z}, action);
    for (int i = 0; i < 3; ++i) action[i] = std::clamp(action[i], -0.3f, 0.3f);
  } else {
    carry_end(obs, before, action);
  }
}

}  // namespace htrmrl::tabletop::stick
