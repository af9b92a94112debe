// stick-push: pick up a stick and, holding it, push a thermos with it toward a goal 20 cm to
// its right until the thermos's axis (at the handle loop's height) is within 12 cm of the
// goal; the stick must still be held then.
//
// Gaps filled: "held" (for success) is both pads touching the stick, the gripper not shut
// and the stick 3 cm up, as the sheet; see stick.hpp for the scene.
#include "envs/tabletop/tasks/stick.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kPushZ = 0.10;  // the stick's height while pushing

class StickPush final : public TaskOn<StickPush, stick::StickAndThermos> {
 public:
  // stick (x, y, z) at rest; goal (x, y, z) right of the thermos at the loop's height, at
  // least 10 cm from the stick in xy.
  StickPush()
      : TaskOn(stick::StickAndThermos(
            {{-0.08, 0.58, stick::kRestZ, 0.399, 0.55, stick::kLoopZ},
             {-0.03, 0.62, stick::kRestZ, 0.401, 0.6, stick::kLoopZ}},
            "thermos_axis")) {}
  const char* name() const override { return "stick-push"; }
  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.1;
  }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init, 0.0);
    ep.goal = vec3(&v[3]);
  }

  // grab, the dense caging of the stick 1.5 cm right of its middle (r 0.04, pad 0.05, reach
  // 0.01, xz 0.01, from the stick's start); once that point is within 2 cm of the tcp, 3 cm
  // up, the gripper not shut: 2 + 5 s_in + 3 c_in, with s_in and c_in tolerances of the
  // stick's and the thermos's distances to the goal in [0, 0.12] (margins: their initial
  // distances less 0.12); 10 on success.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 grip = vec3(f.obs + 4) + Vec3{0.015, 0.0, 0.0};
    const Vec3 container = vec3(f.obs + 11);
    const Vec3 thermos_init = stick::kThermos;
    const double to_goal = dist(container, ep.goal);
    const double s_in = tolerance(dist(grip, ep.goal), 0.0, 0.12,
                                  dist(ep.obj_init + Vec3{0.015, 0, 0}, ep.goal) - 0.12);
    const double c_in = tolerance(to_goal, 0.0, 0.12, dist(thermos_init, ep.goal) - 0.12);
    const double grab = cage(f.gripper, grip, ep.obj_init, {0.04, 0.05, 0.01, 0.01});
    const bool near = dist(grip, f.gripper.tcp) < 0.02 && f.obs[3] > 0.0 && grip.z - 0.01 > 0.02;
    const bool held = piece_.pinched(f.m, f.d) && f.obs[3] > 0.0 && f.obs[6] - 0.01 > 0.02;
    s.reward = near ? 2.0 + 5.0 * s_in + 3.0 * c_in : grab;
    s.success = to_goal <= 0.12 && held;
    if (near && to_goal <= 0.12) s.reward = 10.0;
    s.near_object = dist(grip, f.gripper.tcp) <= 0.03;
    s.grasp_success = held;
    s.obj_to_target = to_goal;
    return s;
  }

  // Take the stick's middle, lift it, and push the thermos to the goal's x with its end.
  void scripted_action(const float* obs, float* action) const override {
    if (!stick::take_stick(obs, action)) return;
    stick::push_thermos(obs, {obs[11], obs[12], obs[13]}, obs[36], kPushZ, action);
  }
};

}  // namespace

const TabletopTask& stick_push_task() { return single<StickPush>(); }

}  // namespace htrmrl::tabletop
