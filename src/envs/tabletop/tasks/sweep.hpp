// What sweep and sweep-into share: a 4 cm block, its reward (2C + 6 H(C, in), 10 on success,
// C the older caging) and the scripted expert that grasps the block, carries it to the goal
// and lets go there.
#pragma once

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::sweep {

constexpr double kBlockHalf = 0.02;  // half the block's edge, also the caging "radius"
constexpr double kSuccess = 0.05;

// to_goal is the task's distance (3D for sweep, xy for sweep-into); ep.constant[0] holds its
// value at reset, the margin of "in". The sheet leaves the caging's thresholds open: our
// choice is the block's half edge as radius, a grip margin of one centimetre of slack and the
// usual 5 mm xz threshold. C <= 1, so the shaped part stays below 8 and 10 (success) is the
// maximum.
inline Scores score(const Frame& f, const Episode& ep, double to_goal) {
  Scores s;
  const Vec3 obj = vec3(f.obs + 4);
  const double in_place = tolerance(to_goal, 0.0, kSuccess, ep.constant[0]);
  const double caged =
      cage_old(f.gripper, obj, ep.obj_init, kBlockHalf, kBlockHalf + 0.01, 0.005);
  s.reward = 2.0 * caged + 6.0 * hamacher(caged, in_place);
  s.success = to_goal <= kSuccess;
  if (s.success) s.reward = 10.0;
  s.near_object = dist(obj, f.gripper.tcp) <= 0.03;
  s.grasp_success = caged > 0.8;
  s.obj_to_target = to_goal;
  return s;
}

// Over the block, down, close, carry it 1 cm above its resting height rest_z to the goal
// (x, y), open there and rise. Stateless: a block within 2 cm of the goal is delivered.
inline void expert(const float* obs, double rest_z, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const Vec3 block{obs[4], obs[5], obs[6]};
  const Vec3 goal{obs[36], obs[37], obs[38]};
  const bool delivered = dist_xy(block, goal) < 0.02;
  const bool above = dist_xy(hand, block) < 0.02;
  const bool low = hand.z < block.z + 0.05;
  if (delivered) {
    move_toward(obs, {hand.x, hand.y, rest_z + 0.2}, 10.0, action);
    action[3] = -1.0f;
  } else if (!above) {
    move_over(obs, {block.x, block.y, rest_z + 0.12}, rest_z + 0.08, action);
    action[3] = -1.0f;
  } else if (!low) {
    move_toward(obs, {block.x, block.y, block.z + 0.03}, 10.0, action);
    action[3] = -1.0f;
  } else {
    // Hold still until the fingers have stopped on the block (a 4 cm block reads about 0.5).
    const bool closed = obs[3] < 0.7f && obs[kFrameDim + 3] - obs[3] < 0.01f;
    if (closed) move_toward(obs, {goal.x, goal.y, rest_z + 0.05}, 10.0, action);
    else action[0] = action[1] = action[2] = 0.0f;
    action[3] = 1.0f;
  }
}

}  // namespace htrmrl::tabletop::sweep
