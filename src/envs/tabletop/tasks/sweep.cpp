// sweep: move a 4 cm block sideways along the table to a marked spot at x = 0.5, level with
// the block's start (Meta-World sweeps it toward the table's right edge; our table reaches
// x = 0.7, so the goal is the spot the hand can reach). Success: block centre within 5 cm of
// (0.5, block y, 0.01).
#include "envs/tabletop/tasks/sweep.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kBlockZ = sweep::kBlockHalf;  // resting on the table
constexpr double kGoalX = 0.5, kGoalZ = 0.01;

// The block, and a green square marking the goal.
const char* kXml = R"(
    <body name="sweep_block" pos="0 0.65 0.02">
      <freejoint name="sweep_block"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" mass="0.1" rgba="0.85 0.55 0.1 1"/>
    </body>
    <body name="sweep_goal" mocap="true" pos="0.5 0.65 0.001">
      <geom class="visual" type="box" size="0.04 0.04 0.001" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";

class Sweep final : public TaskOn<Sweep, FreeObject> {
 public:
  // block (x, y, z); the goal follows from the block's y.
  Sweep() : TaskOn({kXml, {{-0.1, 0.6, kBlockZ}, {0.1, 0.7, kBlockZ}}, "sweep_block"}) {}
  const char* name() const override { return "sweep"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init);
    ep.goal = {kGoalX, ep.obj_init.y, kGoalZ};
    goal_marker_.put(d, {kGoalX, ep.obj_init.y, 0.001});
    ep.constant[0] = dist(ep.obj_init, ep.goal);  // the margin of "in"
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    return sweep::score(f, ep, dist(vec3(f.obs + 4), ep.goal));
  }

  void scripted_action(const float* obs, float* action) const override {
    sweep::expert(obs, kBlockZ, action);
  }

 private:
  void resolve(const mjModel* m) override { goal_marker_.bind(m); }

  MocapBody goal_marker_{"sweep_goal"};
};

}  // namespace

const TabletopTask& sweep_task() { return single<Sweep>(); }

}  // namespace htrmrl::tabletop
