// The nut and peg that assembly and disassemble share: a free nut (a ring of eight capsules,
// inner clearance 2.9 cm, a rod and a handle 13 cm out along +x) and a static peg (r 2 cm,
// 10 cm tall) that a mocap body places. The slot shows the handle's middle with the nut's
// orientation; the nut at rest is upright with its handle along +x, orientation (1, 0, 0, 0)
// (Meta-World's nut frame is turned a quarter turn, so it reads (0.707, 0, 0, 0.707) there).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop::nut {

constexpr double kRestZ = 0.019;    // the ring's centre, resting on the table
constexpr double kHandleOut = 0.13;  // the handle's middle from the ring's centre, along x
constexpr double kPegTop = 0.1;     // the peg's height above its foot

// The ring: eight capsules (r 1.9 cm, 3 cm long) tangent to a circle of r 4.8 cm.
inline std::string ring_xml() {
  std::string xml;
  for (int k = 0; k < 8; ++k) {
    const double a = k * 0.7853981633974483, c = std::cos(a), s = std::sin(a);
    const double x = 0.048 * c, y = 0.048 * s, dx = -0.015 * s, dy = 0.015 * c;
    char geom[200];
    std::snprintf(geom, sizeof(geom),
                  "      <geom class=\"object\" type=\"capsule\" fromto=\"%.4f %.4f 0 %.4f %.4f 0\" "
                  "size=\"0.019\" mass=\"0.02\" rgba=\"0.85 0.6 0.15 1\"/>\n",
                  x - dx, y - dy, x + dx, y + dy);
    xml += geom;
  }
  return xml;
}

inline std::string objects_xml() {
  return R"(
    <body name="nut" pos="0 0.6 0.019">
      <freejoint name="nut"/>
)" + ring_xml() +
         R"(      <geom class="object" type="cylinder" fromto="0.067 0 0 0.111 0 0" size="0.012" mass="0.02"
            material="metal"/>
      <geom class="object" type="box" pos="0.13 0 0" size="0.038 0.019 0.016" mass="0.04"
            rgba="0.15 0.35 0.75 1"/>
      <site name="nut_handle" pos="0.13 0 0" size="0.005"/>
    </body>
    <body name="nut_peg" mocap="true" pos="0 0.8 0">
      <geom class="prop" type="cylinder" pos="0 0 0.05" size="0.02 0.05" material="metal"/>
    </body>
)";
}

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

// The handle as the caging sees it: its x snapped to the hand's when within 1 cm (the fingers
// may hold it anywhere along its length).
inline Vec3 snapped_handle(Vec3 handle, Vec3 hand) {
  if (std::abs(handle.x - hand.x) < 0.01) handle.x = hand.x;
  return handle;
}

// Both tasks' scores: (2 grab + 6 in) x upright (1 at the rest orientation, 0 at a
// quaternion distance of 0.4), 10 on success; grab is the caging of the handle, its x snapped
// to the hand's (r 0.015, pad 0.02, reach 0.01, xz 0.01, from the ring's start). Meta-World's
// info: near_object carries the orientation term.
inline Scores scores(const Frame& f, const Episode& ep, double in, bool success,
                     CageDensity density) {
  Scores s;
  const CageOptions caging{0.015, 0.02, 0.01, 0.01, 1.0, density};
  const double grab = cage(f.gripper, snapped_handle(vec3(f.obs + 4), f.hand), ep.obj_init, caging);
  const double level = upright(f.obs + 7, 0.4);
  s.success = success;
  s.reward = success ? 10.0 : (2.0 * grab + 6.0 * in) * level;
  s.near_object = level;
  s.grasp_success = grab >= 0.5;
  return s;
}

// The nut, placed upright at rest by its ring's centre, and the peg, placed by its foot.
inline FreeObjectAndMarker nut_and_peg(VariationBox box) {
  return {objects_xml(), std::move(box), "nut", "nut_peg", ObjectSlot::site("nut_handle", "nut")};
}

// The experts' grasp: the handle from above, fingers closed on its 3.8 cm width.
inline bool take_handle(const float* obs, float* action) {
  return grasp::take_from_above(obs, {obs[4], obs[5], obs[6]}, {}, action);
}

}  // namespace htrmrl::tabletop::nut
