// The nut and peg that assembly and disassemble share: a free nut (a ring of eight capsules,
// inner clearance 2.9 cm, a rod and a handle 13 cm out along +x) and a static peg (r 2 cm,
// 10 cm tall) that a mocap body places. The slot shows the handle's middle with the nut's
// orientation; the nut at rest is upright with its handle along +x, orientation (1, 0, 0, 0)
// (Meta-World's nut frame is turned a quarter turn, so it reads (0.707, 0, 0, 0.707) there).
#pragma once

#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::nut {

constexpr double kRestZ = 0.019;    // the ring's centre, resting on the table
constexpr double kHandleOut = 0.13;  // the handle's middle from the ring's centre, along x
constexpr double kPegTop = 0.1;     // the peg's height above its foot

inline constexpr const char* kXml = R"(
    <body name="nut" pos="0 0.6 0.019">
      <freejoint name="nut"/>
      <geom class="object" type="capsule" fromto="0.048 -0.015 0 0.048 0.015 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="0.0445 0.0233 0 0.0233 0.0445 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="0.015 0.048 0 -0.015 0.048 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="-0.0233 0.0445 0 -0.0445 0.0233 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="-0.048 0.015 0 -0.048 -0.015 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="-0.0445 -0.0233 0 -0.0233 -0.0445 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="-0.015 -0.048 0 0.015 -0.048 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="capsule" fromto="0.0233 -0.0445 0 0.0445 -0.0233 0" size="0.019"
            mass="0.02" rgba="0.85 0.6 0.15 1"/>
      <geom class="object" type="cylinder" fromto="0.067 0 0 0.111 0 0" size="0.012" mass="0.02"
            material="metal"/>
      <geom class="object" type="box" pos="0.13 0 0" size="0.038 0.019 0.016" mass="0.04"
            rgba="0.15 0.35 0.75 1"/>
      <site name="nut_handle" pos="0.13 0 0" size="0.005"/>
    </body>
    <body name="nut_peg" mocap="true" pos="0 0.8 0">
      <geom class="prop" type="cylinder" pos="0 0 0.05" size="0.02 0.05" material="metal"/>
    </body>
)";

// The ring's centre, from the slot (handle position and wxyz orientation) of an observation.
template <class T>
Vec3 ring_centre(const T* slot) {
  const Vec3 handle{slot[0], slot[1], slot[2]};
  const double w = slot[3];
  const Vec3 u{slot[4], slot[5], slot[6]};
  // The nut's x axis (the ring-to-handle direction): R(q) (1, 0, 0).
  const Vec3 x_axis{1.0 - 2.0 * (u.y * u.y + u.z * u.z), 2.0 * (u.x * u.y + w * u.z),
                    2.0 * (u.x * u.z - w * u.y)};
  return handle - kHandleOut * x_axis;
}

// The orientation term: 1 upright with the handle along +x, falling to 0 at a quaternion
// distance of 0.4.
inline double upright(const double* q) {
  const double d = std::sqrt((q[0] - 1.0) * (q[0] - 1.0) + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  return std::max(1.0 - d / 0.4, 0.0);
}

// The handle as the caging sees it: its x snapped to the hand's when within 1 cm (the fingers
// may hold it anywhere along its length).
inline Vec3 snapped_handle(Vec3 handle, Vec3 hand) {
  if (std::abs(handle.x - hand.x) < 0.01) handle.x = hand.x;
  return handle;
}

// Both tasks' reward: (2 grab + 6 in) x upright, 10 on success.
inline double reward(double grab, double in, double upright, bool success) {
  return success ? 10.0 : (2.0 * grab + 6.0 * in) * upright;
}

// The nut, placed upright at rest with its ring at `ring`, and the peg with its foot at
// `peg_foot`.
class NutAndPeg : public FreeObject {
 public:
  explicit NutAndPeg(VariationBox box)
      : FreeObject(kXml, std::move(box), "nut", ObjectSlot::site("nut_handle", "nut")) {}

  void bind(const mjModel* m) {
    FreeObject::bind(m);
    peg_.bind(m);
  }
  void place(const mjModel* m, mjData* d, Vec3 ring, Vec3 peg_foot) const {
    FreeObject::place(m, d, ring);
    peg_.put(d, peg_foot);
  }

 private:
  MocapBody peg_{"nut_peg"};
};

// The experts' grasp: the handle from above, fingers closed on its 3.8 cm width.
inline bool take_handle(const float* obs, float* action) {
  return grasp::take_from_above(obs, {obs[4], obs[5], obs[6]}, {}, action);
}

}  // namespace htrmrl::tabletop::nut
