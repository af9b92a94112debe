// button-press-topdown and button-press-topdown-wall: press a spring-loaded button that points
// up out of a box on the table until its face is within 2.4 cm of the hole site (box + (0, 0,
// 0.1)). The hand starts at (0, 0.4, 0.2), in front of and below the button's top; in the wall
// variant a 15 cm wall stands between the hand and the box.
//
// Geometry choice: the button travels 6 cm and its face stands 7.5 cm above the hole when
// released, so a full press leaves it 1.5 cm above the hole: success (a press of >= 5.1 cm)
// is reachable inside the joint's range, without relying on soft-limit penetration.
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kHoleHeight = 0.1;    // hole site above the box origin
constexpr double kFaceHeight = 0.175;  // released button face above the box origin
constexpr double kTcpBelowHand = 0.045;
constexpr double kClosedTcpY = 0.005;  // the closed fingers' midpoint lies this far +y of hand

// A box on the table (top at box + 0.09) with a 5 cm square shaft in which a rod with a red
// cap slides along z; the spring holds the button at its upper stop (0.6 N against 0.2 N of
// weight), and the cap clears the box top by 1 mm at the lower stop. The stop is stiffer
// than MuJoCo's default: the hand would push the 20 g button 1 cm through a default one.
const std::string kXml = R"(
    <body name="btnbox" mocap="true" pos="0 0.85 0.115">
      <geom class="prop" type="box" pos="0 0 -0.0825" size="0.1 0.08 0.0325" material="metal"/>
      <geom class="prop" type="box" pos="-0.0625 0 0.02" size="0.0375 0.08 0.07"
            material="metal"/>
      <geom class="prop" type="box" pos="0.0625 0 0.02" size="0.0375 0.08 0.07" material="metal"/>
      <geom class="prop" type="box" pos="0 -0.0525 0.02" size="0.025 0.0275 0.07"
            material="metal"/>
      <geom class="prop" type="box" pos="0 0.0525 0.02" size="0.025 0.0275 0.07"
            material="metal"/>
      <geom class="visual" type="cylinder" pos="0 0 0.091" size="0.05 0.002" material="dark"/>
      <site name="btn_hole" pos="0 0 0.1" size="0.005" rgba="0.1 0.8 0.2 0.5"/>
      <body name="button" pos="0 0 0.09">
        <joint name="btn_slide" type="slide" axis="0 0 1" range="-0.06 0" limited="true"
               stiffness="2" springref="0.3" damping="1" solreflimit="0.005 1"
               solimplimit="0.99 0.999 0.001"/>
        <geom class="prop" type="cylinder" pos="0 0 -0.0045" size="0.02 0.0655" mass="0.01"
              material="metal"/>
        <geom class="prop" type="cylinder" pos="0 0 0.073" size="0.04 0.012" mass="0.01"
              rgba="0.8 0.1 0.1 1"/>
        <site name="btn_face" pos="0 0 0.085" size="0.005"/>
      </body>
    </body>
)";

class ButtonPressTopdown final : public TaskOn<ButtonPressTopdown, Furniture> {
 public:
  // box (x, y, z), its height fixed; the slot shows the button face. extra_xml: the rest of
  // the scene (the wall variant's wall).
  ButtonPressTopdown(const char* name, const std::string& extra_xml)
      : TaskOn({kXml + extra_xml,
                {{-0.1, 0.8, 0.115}, {0.1, 0.9, 0.115}},
                "btnbox",
                "btn_slide",
                ObjectSlot::site("btn_face", "button")}),
        name_(name) {}
  const char* name() const override { return name_; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 box = vec3(&v[0]);
    piece_.place(m, d, box, 0.0);
    ep.goal = box + Vec3{0.0, 0.0, kHoleHeight};
    ep.obj_init = box + Vec3{0.0, 0.0, kFaceHeight};
    ep.constant[0] = kFaceHeight - kHoleHeight;  // the released face's distance to the hole
  }

  // 5 H(1 - opening, near): a closed hand at the face; plus 5 pressed once the tcp is within
  // 3 cm of the face. Both terms are at most 1, so the reward stays in [0, 10].
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 face = vec3(f.obs + 4);
    const double tcp_to_face = dist(face, f.gripper.tcp);
    const double dz = std::abs(ep.goal.z - face.z);
    const double near = tolerance(tcp_to_face, 0.0, 0.01, dist(face, f.gripper.init_tcp));
    const double pressed = tolerance(dz, 0.0, 0.005, ep.constant[0]);
    s.reward = 5.0 * hamacher(std::max(0.0, 1.0 - f.obs[3]), near);
    if (tcp_to_face <= 0.03) s.reward += 5.0 * pressed;
    s.success = dz <= 0.024;
    s.near_object = tcp_to_face <= 0.05;
    s.grasp_success = f.obs[3] < 0.5;
    s.obj_to_target = dz;
    return s;
  }

  // Closed fingers: rise above the cap, move over it, then press down past the hole.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 face{obs[4], obs[5], obs[6]};
    const double goal_z = obs[38];
    const Vec3 over{face.x, face.y - kClosedTcpY, face.z + 0.1};
    if (dist_xy(hand, over) > 0.01) {
      move_over(obs, over, face.z + 0.07, action);
    } else {
      // Fingertips (5 mm under the tcp) aimed at the hole, 1.5 cm past a full press.
      move_toward(obs, {over.x, over.y, goal_z + 0.005 + kTcpBelowHand}, 10.0, action);
    }
    action[3] = 1.0f;
  }

 private:
  const char* name_;
};

}  // namespace

const TabletopTask& button_press_topdown_task() {
  static const ButtonPressTopdown task("button-press-topdown", "");
  return task;
}

// The wall: x in [0, 0.2], y in [0.69, 0.71], 15 cm high, just in front of the box.
const TabletopTask& button_press_topdown_wall_task() {
  static const ButtonPressTopdown task("button-press-topdown-wall",
                                       wall_xml({0.1, 0.7, 0.075}, {0.1, 0.01, 0.075}));
  return task;
}

}  // namespace htrmrl::tabletop
