// Three-vectors for task logic: positions read from mjData, distances, per-axis weighting.
#pragma once

#include <cmath>

namespace htrmrl::tabletop {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 vec3(const double* p) { return {p[0], p[1], p[2]}; }
inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(double s, Vec3 a) { return {s * a.x, s * a.y, s * a.z}; }
// Per-axis product, for the weighted distances some success criteria use.
inline Vec3 scale(Vec3 a, Vec3 w) { return {a.x * w.x, a.y * w.y, a.z * w.z}; }
inline double norm(Vec3 a) { return std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z); }
inline double dist(Vec3 a, Vec3 b) { return norm(a - b); }
inline double dist_xy(Vec3 a, Vec3 b) { return std::hypot(a.x - b.x, a.y - b.y); }
inline double dist_xz(Vec3 a, Vec3 b) { return std::hypot(a.x - b.x, a.z - b.z); }

}  // namespace htrmrl::tabletop
