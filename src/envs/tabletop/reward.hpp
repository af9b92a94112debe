// Reward building blocks shared by every tabletop task (Meta-World v2 reward semantics):
// tolerance with long-tail or gaussian sigmoid, the Hamacher product, and gripper caging.
#pragma once

#include "envs/tabletop/vec3.hpp"

namespace htrmrl::tabletop {

enum class Sigmoid { kLongTail, kGaussian };

// 1 inside [lo, hi]; outside, a sigmoid of (distance to the interval / margin) that is 0.1
// at one margin. A zero margin gives 0 outside.
double tolerance(double x, double lo, double hi, double margin,
                 Sigmoid sigmoid = Sigmoid::kLongTail);

// Fuzzy "and": a*b / (a + b - a*b), 0 when both are 0.
double hamacher(double a, double b);

// How upright an object is: 1 at the orientation (1, 0, 0, 0) (wxyz), falling linearly to 0
// at a quaternion distance of `width` from it.
double upright(const double* wxyz, double width);

// Where the fingers are, at this step and at the episode's start.
struct Gripper {
  Vec3 tcp, left_pad, right_pad;
  Vec3 init_tcp;
  double a3 = 0;  // the gripper command of this step (+1 closes)
};

// How a caging reward is shaped: object radius, pad distance threshold, tcp reach and xz
// thresholds, the effort treated as a full close, and how reaching is blended in.
enum class CageDensity { kNone, kMedium, kHigh };
struct CageOptions {
  double obj_radius = 0.015;
  double pad_threshold = 0.05;
  double reach_threshold = 0.01;
  double xz_threshold = 0.005;
  double effort = 1.0;
  CageDensity density = CageDensity::kHigh;
};

// The caging reward: pads on both sides of the object (y), tcp over it (xz), fingers closing.
double cage(const Gripper& g, Vec3 obj, Vec3 obj_init, const CageOptions& o);

// The older caging form (pick-place, sweep, sweep-into): signed pad offsets, and a gripping
// term from how tightly the pads hold the object (grip_margin), not from the command.
double cage_old(const Gripper& g, Vec3 obj, Vec3 obj_init, double obj_radius, double grip_margin,
                double xz_threshold);

}  // namespace htrmrl::tabletop
