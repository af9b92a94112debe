// peg-insert-side: pick up a peg lying along x on the table and push its head into the hole
// in the side of a box standing to the left (the hole faces +x, toward the peg).
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kPegHalf = 0.12;       // half length; the head is the -x end
const Vec3 kHoleGoal{0.03, 0.0, 0.13};  // the goal, 3 cm inside the hole, from the box
constexpr double kFace = 0.06;          // the box's hole face, in x from the box origin
constexpr double kFront = 0.03;         // depth of the slab in front of the face
constexpr double kOffHole = 0.01;       // head offsets beyond this miss the hole
// Success and the "in" tolerance weigh the cross-hole axes twice.
const Vec3 kWeights{1.0, 2.0, 2.0};

// The box is a mocap body (the variation moves it), origin on the table: 12 x 20 x 26 cm
// with a 5 cm square hole 10 cm deep at 13 cm, open to +x; five blocks build it.
const char* kXml = R"(
    <body name="peg" pos="0.1 0.6 0.015">
      <freejoint name="peg"/>
      <geom class="object" type="box" size="0.12 0.015 0.015" mass="0.1" rgba="0.2 0.5 0.8 1"/>
      <geom class="visual" type="box" pos="-0.11 0 0" size="0.0105 0.0155 0.0155"
            rgba="0.9 0.3 0.1 1"/>
      <site name="peg_head" pos="-0.12 0 0" size="0.005"/>
    </body>
    <body name="peg_box" mocap="true" pos="-0.3 0.55 0">
      <geom class="prop" type="box" pos="0 0 0.0525" size="0.06 0.1 0.0525"
            rgba="0.8 0.68 0.5 1"/>
      <geom class="prop" type="box" pos="0 0 0.2075" size="0.06 0.1 0.0525"
            rgba="0.8 0.68 0.5 1"/>
      <geom class="prop" type="box" pos="0 0.0625 0.13" size="0.06 0.0375 0.025"
            rgba="0.8 0.68 0.5 1"/>
      <geom class="prop" type="box" pos="0 -0.0625 0.13" size="0.06 0.0375 0.025"
            rgba="0.8 0.68 0.5 1"/>
      <geom class="prop" type="box" pos="-0.05 0 0.13" size="0.01 0.025 0.025"
            material="dark"/>
    </body>
)";

class PegInsertSide final : public TaskOn<PegInsertSide, FreeObject> {
 public:
  // peg centre (x, y, z), box (x, y, z); obs[4:7] the peg's head, obs[7:11] the peg's
  // orientation.
  PegInsertSide()
      : TaskOn({kXml,
                {{0.0, 0.5, 0.015, -0.35, 0.4, 0.0}, {0.2, 0.7, 0.015, -0.25, 0.7, 0.0}},
                "peg",
                ObjectSlot::site("peg_head", "peg")}) {}
  const char* name() const override { return "peg-insert-side"; }

  bool accept(const std::vector<double>& v) const override {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.1;
  }

  // obj_init is the peg's centre (where it is grasped); constant[0] the weighted head-goal
  // distance at the start (the "in" margin), constant[1] the x of the box's face.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]));
    const Vec3 box = vec3(&v[3]);
    box_.put(d, box);
    ep.goal = box + kHoleGoal;
    ep.obj_init = vec3(&v[0]);
    const Vec3 head = ep.obj_init - Vec3{kPegHalf, 0.0, 0.0};
    ep.constant[0] = norm(scale(head - ep.goal, kWeights));
    ep.constant[1] = box.x + kFace;
  }

  // The pick reward (grasp::carry_scores) with H(in, clear) as its "in" term.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 head = vec3(f.obs + 4);
    const Vec3 peg = vec3(f.d->xpos + 3 * peg_);
    const double tcp_to_peg = dist(peg, f.gripper.tcp);
    const double to_goal = norm(scale(head - ep.goal, kWeights));
    const double in_place = tolerance(to_goal, 0.0, 0.05, ep.constant[0]);
    // The collision-box term: in a slab in front of the box's face, a head that misses the
    // hole scores less the closer it is pushed against the face (1 elsewhere).
    const double face = ep.constant[1];
    const bool off_hole =
        std::abs(head.y - ep.goal.y) > kOffHole || std::abs(head.z - ep.goal.z) > kOffHole;
    double clear = 1.0;
    if (off_hole && head.x >= face && head.x <= face + kFront) clear = (head.x - face) / kFront;
    const double placed = hamacher(in_place, clear);
    // Held by the peg's middle.
    const bool held = grasp::held(f, peg, 0.03, ep);
    const double grip = held ? 1.0 : cage(f.gripper, peg, ep.obj_init, {0.015, 0.05, 0.01, 0.005});
    return grasp::carry_scores(grip, placed, held, to_goal, tcp_to_peg, {0.07, 0.07, 0.05});
  }

  // Grasp the peg in its middle, carry its head in front of the hole, line it up, push in.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 head{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    // The peg's middle: the head plus half a length along the peg's own x axis.
    const double w = obs[7], x = obs[8], y = obs[9], z = obs[10];
    const Vec3 axis{1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)};
    const Vec3 peg = head + kPegHalf * axis;
    // Keep carrying while the peg stays in the closed fingers.
    grasp::Heights h;
    h.keep = 0.06;
    if (!grasp::take_from_above(obs, peg, h, action)) return;
    // Head 10 cm in front of the goal until it is lined up with the hole, then straight in.
    const bool lined_up = std::abs(head.y - goal.y) < 0.005 && std::abs(head.z - goal.z) < 0.005;
    const bool entering = head.x < goal.x + 0.08;
    const Vec3 to = lined_up || entering ? goal : goal + Vec3{0.1, 0.0, 0.0};
    grasp::carry_toward(obs, head, to, action);
  }

 private:
  void resolve(const mjModel* m) override {
    peg_ = body_id(m, "peg");
    box_.bind(m);
  }

  int peg_ = -1;
  MocapBody box_{"peg_box"};
};

}  // namespace

const TabletopTask& peg_insert_side_task() { return single<PegInsertSide>(); }

}  // namespace htrmrl::tabletop
