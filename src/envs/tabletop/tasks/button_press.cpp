// button-press and button-press-wall: press a spring-loaded button that points at the robot
// out of a box on the table until its face is within 2 cm (3 cm behind the wall) in y of
// the hole site, box + (0, -0.1, 0). The hand starts at (0, 0.4, 0.2); in the wall variant a
// 15 cm wall stands between it and the box.
//
// Geometry choices: as the topdown button, the button travels 6 cm and its face stands
// 7.5 cm in front of the hole when released, so success needs a press of 5.5 cm (4.5 cm
// behind the wall) inside the joint's range, without soft-limit penetration. The box rises
// only 4 cm above the button's axis and the cap (r 5 cm) stands above it: the fingertips
// press the cap's upper part while the palm (reaching 6.5 cm ahead of them) passes over the
// box.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kHoleOut = 0.1;         // hole site in front of the box origin
constexpr double kFaceOut = 0.175;       // released button face in front of the box origin
constexpr double kClosedTcpY = 0.005;    // the closed fingers' midpoint lies this far +y of hand
constexpr double kHandOverAxis = 0.075;  // the hand's height over the axis while pressing

// A box on the table (its origin on the button's axis, 11.5 cm up) with a 5 cm square shaft
// along y in which a rod with a red cap slides; the spring holds the button at its outer stop
// (0.6 N), and at the inner stop the cap clears the box's front by 1 mm. Stiff stops, as the
// topdown button's.
const char* kXml = R"(
    <body name="btn_front_box" mocap="true" pos="0 0.85 0.115">
      <geom class="prop" type="box" pos="0 0.01 -0.07" size="0.1 0.1 0.045" material="metal"/>
      <geom class="prop" type="box" pos="0 0.01 0.0325" size="0.1 0.1 0.0075" material="metal"/>
      <geom class="prop" type="box" pos="-0.0625 0.01 0" size="0.0375 0.1 0.025"
            material="metal"/>
      <geom class="prop" type="box" pos="0.0625 0.01 0" size="0.0375 0.1 0.025"
            material="metal"/>
      <geom class="prop" type="box" pos="0 0.08 0" size="0.025 0.03 0.025" material="metal"/>
      <site name="btn_front_hole" pos="0 -0.1 0" size="0.005" rgba="0.1 0.8 0.2 0.5"/>
      <body name="btn_front" pos="0 -0.09 0">
        <joint name="btn_front_slide" type="slide" axis="0 1 0" range="0 0.06" limited="true"
               stiffness="2" springref="-0.3" damping="1" solreflimit="0.005 1"
               solimplimit="0.99 0.999 0.001"/>
        <geom class="prop" type="cylinder" fromto="0 -0.061 0 0 0.06 0" size="0.02" mass="0.01"
              material="metal"/>
        <geom class="prop" type="cylinder" fromto="0 -0.085 0 0 -0.061 0" size="0.05"
              mass="0.01" rgba="0.8 0.1 0.1 1"/>
        <site name="btn_front_face" pos="0 -0.085 0" size="0.005"/>
      </body>
    </body>
)";

// How a variant scores: success within `success` of the hole in y; the wall variant's reward
// form (Meta-World's, per variant).
struct Rule {
  double success;
  bool wall;
};

class ButtonPress final : public TaskOn<ButtonPress, Furniture> {
 public:
  // box (x, y, z), its height fixed; the slot shows the button face. extra_xml: the wall.
  ButtonPress(const char* name, VariationBox box, const std::string& extra_xml, Rule rule)
      : TaskOn({kXml + extra_xml, std::move(box), "btn_front_box", "btn_front_slide",
                ObjectSlot::site("btn_front_face", "btn_front")}),
        name_(name),
        rule_(rule) {}
  const char* name() const override { return name_; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 box = vec3(&v[0]);
    piece_.place(m, d, box, 0.0);
    ep.goal = box - Vec3{0.0, kHoleOut, 0.0};
    ep.obj_init = box - Vec3{0.0, kFaceOut, 0.0};
  }

  // near = tol(tcp-face; [0, 0.05] (the wall variant: 0.01), margin the face's distance from
  // the tcp at reset), pressed = tol(y gap; [0, 0.005], margin the released gap). button-
  // press: 2 H(opening, near), plus 8 pressed with the tcp within 5 cm; the wall variant:
  // 2 H((1 - opening) / 2, near) farther than 7 cm, else 2 + 2 (1 + opening) + 4 pressed^2.
  // Both at most 10, no success override (as Meta-World).
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 face = vec3(f.obs + 4);
    const double opening = f.obs[3];
    const double tcp_to_face = dist(face, f.gripper.tcp);
    const double dy = std::abs(ep.goal.y - face.y);
    const double near =
        tolerance(tcp_to_face, 0.0, rule_.wall ? 0.01 : 0.05, dist(face, f.gripper.init_tcp));
    const double pressed = tolerance(dy, 0.0, 0.005, kFaceOut - kHoleOut);
    if (rule_.wall) {
      s.reward = tcp_to_face > 0.07 ? 2.0 * hamacher((1.0 - opening) / 2.0, near)
                                    : 2.0 + 2.0 * (1.0 + opening) + 4.0 * pressed * pressed;
    } else {
      s.reward = 2.0 * hamacher(std::max(0.0, opening), near);
      if (tcp_to_face <= 0.05) s.reward += 8.0 * pressed;
    }
    s.success = dy <= rule_.success;
    s.near_object = tcp_to_face <= 0.05;
    s.grasp_success = opening > 0.0;
    s.obj_to_target = dy;
    return s;
  }

  // Closed fingers: down onto a point 4 cm in front of the face from above (clear of the
  // wall), the fingertips level with the cap's top, then in, past a full press.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 face{obs[4], obs[5], obs[6]};
    const Vec3 before{face.x, face.y - 0.04 - kClosedTcpY, face.z + kHandOverAxis};
    const bool level = std::abs(hand.x - before.x) < 0.01 && std::abs(hand.z - before.z) < 0.01;
    if (level && hand.y > before.y - 0.01) {
      move_toward(obs, {before.x, obs[37], before.z}, 10.0, action);
    } else if (dist_xy(hand, before) < 0.01) {
      move_toward(obs, before, 10.0, action);
    } else {
      move_over(obs, before + Vec3{0.0, 0.0, 0.08}, before.z + 0.07, action);
    }
    action[3] = 1.0f;
  }

 private:
  const char* name_;
  Rule rule_;
};

}  // namespace

const TabletopTask& button_press_task() {
  static const ButtonPress task("button-press", {{-0.1, 0.85, 0.115}, {0.1, 0.9, 0.115}}, "",
                                {0.02, false});
  return task;
}

// The wall: x in [0, 0.2], y in [0.59, 0.61], 15 cm high, between the hand and the box.
const TabletopTask& button_press_wall_task() {
  static const ButtonPress task("button-press-wall", {{-0.05, 0.85, 0.115}, {0.05, 0.9, 0.115}},
                                wall_xml({0.1, 0.6, 0.075}, {0.1, 0.01, 0.075}), {0.03, true});
  return task;
}

}  // namespace htrmrl::tabletop
