// hammer: pick up a hammer lying on the table and drive a nail, which sticks out of a block
// toward the robot, at least 9 cm in (the nail slides on a damped rail, range [0, 0.1]).
//
// Gaps filled: our hammer weighs 0.25 kg (Meta-World's 1.1 kg), most of it in the head, and
// rests nearly level (its striking faces r 2.4 cm, the handle r 1.8 cm); it is placed at rest
// (Meta-World spawns it 2 cm into the table). The second slot shows the nail. The reward as
// the sheet, with the caging's reference the hammer's start.
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kRestZ = 0.024;           // the handle's centre, the hammer at rest
constexpr Vec3 kGoal{0.24, 0.74, 0.11};    // the head's point with the nail driven home
constexpr Vec3 kHeadPoint{0.16, 0.06, 0};  // the reward's head point, from the handle's centre
constexpr double kFace = 0.065;            // the +y striking face, from the head's axis
constexpr double kGripAt = 0.06;           // where the expert holds the handle
constexpr double kNailFace = 0.009;        // the nail head's face, in front of the nail's origin

// The hammer (a handle along x, a T head at its +x end with striking faces toward +-y) and
// the nail block: a block with a 3.2 cm slot, the nail (a head disc and a shaft) on a slide
// along +y.
const char* kXml = R"(
    <body name="hammer" pos="0 0.45 0.024">
      <freejoint name="hammer"/>
      <geom class="object" type="capsule" fromto="-0.14 0 0 0.13 0 0" size="0.018" mass="0.05"
            rgba="0.55 0.35 0.2 1"/>
      <geom class="object" type="cylinder" fromto="0.16 -0.055 0 0.16 0.055 0" size="0.02"
            mass="0.15" material="metal"/>
      <geom class="object" type="cylinder" fromto="0.16 -0.065 0 0.16 -0.055 0" size="0.024"
            mass="0.025" material="dark"/>
      <geom class="object" type="cylinder" fromto="0.16 0.055 0 0.16 0.065 0" size="0.024"
            mass="0.025" material="dark"/>
    </body>
    <body name="nail_block" pos="0.24 0.85 0">
      <geom class="prop" type="box" pos="0 0 0.048" size="0.1 0.1 0.048" material="wood"/>
      <geom class="prop" type="box" pos="0 0 0.172" size="0.1 0.1 0.048" material="wood"/>
      <geom class="prop" type="box" pos="-0.058 0 0.11" size="0.042 0.1 0.014" material="wood"/>
      <geom class="prop" type="box" pos="0.058 0 0.11" size="0.042 0.1 0.014" material="wood"/>
      <body name="nail" pos="0 -0.21 0.11">
        <joint name="nail_slide" type="slide" axis="0 1 0" range="0 0.1" limited="true"
               damping="2"/>
        <geom class="prop" type="cylinder" fromto="0 -0.009 0 0 0.009 0" size="0.03" mass="0.05"
              material="metal"/>
        <geom class="prop" type="cylinder" fromto="0 0.009 0 0 0.129 0" size="0.01" mass="0.039"
              material="metal"/>
      </body>
    </body>
)";

class Hammer final : public TaskOn<Hammer, FreeObject> {
 public:
  // hammer (x, y, z) at rest on the table; the goal is fixed.
  Hammer() : TaskOn({kXml, {{-0.1, 0.4, kRestZ}, {0.1, 0.5, kRestZ}}, "hammer"}) {}
  const char* name() const override { return "hammer"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    ep.obj_init = vec3(&v[0]);
    piece_.place(m, d, ep.obj_init);
    set_joint(m, d, "nail_slide", 0.0);
    ep.goal = kGoal;
  }

  // The hammer in the first slot, the nail in the second.
  void objects(const mjModel*, const mjData* d, double* slots) const override {
    piece_.objects(d, slots);
    nail_.write(d, slots + 7);
  }

  // (2 grab + 6 in) x upright; 10 on success when that is above 5. grab: the dense caging of
  // the handle (x snapped to the hand's within 7 cm; r 0.015, pad 0.02, reach 0.01, xz 0.01);
  // in: 0.1 once the head point is 2 cm up, plus 0.9 tol(goal - head point; [0, 0.02], margin
  // 0.2); upright: 1 at the rest orientation, 0 at a quaternion distance of 0.4.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    Vec3 hammer = vec3(f.obs + 4);
    const Vec3 head = hammer + kHeadPoint;
    if (std::abs(hammer.x - f.hand.x) < 0.07) hammer.x = f.hand.x;
    const double grab = cage(f.gripper, hammer, ep.obj_init, {0.015, 0.02, 0.01, 0.01});
    const double in = 0.1 * (head.z > 0.02) + 0.9 * tolerance(dist(ep.goal, head), 0.0, 0.02, 0.2);
    const double level = upright(f.obs + 7, 0.4);
    s.reward = (2.0 * grab + 6.0 * in) * level;
    s.success = f.d->qpos[nail_qpos_] > 0.09;
    if (s.success && s.reward > 5.0) s.reward = 10.0;
    s.near_object = level;  // as Meta-World's info
    s.grasp_success = grab >= 0.5;
    s.obj_to_target = 0.0;
    return s;
  }

  // Grasp the handle 6 cm toward the head, lift the hammer to the nail's height, bring the
  // +y face 3 cm in front of the nail's head, then drive the nail in.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hammer{obs[4], obs[5], obs[6]};
    const Vec3 nail{obs[11], obs[12], obs[13]};
    if (!grasp::take_from_above(obs, hammer + Vec3{kGripAt, 0.0, 0.0}, {}, action)) return;
    const Vec3 face = hammer + Vec3{kHeadPoint.x, kFace, 0.0};
    const Vec3 ready{nail.x, nail.y - kNailFace - 0.03, nail.z};
    Vec3 to = ready;
    if (face.z < nail.z - 0.02 && dist_xy(face, ready) > 0.02) to = {face.x, face.y, nail.z};
    if (dist(face, ready) < 0.01 || face.y > ready.y + 0.005)
      to = {nail.x, obs[37] + 0.01, nail.z};
    grasp::carry_toward(obs, face, to, action);
  }

 private:
  void resolve(const mjModel* m) override {
    nail_.bind(m);
    nail_qpos_ = joint_qpos(m, "nail_slide");
  }

  ObjectSlot nail_ = ObjectSlot::body("nail");
  int nail_qpos_ = -1;
};

}  // namespace

const TabletopTask& hammer_task() { return single<Hammer>(); }

}  // namespace htrmrl::tabletop
