// coffee-button: press the coffee machine's button in until its face is within 2 cm (in y) of
// the fully pressed face, i.e. a press of at least 1 cm.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/coffee.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kClosedTcpY = 0.005;  // the closed fingers' midpoint lies this far +y of hand

class CoffeeButton final : public TaskOn<CoffeeButton, coffee::Machine> {
 public:
  // machine (x, y, z), on the table; the slot shows the button's face with the machine's
  // (constant) orientation.
  CoffeeButton()
      : TaskOn({{{-0.1, 0.8, 0.0}, {0.1, 0.9, 0.0}},
                ObjectSlot::site("coffee_button_face", "coffee_machine")}) {}
  const char* name() const override { return "coffee-button"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  // The mug waits under the spout; the goal is the pressed face.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 machine = vec3(&v[0]);
    ep.goal = machine + coffee::kButtonFace + Vec3{0.0, coffee::kTravel, 0.0};
    piece_.place(m, d, machine, machine + coffee::kUnderSpout, ep.goal);
    ep.obj_init = machine + coffee::kButtonFace;
  }

  // 2 H(opening, near) + 8 pressed once the tcp is within 5 cm of the face: near = tol(tcp-
  // face; [0, 0.05], margin the distance from the tcp at reset), pressed = tol(y gap; [0,
  // 0.005], margin 0.03). No success override, as Meta-World.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 face = vec3(f.obs + 4);
    const double tcp_to_face = dist(face, f.gripper.tcp);
    const double dy = std::abs(ep.goal.y - face.y);
    const double near = tolerance(tcp_to_face, 0.0, 0.05, dist(ep.obj_init, ep.init_tcp));
    s.reward = 2.0 * hamacher(std::max(0.0, static_cast<double>(f.obs[3])), near);
    if (tcp_to_face <= 0.05) s.reward += 8.0 * tolerance(dy, 0.0, 0.005, coffee::kTravel);
    s.success = dy <= 0.02;
    s.near_object = tcp_to_face <= 0.05;
    s.grasp_success = f.obs[3] > 0.0;
    s.obj_to_target = dy;
    return s;
  }

  // Closed fingers: level with the button 4 cm in front of it, then in, past the full press.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 face{obs[4], obs[5], obs[6]};
    const Vec3 before{face.x, face.y - 0.04 - kClosedTcpY, face.z + 0.045};
    const bool level = std::abs(hand.x - before.x) < 0.01 && std::abs(hand.z - before.z) < 0.01;
    const double y = level && hand.y > before.y - 0.01 ? obs[37] + 0.01 : before.y;
    move_toward(obs, {before.x, y, before.z}, 10.0, action);
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& coffee_button_task() { return single<CoffeeButton>(); }

}  // namespace htrmrl::tabletop
