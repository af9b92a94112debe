// reach: bring the tcp within 5 cm of a hidden goal in the air. A puck stands on the table
// (in the observation, ignored by the reward).
#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

class Reach final : public TaskOn<Reach, puck::PuckAndGoal> {
 public:
  Reach() : TaskOn(puck::PuckAndGoal(puck::Goal::kInAir)) {}
  const char* name() const override { return "reach"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, v, ep);
    ep.constant[0] = dist(ep.goal, ep.init_tcp);  // the reward's margin
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    return puck::reach_scores(f, ep);
  }

  // Straight to the goal, the tcp (4.5 cm under the hand) on it.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 goal{obs[36], obs[37], obs[38] + 0.045};
    move_toward(obs, goal, 10.0, action);
    action[3] = -1.0f;
  }
};

}  // namespace

const TabletopTask& reach_task() { return single<Reach>(); }

}  // namespace htrmrl::tabletop
