// push: move a puck along the table to a hidden goal 5 cm radius (grasping and dragging it
// is allowed and is what the scripted expert does).
#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

class Push final : public TabletopTask {
 public:
  const char* name() const override { return "push"; }

  std::string objects_xml() const override {
    return R"(
    <body name="puck" pos="0 0.6 0.02">
      <freejoint name="puck"/>
      <geom class="object" type="cylinder" size="0.02 0.02" mass="0.75" rgba="0.1 0.3 0.8 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.85 0.02">
      <geom class="visual" type="cylinder" size="0.05 0.001" rgba="0.1 0.8 0.2 0.5"/>
    </body>
)";
  }

  // puck (x, y, z), goal (x, y, z); the goal lies on the table at the puck's height.
  VariationBox variation_box() const override {
    return {{-0.1, 0.6, 0.02, -0.1, 0.8, 0.02}, {0.1, 0.7, 0.02, 0.1, 0.9, 0.02}};
  }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  std::unique_ptr<TabletopTask> bind(const mjModel* m) const override {
    auto t = std::make_unique<Push>(*this);
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
  }

  void objects(const mjModel*, const mjData* d, double* slots) const override {
    body_pose(d, puck_, slots);
  }

  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 obj = vec3(f.obs + 4);
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, ep.goal);
    // Cage the puck; once the tcp is on it (gripper not shut), the distance to the goal.
    const double in_place = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, ep.goal));
    const double caged = cage(f.gripper, obj, ep.obj_init, {0.015, 0.05, 0.01, 0.005});
    s.reward = 2.0 * caged;
    if (tcp_to_obj < 0.02 && f.obs[3] > 0.0) s.reward += 1.0 + s.reward + 5.0 * in_place;
    s.success = to_goal <= 0.05;
    if (s.success) s.reward = 10.0;
    s.near_object = tcp_to_obj <= 0.03;
    s.grasp_success = caged > 0.8;
    s.obj_to_target = to_goal;
    return s;
  }

  // Over the puck, down, close, carry it to the goal low over the table.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 puck{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    const bool above = dist_xy(hand, puck) < 0.02;
    const bool low = hand.z < puck.z + 0.05;
    if (!above) {
      move_toward(obs, {puck.x, puck.y, puck.z + 0.12}, 10.0, action);
      if (hand.z < puck.z + 0.08) action[0] = action[1] = 0.0f;  // rise before crossing
      action[3] = -1.0f;
    } else if (!low) {
      move_toward(obs, {puck.x, puck.y, puck.z + 0.03}, 10.0, action);
      action[3] = -1.0f;
    } else {
      // Hold still until the fingers have closed, then carry.
      const bool closed = obs[3] < 0.6;
      if (closed) move_toward(obs, {goal.x, goal.y, puck.z + 0.04}, 10.0, action);
      else action[0] = action[1] = action[2] = 0.0f;
      action[3] = 1.0f;
    }
  }

 private:
  int puck_ = -1, goal_mocap_ = -1;
};

}  // namespace

const TabletopTask& push_task() {
  static const Push task;
  return task;
}

}  // namespace htrmrl::tabletop
