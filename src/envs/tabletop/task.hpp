// The interface one tabletop task implements, in one file under tasks/: its objects as MJCF,
// its randomisation box, where the hand starts, how a variation is placed, what the
// observation's object slots hold, its reward and success, and a scripted expert.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "envs/tabletop/reward.hpp"
#include "envs/tabletop/vec3.hpp"

namespace htrmrl::tabletop {

// Observation layout (39 numbers): the current frame, the previous frame, the goal.
constexpr int kObsDim = 39;
constexpr int kActDim = 4;
constexpr int kFrameDim = 18;     // hand(3) grip(1) obj1 pos+quat(7) obj2 pos+quat(7)
constexpr int kGoalOffset = 36;
constexpr int kEpisodeSteps = 500;

// Where the hand starts and the box its mocap target is kept in.
struct HandSetup {
  Vec3 init{0.0, 0.6, 0.2};
  Vec3 low{-0.5, 0.40, 0.05};
  Vec3 high{0.5, 1.0, 0.5};
};

// The default hand box, with the hand starting elsewhere (e.g. clear of a tall prop).
inline HandSetup hand_starting_at(Vec3 init) {
  HandSetup h;
  h.init = init;
  return h;
}

// The table a task stands on.
enum class Table { kPlain, kWithHole };

// A variation is a point of this box (object and goal positions), drawn uniformly.
struct VariationBox {
  std::vector<double> low, high;
};

// What a reset fixes for the episode: the goal and the constants the reward uses.
struct Episode {
  Vec3 goal;
  Vec3 obj_init;
  Vec3 init_tcp;
  Vec3 init_left_pad, init_right_pad;
  double constant[4] = {};  // task-specific (e.g. an initial distance)
};

// One step's view of the scene for scoring.
struct Frame {
  const mjModel* m;
  const mjData* d;
  const double* obs;  // the clipped current observation (goal slots zeroed)
  Gripper gripper;    // tcp, pads and the gripper command
  Vec3 hand;
};

struct Scores {
  double reward = 0;  // in [0, 10]
  bool success = false;
  bool near_object = false;
  bool grasp_success = false;
  double obj_to_target = 0;
};

class TabletopTask {
 public:
  virtual ~TabletopTask() = default;

  // Static facts, available before any model exists.
  virtual const char* name() const = 0;
  virtual std::string objects_xml() const = 0;  // bodies for <worldbody>
  virtual HandSetup hand() const { return {}; }
  virtual Table table() const { return Table::kPlain; }
  virtual VariationBox variation_box() const = 0;
  // Rejection rule for drawn variations (e.g. a minimum object-goal gap).
  virtual bool accept(const std::vector<double>& /*v*/) const { return true; }

  // A copy of this task bound to its compiled scene: ids are resolved here, once.
  virtual std::unique_ptr<TabletopTask> bind(const mjModel* m) const = 0;

  // Bound methods. place: after the hand reset, put the objects of variation v and fill the
  // episode's goal and constants (the caller runs mj_forward afterwards).
  virtual void place(const mjModel* m, mjData* d, const std::vector<double>& v,
                     Episode& ep) const = 0;
  // obs[4:18]: position and wxyz quaternion of up to two objects, zeros when unused.
  virtual void objects(const mjModel* m, const mjData* d, double* slots) const = 0;
  virtual Scores score(const Frame& f, const Episode& ep) const = 0;

  // The scripted expert: an action from an observation whose goal slots hold the true goal.
  virtual void scripted_action(const float* obs, float* action) const = 0;
};

// Id lookups that fail loudly: a misspelt name in a task is a bug, not a silent -1.
int body_id(const mjModel* m, const char* name);
int site_id(const mjModel* m, const char* name);
int joint_qpos(const mjModel* m, const char* name);  // address in qpos
int joint_dof(const mjModel* m, const char* name);   // address in qvel
int mocap_id(const mjModel* m, const char* body);    // index into mocap_pos

// Puts a free joint's body at a position, upright and at rest.
void set_free_pose(const mjModel* m, mjData* d, const char* joint, Vec3 pos);
// Puts a hinge or slide joint at a position, at rest.
void set_joint(const mjModel* m, mjData* d, const char* joint, double q);
// Moves a mocap body (a static prop, or a goal marker) to a position.
void set_mocap_pos(mjData* d, int mocap, Vec3 pos);

// Moves the action toward a point: per-axis proportional control, clipped to [-1, 1].
void move_toward(const float* hand, Vec3 target, double gain, float* action);
// Moves the hand (gain 10) to a point over something, but only up while it is lower than
// clear_z: crossing sideways that low would knock the fingers into what it is going for.
void move_over(const float* hand, Vec3 over, double clear_z, float* action);

// Every task, in a fixed order (the 15 of ML10 first in the suite's order).
const std::vector<const TabletopTask*>& all_tasks();
// nullptr when unknown.
const TabletopTask* find_task(const std::string& name);

}  // namespace htrmrl::tabletop
