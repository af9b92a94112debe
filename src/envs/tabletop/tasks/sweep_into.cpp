// sweep-into: move a 4 cm block across the raised table surface (z = 0.05) into the 0.16 m
// square hole at (0, 0.84). Success: block centre within 5 cm of the hole centre in xy
// (height ignored, as the goal is the hole, not a point in it).
#include "envs/tabletop/tasks/sweep.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kBlockZ = 0.05 + sweep::kBlockHalf;  // resting on the raised surface
// The hole centre, at the height of a block resting on the hole's floor.
constexpr Vec3 kGoal{0.0, 0.84, sweep::kBlockHalf};

// The block, and a green square on the hole's floor to mark the goal.
const char* kXml = R"(
    <body name="sweep_into_block" pos="0 0.65 0.07">
      <freejoint name="sweep_into_block"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" mass="0.1" rgba="0.85 0.55 0.1 1"/>
    </body>
    <geom name="sweep_into_goal" class="visual" type="box" pos="0 0.84 0.001"
          size="0.05 0.05 0.001" rgba="0.1 0.8 0.2 0.5"/>
)";

class SweepInto final : public TaskOn<SweepInto, FreeObject> {
 public:
  // block (x, y, z); the goal is fixed.
  SweepInto() : TaskOn({kXml, {{-0.1, 0.6, kBlockZ}, {0.1, 0.7, kBlockZ}}, "sweep_into_block"}) {}
  const char* name() const override { return "sweep-into"; }
  Table table() const override { return Table::kWithHole; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init);
    ep.goal = kGoal;
    ep.constant[0] = dist_xy(ep.obj_init, ep.goal);  // the margin of "in"
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    return sweep::score(f, ep, dist_xy(vec3(f.obs + 4), ep.goal));
  }

  void scripted_action(const float* obs, float* action) const override {
    sweep::expert(obs, kBlockZ, action);
  }
};

}  // namespace

const TabletopTask& sweep_into_task() { return single<SweepInto>(); }

}  // namespace htrmrl::tabletop
