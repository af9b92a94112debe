// door-lock and door-unlock: turn a lock lever on a door down from horizontal until its end
// is within 2 cm in height of a goal 10 cm below the hinge (about 68 degrees), or up from
// hanging straight down until its end is within 2 cm in x of a goal 10 cm beside the hinge
// (within about 22 degrees of horizontal).
#include <cmath>

#include "envs/tabletop/tasks/lock.hpp"

namespace htrmrl::tabletop {
namespace {

const Vec3 kPadScale{0.25, 1.0, 0.5};    // the lock reward's weighting of the pad's offset
const Vec3 kShoulder{0.0, 0.055, 0.07};  // the unlock reward's reach point, from the hand

class DoorLock final : public TaskOn<DoorLock, lock::Door> {
 public:
  DoorLock() : TaskOn(lock::Door("lock_start_lock")) {}
  const char* name() const override { return "door-lock"; }
  HandSetup hand() const override { return lock::hand(); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), 0.0, {0.0, 0.0, -0.1}, ep);
  }

  // 2 H(opening, near) + 8 pressed: near = tol(|(point - left pad) * (0.25, 1, 0.5)|; [0,
  // 0.01], margin the same at reset; Meta-World's margin is the current value, a live view),
  // pressed = tol(height gap; [0, 0.005], margin 0.1). No success override, as Meta-World.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 point = vec3(f.obs + 4);
    const Vec3 init_point = lock::on_lever(ep.obj_init, 0.0, lock::kSiteAlong, -0.01);
    const double pad_gap = norm(scale(point - f.gripper.left_pad, kPadScale));
    const double near =
        tolerance(pad_gap, 0.0, 0.01, norm(scale(init_point - ep.init_left_pad, kPadScale)));
    const double dz = std::abs(ep.goal.z - point.z);
    const double pressed = tolerance(dz, 0.0, 0.005, 0.1);
    s.reward = 2.0 * hamacher(std::max(0.0, static_cast<double>(f.obs[3])), near) + 8.0 * pressed;
    s.success = dz <= 0.02;
    s.near_object = pad_gap <= 0.05;
    s.grasp_success = f.obs[3] > 0.0;
    s.obj_to_target = dz;
    return s;
  }

  // From above the lever, down.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hinge = Vec3{obs[36], obs[37], obs[38]} - Vec3{0.0, lock::kSiteOut, -0.1};
    lock::turn(obs, hinge, -0.01, -0.015, 1.0, {0.0, 0.0, 0.1}, action);
  }
};

class DoorUnlock final : public TaskOn<DoorUnlock, lock::Door> {
 public:
  DoorUnlock() : TaskOn(lock::Door("lock_start_unlock")) {}
  const char* name() const override { return "door-unlock"; }
  HandSetup hand() const override { return lock::hand(); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]), lock::kLocked, {0.1, 0.0, 0.0}, ep);
  }

  // 2 ready + 8 pushed: ready = tol(|(hand + (0, 0.055, 0.07) - hinge) * (0.25, 1, 0.5)|;
  // [0, 0.02], margin the same from the tcp at reset), pushed = tol(x gap; [0, 0.005], margin
  // 0.1). No success override, as Meta-World.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 point = vec3(f.obs + 4);
    const Vec3 hand = vec3(f.obs);
    const double reach = norm(scale(hand + kShoulder - ep.obj_init, kPadScale));
    const double ready =
        tolerance(reach, 0.0, 0.02, norm(scale(ep.init_tcp + kShoulder - ep.obj_init, kPadScale)));
    const double dx = std::abs(ep.goal.x - point.x);
    const double pushed = tolerance(dx, 0.0, 0.005, 0.1);
    s.reward = 2.0 * ready + 8.0 * pushed;
    s.success = dx <= 0.02;
    s.near_object = reach <= 0.05;
    s.grasp_success = f.obs[3] > 0.0;
    s.obj_to_target = dx;
    return s;
  }

  // From beside the hanging lever (coming in sideways, under its hub), up.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hinge = Vec3{obs[36], obs[37], obs[38]} - Vec3{0.1, lock::kSiteOut, 0.0};
    lock::turn(obs, hinge, 0.01, 0.022, -1.0, {-0.08, 0.0, 0.0}, action);
  }
};

}  // namespace

const TabletopTask& door_lock_task() { return single<DoorLock>(); }
const TabletopTask& door_unlock_task() { return single<DoorUnlock>(); }

}  // namespace htrmrl::tabletop
