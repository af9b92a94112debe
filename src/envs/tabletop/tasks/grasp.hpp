// What the grasping tasks share: the scripted approach of a top-down grasp (of a free object,
// or of a furniture handle bar), carrying a held object, and the held bonus of the pick
// tasks' reward.
#pragma once

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::grasp {

// A top-down grasp of a free object, as hand heights above the object's observed centre.
struct Heights {
  double clear = 0.08;  // lower than this the hand rises before moving sideways
  double close = 0.05;  // the fingers close once the hand is lower than this
  double grip = 0.03;   // descending, the hand aims here, under `close` so that it gets there
  double keep = 0.05;   // a hand this low over the object, fingers shut on it, holds it
  double shut = 0.6;    // the gripper opening below which the fingers have closed
};

// Over the object (12 cm up), down, close, and hold still until the fingers have closed:
// writes that action and returns false, or returns true once the object is held, for the
// caller to write the carry.
inline bool take_from_above(const float* obs, Vec3 obj, const Heights& h, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const bool above = dist_xy(hand, obj) < 0.02;
  const bool low = hand.z < obj.z + h.close;
  // Already carrying: the object stays between the fingers even where the hand is not low.
  const bool in_hand = above && hand.z < obj.z + h.keep && obs[3] < 0.9;
  if (!above) {
    move_over(obs, {obj.x, obj.y, obj.z + 0.12}, obj.z + h.clear, action);
    action[3] = -1.0f;
  } else if (!low && !in_hand) {
    move_toward(obs, {obj.x, obj.y, obj.z + h.grip}, 10.0, action);
    action[3] = -1.0f;
  } else if (obs[3] > h.shut) {
    action[0] = action[1] = action[2] = 0.0f;
    action[3] = 1.0f;
  } else {
    return true;
  }
  return false;
}

// The same for a handle bar on furniture, pinched between the pads with the hand at grip_z.
// Over the bar, the hand must be within 1.2 cm of it to descend, and may drift 2.5 cm once
// down (the bar moves when touched); the fingers close to 0.45 on the bar.
inline bool take_bar(const float* obs, Vec3 bar, double grip_z, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  const bool low = hand.z < bar.z + 0.07;
  if (dist_xy(hand, bar) > (low ? 0.025 : 0.012)) {
    move_over(obs, {bar.x, bar.y, bar.z + 0.12}, bar.z + 0.09, action);
    action[3] = -1.0f;
  } else if (hand.z > grip_z + 0.01) {
    move_toward(obs, {bar.x, bar.y, grip_z}, 10.0, action);
    action[3] = -1.0f;
  } else if (obs[3] > 0.45) {
    action[0] = action[1] = action[2] = 0.0f;
    action[3] = 1.0f;
  } else {
    return true;
  }
  return false;
}

// Moves a held object toward a point: the hand moves by the object's offset to it.
inline void carry_toward(const float* obs, Vec3 obj, Vec3 to, float* action) {
  const Vec3 hand{obs[0], obs[1], obs[2]};
  move_toward(obs, hand + (to - obj), 10.0, action);
  action[3] = 1.0f;
}

// Where to carry a held object that must come down onto (or into) the goal from above:
// straight up while it is lower than goal.z + rise_to, then to `over` above the goal, and
// down only once within 1 cm of the goal in xy.
inline Vec3 drop_onto(Vec3 obj, Vec3 goal, double over, double rise_to) {
  const Vec3 above_goal{goal.x, goal.y, goal.z + over};
  if (obj.z < goal.z + rise_to && dist_xy(obj, goal) > 0.03) return {obj.x, obj.y, above_goal.z};
  return dist_xy(obj, goal) < 0.01 ? goal : above_goal;
}

// Held: the tcp within `reach` of the object, the gripper not shut on nothing, and the
// object lifted a centimetre above where it started.
inline bool held(const Frame& f, Vec3 obj, double reach, const Episode& ep) {
  return dist(obj, f.gripper.tcp) < reach && f.obs[3] > 0.0 && obj.z - 0.01 > ep.obj_init.z;
}

// Where a pick task draws its lines: success within `success` of the goal, reward 10 within
// `full`, the tcp near the object within `near`.
struct PickRadii {
  double success, full, near;
};

// The pick tasks' scores: before success the reward is H(grasp, in) (at most 1) plus, while
// held, a bonus of 1 + 5 in (at most 6), so it stays in [0, 10].
inline Scores carry_scores(double grasp, double in_place, bool held, double to_goal,
                           double tcp_to_obj, const PickRadii& r) {
  Scores s;
  s.reward = hamacher(grasp, in_place);
  if (held) s.reward += 1.0 + 5.0 * in_place;
  s.success = to_goal <= r.success;
  if (to_goal <= r.full) s.reward = 10.0;
  s.grasp_success = held;
  s.near_object = tcp_to_obj <= r.near;
  s.obj_to_target = to_goal;
  return s;
}

// What the handle tasks report besides reward and success: the tcp near the handle within
// 3 cm, grasped when the fingers are also closed (below half open).
inline void report_handle(Scores& s, const Frame& f, double tcp_to_handle, double to_goal) {
  s.near_object = tcp_to_handle <= 0.03;
  s.grasp_success = s.near_object && f.obs[3] < 0.5;
  s.obj_to_target = to_goal;
}

}  // namespace htrmrl::tabletop::grasp
