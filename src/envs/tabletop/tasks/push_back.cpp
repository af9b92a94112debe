// push-back: move a heavy cube along the table toward the robot to a hidden goal, within 7 cm
// (grasping and dragging it is allowed and is what the scripted expert does).
#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kHalf = 0.02;  // the cube's half edge

// The cube (high friction, as Meta-World's) and a flat goal marker of the success radius. The
// scene computes masses and inertias from geoms (inertiafromgeom = "true"): the cube weighs
// 64 g and turns freely, where Meta-World's weighs 0.75 kg with its rotation frozen
// (docs/tabletop.md, "Known differences").
const char* kXml = R"(
    <body name="cube" pos="0 0.8 0.02">
      <freejoint name="cube"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" friction="2 0.1 0.002" condim="4"
            rgba="0.55 0.25 0.7 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.65 0.001">
      <geom class="visual" type="cylinder" size="0.07 0.001" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";

class PushBack final : public TaskOn<PushBack, FreeObject> {
 public:
  // cube (x, y, z), goal (x, y, z): the goal nearer the robot, at least 15 cm away in xy.
  PushBack()
      : TaskOn({kXml,
                {{-0.1, 0.8, kHalf, -0.1, 0.6, kHalf}, {0.1, 0.85, kHalf, 0.1, 0.7, kHalf}},
                "cube"}) {}
  const char* name() const override { return "push-back"; }
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

  // H(C, in) with the older caging (radius 7 mm, grip margin 1 cm, xz threshold 1 cm); the
  // tcp on the cube, the fingers closed on it (opening in (0, 0.55)) and the cube 1 cm nearer
  // the goal than it started add 1 + 5 in (at most 7 in all); 10 within 5 cm of the goal.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 obj = vec3(f.obs + 4);
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    const double start_to_goal = dist(ep.obj_init, ep.goal);
    const double in = tolerance(to_goal, 0.0, 0.05, start_to_goal);
    const double caged = cage_old(f.gripper, obj, ep.obj_init, 0.007, 0.01, 0.01);
    s.reward = hamacher(caged, in);
    const bool gripped = f.obs[3] > 0.0 && f.obs[3] < 0.55;
    if (tcp_to_obj < 0.01 && gripped && start_to_goal - to_goal > 0.01) s.reward += 1.0 + 5.0 * in;
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = tcp_to_obj <= 0.03;
    s.grasp_success = tcp_to_obj < 0.01 && gripped;
    s.obj_to_target = to_goal;
    return s;
  }

  // Over the cube, down, close, then drag it to the goal low over the table.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 cube{obs[4], obs[5], obs[6]};
    if (!grasp::take_from_above(obs, cube, {}, action)) return;
    // The hand 4 cm over the cube's centre: the cube drags along the table.
    move_toward(obs, {obs[36], obs[37], cube.z + 0.04}, 10.0, action);
    action[3] = 1.0f;
  }

 private:
  void resolve(const mjModel* m) override { goal_marker_.bind(m); }

  MocapBody goal_marker_{"goal"};
};

}  // namespace

const TabletopTask& push_back_task() { return single<PushBack>(); }

}  // namespace htrmrl::tabletop
