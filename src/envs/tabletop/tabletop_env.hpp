// The tabletop environment: one mjData per compiled scene it runs, stepping the shared,
// immutable model. Follows the Meta-World interface: 39 observations, 4 actions, 500-step
// episodes that success never ends.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "envs/env.hpp"
#include "envs/tabletop/scene.hpp"

namespace htrmrl::tabletop {

// The scenes an environment may run, one per task name.
using SceneSet = std::vector<std::shared_ptr<const Scene>>;

// What the observation shows besides the first 36 numbers. Meta-RL (ML) benchmarks: the goal
// zeroed, nothing appended (39 numbers). Multi-task (MT) benchmarks, as Meta-World's: the
// goal in obs[36:39] and a one-hot id of the running scene's place in the SceneSet appended
// (39 + scene count numbers).
struct ObservationMode {
  bool goal_visible = false;
  bool task_one_hot = false;
};
// The observation's size in a mode, for an environment that runs `scenes` scenes.
int observation_size(ObservationMode mode, int scenes);

class TabletopEnv final : public Env {
 public:
  explicit TabletopEnv(std::shared_ptr<const SceneSet> scenes, ObservationMode mode = {});
  ~TabletopEnv() override;
  TabletopEnv(const TabletopEnv&) = delete;
  TabletopEnv& operator=(const TabletopEnv&) = delete;

  const EnvSpec& spec() const override { return spec_; }
  // task.name picks the scene, task.params is the variation.
  void set_task(const Task& task) override;
  // The seed is accepted for the API's sake: a variation fixes every position, as in
  // Meta-World, so resets with the same task are identical whatever the seed.
  void reset(uint64_t seed, float* obs) override;
  StepResult step(const float* action, float* obs) override;

  // For tests, rendering and the scripted experts.
  const TabletopTask& task() const { return *active().scene->task; }
  const Episode& episode() const { return episode_; }
  const Scores& scores() const { return scores_; }
  const Scene& scene() const { return *active().scene; }
  const mjModel* model() const { return active().scene->model.get(); }
  const mjData* data() const { return active().data; }
  // Writes the true goal into obs[36:39] (the ML benchmarks hide it).
  void reveal_goal(float* obs) const;

 private:
  struct Slot {
    std::shared_ptr<const Scene> scene;
    mjData* data = nullptr;  // created on first use
  };
  const Slot& active() const { return slots_[active_]; }
  void observe_frame(double* frame) const;
  void write_obs(float* obs) const;
  Vec3 tcp() const;

  EnvSpec spec_;
  ObservationMode mode_;
  std::vector<Slot> slots_;
  int active_ = 0;
  std::vector<double> variation_;
  Episode episode_;
  Scores scores_;
  double frame_[kFrameDim] = {}, previous_[kFrameDim] = {};
  std::vector<float> last_obs_;  // spec_.obs_dim numbers
  int t_ = 0;
  bool unstable_ = false;  // the physics blew up this episode: the rest is frozen
};

}  // namespace htrmrl::tabletop
