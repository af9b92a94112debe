// reach-wall: bring the tcp within 5 cm of a hidden goal in the air behind a 12 cm wall. A
// puck stands on the table (in the observation, ignored by the reward).
#include <algorithm>

#include "envs/tabletop/tasks/puck.hpp"

namespace htrmrl::tabletop {
namespace {

class ReachWall final : public TaskOn<ReachWall, puck::PuckAndGoal> {
 public:
  ReachWall() : TaskOn(puck::behind_wall(puck::Goal::kInAir)) {}
  const char* name() const override { return "reach-wall"; }

  // The margin is the tcp's initial distance, as reach's (Meta-World's reach-wall measures it
  // from the commanded hand start, a centimetre or two away).
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, v, ep);
    ep.constant[0] = dist(ep.goal, ep.init_tcp);
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    return puck::reach_scores(f, ep);
  }

  // Over the wall with the fingertips 8 cm above it, then to the goal, the tcp (4.5 cm under
  // the hand) on it.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 goal{obs[36], obs[37], obs[38] + 0.045};
    const bool past_wall = obs[1] > puck::kWallY + 0.08;
    const double cruise = std::max(goal.z, puck::kWallTop + 0.08 + 0.05);
    move_over(obs, past_wall ? goal : Vec3{goal.x, goal.y, cruise}, cruise - 0.01, action);
    action[3] = -1.0f;
  }
};

}  // namespace

const TabletopTask& reach_wall_task() { return single<ReachWall>(); }

}  // namespace htrmrl::tabletop
