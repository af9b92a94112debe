#include "envs/tabletop/tabletop_env.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr int kFrameSkip = 5;
// Observation bounds of the hand (wider than the mocap's box) and the gripper opening.
constexpr double kHandObsLow[3] = {-0.525, 0.348, -0.0525};
constexpr double kHandObsHigh[3] = {0.525, 1.025, 0.7};

// MuJoCo's divergence warnings: a change in their count means the state was reset.
int divergence_count(const mjData* d) {
  return d->warning[mjWARN_BADQACC].number + d->warning[mjWARN_BADQPOS].number +
         d->warning[mjWARN_BADQVEL].number;
}

}  // namespace

int observation_size(ObservationMode mode, int scenes) {
  return kObsDim + (mode.task_one_hot ? scenes : 0);
}

TabletopEnv::TabletopEnv(std::shared_ptr<const SceneSet> scenes, ObservationMode mode)
    : mode_(mode) {
  if (!scenes || scenes->empty()) throw Error("tabletop environment needs at least one scene");
  spec_.obs_dim = observation_size(mode, static_cast<int>(scenes->size()));
  last_obs_.assign(spec_.obs_dim, 0.0f);
  spec_.act_dim = kActDim;
  spec_.max_episode_steps = kEpisodeSteps;
  for (const auto& s : *scenes) slots_.push_back({s, nullptr});
}

TabletopEnv::~TabletopEnv() {
  for (auto& s : slots_)
    if (s.data) mj_deleteData(s.data);
}

void TabletopEnv::set_task(const Task& task) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (task.name != slots_[i].scene->task->name()) continue;
    const size_t want = slots_[i].scene->task->variation_box().low.size();
    if (task.params.size() != want)
      throw Error("tabletop task '" + task.name + "' needs " + std::to_string(want) +
                  " variation parameters, got " + std::to_string(task.params.size()));
    active_ = static_cast<int>(i);
    variation_ = task.params;
    Slot& slot = slots_[i];
    if (!slot.data) slot.data = mj_makeData(slot.scene->model.get());
    return;
  }
  throw Error("this tabletop environment cannot run task '" + task.name + "'");
}

Vec3 TabletopEnv::tcp() const {
  const RobotIds& r = active().scene->robot;
  const mjData* d = active().data;
  return 0.5 * (vec3(d->site_xpos + 3 * r.left_tip) + vec3(d->site_xpos + 3 * r.right_tip));
}

void TabletopEnv::reset(uint64_t /*seed*/, float* obs) {
  const Slot& slot = active();
  if (!slot.data) throw Error("tabletop environment reset before set_task");
  const mjModel* m = slot.scene->model.get();
  mjData* d = slot.data;
  const RobotIds& r = slot.scene->robot;

  // Start from the scene's rest state: the hand reset already done once at compile time.
  mj_copyData(d, m, slot.scene->rest.get());
  episode_ = Episode{};
  episode_.init_tcp = tcp();
  episode_.init_left_pad = vec3(d->xpos + 3 * r.left_pad);
  episode_.init_right_pad = vec3(d->xpos + 3 * r.right_pad);

  // Place the variation's objects.
  slot.scene->task->place(m, d, variation_, episode_);
  mj_forward(m, d);

  // The first frame is also the previous one.
  observe_frame(frame_);
  std::copy(frame_, frame_ + kFrameDim, previous_);
  write_obs(obs);
  std::copy(obs, obs + spec_.obs_dim, last_obs_.begin());
  scores_ = Scores{};
  t_ = 0;
  unstable_ = false;
}

StepResult TabletopEnv::step(const float* action, float* obs) {
  const Slot& slot = active();
  const mjModel* m = slot.scene->model.get();
  mjData* d = slot.data;
  const Scene& scene = *slot.scene;
  StepResult result;
  ++t_;
  result.truncated = t_ >= kEpisodeSteps;

  // After a blow-up the episode runs out frozen: zero reward, the last good observation.
  if (unstable_) {
    std::copy(last_obs_.begin(), last_obs_.end(), obs);
    result.unstable = true;
    return result;
  }

  // Move the mocap target and drive the fingers.
  const double a3 = apply_action(scene, d, action);

  // Simulate, watching for divergence.
  const int warnings = divergence_count(d);
  for (int k = 0; k < kFrameSkip; ++k) mj_step(m, d);
  if (divergence_count(d) != warnings) {
    unstable_ = true;
    std::copy(last_obs_.begin(), last_obs_.end(), obs);
    result.unstable = true;
    return result;
  }

  // Observe, then score the clipped observation (its goal zeroed in every mode).
  std::copy(frame_, frame_ + kFrameDim, previous_);
  observe_frame(frame_);
  write_obs(obs);
  double full[kObsDim] = {};
  std::copy(obs, obs + kGoalOffset, full);
  Frame f{m, d, full, {}, vec3(frame_)};
  f.gripper.tcp = tcp();
  f.gripper.left_pad = vec3(d->xpos + 3 * scene.robot.left_pad);
  f.gripper.right_pad = vec3(d->xpos + 3 * scene.robot.right_pad);
  f.gripper.init_tcp = episode_.init_tcp;
  f.gripper.a3 = a3;
  scores_ = scene.task->score(f, episode_);
  std::copy(obs, obs + spec_.obs_dim, last_obs_.begin());
  result.reward = static_cast<float>(scores_.reward);
  result.success = scores_.success;
  return result;
}

void TabletopEnv::observe_frame(double* frame) const {
  const Slot& slot = active();
  const RobotIds& r = slot.scene->robot;
  const mjData* d = slot.data;
  // Hand position and gripper opening, clipped to the observation bounds.
  for (int i = 0; i < 3; ++i)
    frame[i] = std::clamp(d->xpos[3 * r.hand + i], kHandObsLow[i], kHandObsHigh[i]);
  const double gap = dist(vec3(d->xpos + 3 * r.left_finger), vec3(d->xpos + 3 * r.right_finger));
  frame[3] = std::clamp(gap / 0.1, 0.0, 1.0);
  // The task's object slots.
  std::fill(frame + 4, frame + kFrameDim, 0.0);
  slot.scene->task->objects(slot.scene->model.get(), d, frame + 4);
}

void TabletopEnv::write_obs(float* obs) const {
  for (int i = 0; i < kFrameDim; ++i) {
    obs[i] = static_cast<float>(frame_[i]);
    obs[kFrameDim + i] = static_cast<float>(previous_[i]);
  }
  // The goal stays hidden unless the mode shows it: meta-RL agents must find it.
  std::fill(obs + kGoalOffset, obs + kObsDim, 0.0f);
  if (mode_.goal_visible) reveal_goal(obs);
  if (mode_.task_one_hot) {
    std::fill(obs + kObsDim, obs + spec_.obs_dim, 0.0f);
    obs[kObsDim + active_] = 1.0f;
  }
}

void TabletopEnv::reveal_goal(float* obs) const {
  obs[kGoalOffset] = static_cast<float>(episode_.goal.x);
  obs[kGoalOffset + 1] = static_cast<float>(episode_.goal.y);
  obs[kGoalOffset + 2] = static_cast<float>(episode_.goal.z);
}

}  // namespace htrmrl::tabletop
