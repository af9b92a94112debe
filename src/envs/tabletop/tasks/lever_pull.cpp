// lever-pull: a lever on a horizontal hinge (axis x) beside a pillar starts pointing toward the
// robot and must be pulled up to vertical, within pi/24. The hand starts at (0, 0.4, 0.2)
// (clear of the lever, which passes over the default start (0, 0.6, 0.2)).
//
// Geometry choices: the hinge is at base + (0.05, 0, 0.2); the handle (a grip sticking out in
// +x at the lever's end, its midpoint 0.2 from the hinge axis) starts at base + (0.12, -0.2,
// 0.2) and the goal is the handle at the vertical, base + (0.12, 0, 0.4), low enough for the
// hand to reach. The grip swivels on the lever so that a hand holding it need not turn.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kUp = kPi / 2.0;          // the hinge angle of a vertical lever
constexpr double kTolerance = kPi / 24.0;  // success band around it
constexpr double kRadius = 0.2;            // handle to hinge axis
constexpr double kPadsBelowHand = 0.035;   // the finger pads' centre, where the grip is held
// Handle-to-goal distance at the edge of the success band (the chord of pi/24).
const double kInBand = 2.0 * kRadius * std::sin(kTolerance / 2.0);

// A pillar with a bearing; the lever (hub, arm, swivelling grip with a knob) rests on its
// lower stop at the horizontal, its upper stop is the vertical. Nothing of the lever
// touches the pillar. The default pose keeps the lever clear of the arm's initial pose.
const char* kXml = R"(
    <body name="lever_base" mocap="true" pos="0.1 0.8 0">
      <geom class="prop" type="box" pos="0 0 0.115" size="0.03 0.04 0.115" material="metal"/>
      <geom class="visual" type="cylinder" fromto="0.03 0 0.2 0.04 0 0.2" size="0.008"
            material="dark"/>
      <body name="lever" pos="0.05 0 0.2">
        <joint name="lever_hinge" type="hinge" axis="-1 0 0" range="0 1.5708" limited="true"
               damping="2"/>
        <geom class="prop" type="cylinder" fromto="-0.01 0 0 0.01 0 0" size="0.02"
              material="dark" mass="0.05"/>
        <geom class="prop" type="capsule" fromto="0 0 0 0 -0.2 0" size="0.012"
              rgba="0.8 0.1 0.1 1" mass="0.15"/>
        <body name="lever_grip" pos="0 -0.2 0">
          <joint name="lever_swivel" type="hinge" axis="1 0 0" damping="0.01"/>
          <geom class="prop" type="cylinder" fromto="0 0 0 0.11 0 0" size="0.014"
                material="dark" mass="0.03"/>
          <geom class="prop" type="sphere" pos="0.11 0 0" size="0.018" material="dark"
                mass="0.01"/>
          <site name="lever_handle" pos="0.07 0 0" size="0.005"/>
        </body>
      </body>
    </body>
)";

class LeverPull final : public TaskOn<LeverPull, Furniture> {
 public:
  // base (x, y, z), on the table; the slot shows the handle with the lever arm's orientation
  // (it turns with the angle).
  LeverPull()
      : TaskOn({kXml,
                {{-0.1, 0.7, 0.0}, {0.1, 0.8, 0.0}},
                "lever_base",
                "lever_hinge",
                ObjectSlot::site("lever_handle", "lever")}) {}
  const char* name() const override { return "lever-pull"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 base = vec3(&v[0]);
    piece_.place(m, d, base, 0.0);
    set_joint(m, d, "lever_swivel", 0.0);
    ep.obj_init = base + Vec3{0.12, -kRadius, 0.2};
    ep.goal = base + Vec3{0.12, 0.0, 0.2 + kRadius};
    ep.constant[0] = dist(ep.obj_init, ep.init_tcp);  // the reach margin
    ep.constant[1] = dist(ep.obj_init, ep.goal);      // the in-place margin
  }

  // 10 H(ready_to_lift, in). ready_to_lift: the tcp at the handle (2 cm band); in: the handle
  // at the goal, its band the chord of the success band, so in = 1 exactly on success. Both
  // are at most 1, so the reward stays in [0, 10].
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double tcp_to_handle = dist(handle, f.gripper.tcp);
    const double to_goal = dist(handle, ep.goal);
    const double ready = tolerance(tcp_to_handle, 0.0, 0.02, ep.constant[0]);
    const double in = tolerance(to_goal, 0.0, kInBand, ep.constant[1]);
    s.reward = 10.0 * hamacher(ready, in);
    s.success = std::abs(f.d->qpos[hinge_qpos_] - kUp) <= kTolerance;
    s.near_object = tcp_to_handle <= 0.05;
    s.grasp_success = s.near_object && f.obs[3] < 0.6;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the grip from above between the pads' centres, then carry it along the arc to the
  // vertical, aiming a little ahead of the lever's current angle (read from the handle
  // relative to the hinge, which lies 0.2 under the goal).
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 handle{obs[4], obs[5], obs[6]};
    const Vec3 hinge{obs[36], obs[37], obs[38] - kRadius};
    const double gap = dist(hand - Vec3{0.0, 0.0, kPadsBelowHand}, handle);
    if (gap < 0.03 && obs[3] < 0.6) {
      const double angle = std::atan2(handle.z - hinge.z, hinge.y - handle.y);
      const double next = std::min(angle + 0.3, kUp);
      const Vec3 on_arc{handle.x, hinge.y - kRadius * std::cos(next),
                        hinge.z + kRadius * std::sin(next) + kPadsBelowHand};
      move_toward(obs, on_arc, 10.0, action);
      action[3] = 1.0f;
    } else if (gap < 0.012) {
      // Hold still while the fingers close.
      action[0] = action[1] = action[2] = 0.0f;
      action[3] = 1.0f;
    } else {
      const Vec3 over{handle.x, handle.y, handle.z + kPadsBelowHand + 0.06};
      if (dist_xy(hand, over) > 0.01) {
        move_over(obs, over, handle.z + 0.08, action);
      } else {
        move_toward(obs, {over.x, over.y, handle.z + kPadsBelowHand}, 10.0, action);
      }
      action[3] = -1.0f;
    }
  }

 private:
  void resolve(const mjModel* m) override { hinge_qpos_ = joint_qpos(m, "lever_hinge"); }

  int hinge_qpos_ = -1;
};

}  // namespace

const TabletopTask& lever_pull_task() { return single<LeverPull>(); }

}  // namespace htrmrl::tabletop
