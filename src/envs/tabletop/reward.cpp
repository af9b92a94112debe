#include "envs/tabletop/reward.hpp"

#include <algorithm>
#include <cmath>

namespace htrmrl::tabletop {

double tolerance(double x, double lo, double hi, double margin, Sigmoid sigmoid) {
  if (x >= lo && x <= hi) return 1.0;
  if (margin <= 0.0) return 0.0;
  const double d = (x < lo ? lo - x : x - hi) / margin;
  // Both sigmoids are scaled so that d = 1 gives 0.1.
  if (sigmoid == Sigmoid::kLongTail) {
    const double s = d * 3.0;  // sqrt(1/0.1 - 1)
    return 1.0 / (s * s + 1.0);
  }
  const double s = d * 2.1459660262893472;  // sqrt(-2 ln 0.1)
  return std::exp(-0.5 * s * s);
}

double hamacher(double a, double b) {
  const double denom = a + b - a * b;
  return denom > 0.0 ? a * b / denom : 0.0;
}

double upright(const double* q, double width) {
  const double d = std::sqrt((q[0] - 1.0) * (q[0] - 1.0) + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  return std::max(1.0 - d / width, 0.0);
}

double cage(const Gripper& g, Vec3 obj, Vec3 obj_init, const CageOptions& o) {
  // Each pad within [radius, threshold] of the object along y.
  auto pad_term = [&](Vec3 pad) {
    const double margin = std::abs(std::abs(pad.y - obj_init.y) - o.pad_threshold);
    return tolerance(std::abs(pad.y - obj.y), o.obj_radius, o.pad_threshold, margin);
  };
  const double caging_y = hamacher(pad_term(g.left_pad), pad_term(g.right_pad));
  // The tcp over the object in the xz plane.
  const double xz_margin = dist_xz(obj_init, g.init_tcp) - o.xz_threshold;
  const double caging_xz = tolerance(dist_xz(g.tcp, obj), 0.0, o.xz_threshold, xz_margin);
  // Closing counts only once the object is caged.
  const double closed = std::min(std::max(0.0, g.a3), o.effort) / o.effort;
  const double caging = hamacher(caging_y, caging_xz);
  const double gripping = caging > 0.97 ? closed : 0.0;
  const double cg = hamacher(caging, gripping);
  if (o.density == CageDensity::kHigh) return (cg + caging) / 2.0;
  if (o.density == CageDensity::kMedium) {
    const double margin = std::abs(dist(obj_init, g.init_tcp) - o.reach_threshold);
    const double reach = tolerance(dist(obj, g.tcp), 0.0, o.reach_threshold, margin);
    return (cg + reach) / 2.0;
  }
  return cg;
}

double cage_old(const Gripper& g, Vec3 obj, Vec3 obj_init, double obj_radius, double grip_margin,
                double xz_threshold) {
  // Signed pad offsets: positive while the object is between the pads.
  const double d_right = obj.y - g.right_pad.y;
  const double d_left = g.left_pad.y - obj.y;
  const double m_right = std::abs(std::abs(obj.y - g.right_pad.y) - 0.05);
  const double m_left = std::abs(std::abs(obj.y - g.left_pad.y) - 0.05);
  const double y_caging = hamacher(tolerance(d_right, obj_radius, 0.05, m_right),
                                   tolerance(d_left, obj_radius, 0.05, m_left));
  const double y_gripping = hamacher(tolerance(d_right, obj_radius, grip_margin, m_right),
                                     tolerance(d_left, obj_radius, grip_margin, m_left));
  // The tcp over the object in the xz plane.
  const double xz_margin = dist_xz(obj_init, g.init_tcp) - xz_threshold;
  const double xz_caging = tolerance(dist_xz(g.tcp, obj), 0.0, xz_threshold, xz_margin);
  const double caging = hamacher(y_caging, xz_caging);
  const double gripping = caging > 0.95 ? y_gripping : 0.0;
  return (caging + gripping) / 2.0;
}

}  // namespace htrmrl::tabletop
