// coffee-push and coffee-pull: slide the mug along the table to within 7 cm of a hidden goal:
// under the machine's spout (push), or out from under it toward the robot (pull).
#include "envs/tabletop/tasks/coffee.hpp"

namespace htrmrl::tabletop {
namespace {

const Vec3 kWeights{2.0, 2.0, 1.0};  // the "in" distance weighs the table's plane twice

class CoffeeMug final : public TaskOn<CoffeeMug, coffee::Machine> {
 public:
  // mug (x, y, z), goal (x, y, z), at least 15 cm apart in xy; the machine stands behind
  // the goal (push) or behind the mug (pull), so that the one under its spout is where the
  // mug is filled.
  CoffeeMug(const char* name, VariationBox box, bool machine_at_goal)
      : TaskOn({std::move(box), ObjectSlot::body("mug")}),
        name_(name),
        machine_at_goal_(machine_at_goal) {}
  const char* name() const override { return name_; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    ep.goal = vec3(&v[3]);
    const Vec3 under = machine_at_goal_ ? ep.goal : ep.obj_init;
    piece_.place(m, d, under - coffee::kUnderSpout, ep.obj_init, ep.goal);
    ep.constant[0] = norm(scale(ep.obj_init - ep.goal, kWeights));
  }

  // H(C, in), the caging of medium density (radius 2 cm, reach 4 cm, xz 5 cm, effort 0.7);
  // the tcp by the mug and the gripper not shut add 1 + 5 in (at most 7); 10 once the
  // weighted distance is under 5 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 mug = vec3(f.obs + 4);
    const double tcp_to_mug = dist(mug, f.gripper.tcp);
    const double to_goal = dist(mug, ep.goal);
    const double weighted = norm(scale(mug - ep.goal, kWeights));
    const double in = tolerance(weighted, 0.0, 0.05, ep.constant[0]);
    CageOptions caging{0.02, 0.05, 0.04, 0.05, 0.7};
    caging.density = CageDensity::kMedium;
    s.reward = hamacher(cage(f.gripper, mug, ep.obj_init, caging), in);
    if (tcp_to_mug < 0.04 && f.obs[3] > 0.0) s.reward += 1.0 + 5.0 * in;
    if (weighted < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = tcp_to_mug <= 0.03;
    s.obj_to_target = to_goal;
    return s;
  }

  // Grasp the mug round its middle, drag it to the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 middle{obs[4], obs[5], obs[6] + coffee::kMugMiddle};
    grasp::Heights h;
    h.shut = 0.75;  // closed on the 5.6 cm mug the fingers read about 0.7
    if (!grasp::take_from_above(obs, middle, h, action)) return;
    grasp::carry_toward(obs, middle, {obs[36], obs[37], middle.z}, action);
  }

 private:
  const char* name_;
  bool machine_at_goal_;
};

}  // namespace

const TabletopTask& coffee_push_task() {
  static const CoffeeMug task(
      "coffee-push", {{-0.1, 0.55, 0.0, -0.05, 0.7, 0.0}, {0.1, 0.65, 0.0, 0.05, 0.75, 0.0}}, true);
  return task;
}

const TabletopTask& coffee_pull_task() {
  static const CoffeeMug task(
      "coffee-pull", {{-0.05, 0.7, 0.0, -0.1, 0.55, 0.0}, {0.05, 0.75, 0.0, 0.1, 0.65, 0.0}},
      false);
  return task;
}

}  // namespace htrmrl::tabletop
