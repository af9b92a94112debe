// hand-insert: put a small cube, lying on the raised table, into the hole in it, within 5 cm
// of a hidden goal 2 cm under the hole's floor (so the cube must lie within 3 cm of it in
// xy).
#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kRestZ = 0.07;  // the cube's centre resting on the raised surface

// The cube and a goal marker on the hole's floor. The scene computes every body's mass and
// inertia from its geoms (inertiafromgeom = "true"): the cube weighs 64 g and turns freely,
// where Meta-World's weighs 10 g with its rotation frozen (docs/tabletop.md, "Known
// differences").
const char* kXml = R"(
    <body name="insert_cube" pos="0 0.65 0.07">
      <freejoint name="insert_cube"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" friction="1 0.1 0.002" condim="4"
            rgba="0.85 0.55 0.1 1"/>
    </body>
    <body name="insert_goal" mocap="true" pos="0 0.84 0.001">
      <geom class="visual" type="cylinder" size="0.03 0.001" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";

class HandInsert final : public TaskOn<HandInsert, FreeObject> {
 public:
  // cube (x, y, z) on the raised surface (placed at rest, where Meta-World drops it 2 cm),
  // goal (x, y, z) over the hole, at least 15 cm apart in xy.
  HandInsert()
      : TaskOn({kXml,
                {{-0.1, 0.6, kRestZ, -0.04, 0.8, -0.02}, {0.1, 0.7, kRestZ, 0.04, 0.88, -0.02}},
                "insert_cube"}) {}
  const char* name() const override { return "hand-insert"; }
  Table table() const override { return Table::kWithHole; }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init);
    ep.goal = vec3(&v[3]);
    goal_marker_.put(d, {ep.goal.x, ep.goal.y, 0.001});
  }

  // H(C, in) with the dense caging; the tcp on the cube and the gripper not shut add
  // 1 + 7 in (at most 9); 10 within 5 cm of the goal.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 cube = vec3(f.obs + 4);
    const double tcp_to_cube = dist(cube, f.gripper.tcp);
    const double to_goal = dist(cube, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    s.reward = hamacher(cage(f.gripper, cube, ep.obj_init, {0.015, 0.05, 0.01, 0.005}), in);
    if (tcp_to_cube < 0.02 && f.obs[3] > 0.0) s.reward += 1.0 + 7.0 * in;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.05;
    s.near_object = tcp_to_cube <= 0.03;
    s.grasp_success = tcp_to_cube < 0.02 && f.obs[3] > 0.0 && cube.z - 0.02 > 0.05;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the cube, carry it 3 cm over the surface to above the goal, and let it drop in
  // (lowered, the palm would strike the hole's edge for goals near it).
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 cube{obs[4], obs[5], obs[6]};
    const Vec3 drop{obs[36], obs[37], kRestZ + 0.03};
    if (dist_xy(cube, drop) < 0.01 && cube.z > kRestZ - 0.01) {
      action[0] = action[1] = action[2] = 0.0f;
      action[3] = -1.0f;
      return;
    }
    if (!grasp::take_from_above(obs, cube, {}, action)) return;
    const Vec3 surface{drop.x, drop.y, kRestZ};
    grasp::carry_toward(obs, cube, grasp::drop_onto(cube, surface, 0.03, 0.02), action);
  }

 private:
  void resolve(const mjModel* m) override { goal_marker_.bind(m); }

  MocapBody goal_marker_{"insert_goal"};
};

}  // namespace

const TabletopTask& hand_insert_task() { return single<HandInsert>(); }

}  // namespace htrmrl::tabletop
