// reach: bring the tcp within 5 cm of a hidden goal in the air. A puck stands on the table
// (in the observation, ignored by the reward).
#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

class Reach final : public TabletopTask {
 public:
  const char* name() const override { return "reach"; }

  std::string objects_xml() const override {
    return R"(
    <body name="puck" pos="0 0.6 0.02">
      <freejoint name="puck"/>
      <geom class="object" type="cylinder" size="0.02 0.02" mass="0.75" rgba="0.1 0.3 0.8 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.85 0.15">
      <geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>
    </body>
)";
  }

  // puck (x, y, z), goal (x, y, z)
  VariationBox variation_box() const override {
    return {{-0.1, 0.6, 0.02, -0.1, 0.8, 0.05}, {0.1, 0.7, 0.02, 0.1, 0.9, 0.3}};
  }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  std::unique_ptr<TabletopTask> bind(const mjModel* m) const override {
    auto t = std::make_unique<Reach>(*this);
    t->puck_ = body_id(m, "puck");
    t->goal_mocap_ = mocap_id(m, "goal");
    return t;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    set_free_pose(m, d, "puck", vec3(&v[0]));
    ep.goal = vec3(&v[3]);
    ep.obj_init = vec3(&v[0]);
    set_mocap_pos(d, goal_mocap_, ep.goal);
    ep.constant[0] = dist(ep.goal, ep.init_tcp);  // the reward's margin
  }

  void objects(const mjModel*, const mjData* d, double* slots) const override {
    body_pose(d, puck_, slots);
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const double d = dist(f.gripper.tcp, ep.goal);
    s.reward = 10.0 * tolerance(d, 0.0, 0.05, ep.constant[0]);
    s.success = d <= 0.05;
    s.near_object = s.success;
    s.obj_to_target = d;
    return s;
  }

  // Straight to the goal, the tcp (4.5 cm under the hand) on it.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 goal{obs[36], obs[37], obs[38] + 0.045};
    move_toward(obs, goal, 10.0, action);
    action[3] = -1.0f;
  }

 private:
  int puck_ = -1, goal_mocap_ = -1;
};

}  // namespace

const TabletopTask& reach_task() {
  static const Reach task;
  return task;
}

}  // namespace htrmrl::tabletop
