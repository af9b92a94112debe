// window-open: slide a window pane 0.2 m along x by its handle until the handle is within
// 5 cm (in x) of the goal, window + (0.2, 0, 0). The window stands on the table, its origin
// at the handle's height; the hand starts at (0, 0.4, 0.2).
//
// Geometry choice: the handle sits on the pane's meeting stile, 8 mm left of the window's x, so
// a fully open pane (slide 0.2) brings it within 8 mm of the goal; success needs a slide of
// 0.158. Panes clear the frame by 2 mm, so props never touch unless pushed.
#include <cmath>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kTcpBelowHand = 0.045;
constexpr double kClosedTcpY = 0.005;  // the closed fingers' midpoint lies this far +y of hand
constexpr double kBehind = 0.03;       // hand x behind the handle while pushing it

// A frame (sill, head, jambs) holding a fixed pane on the back track (+x half) and a pane
// on the front track that slides over it in +x. The handle is an upright grip on an 8 cm
// standoff from the front pane's meeting stile: the hand's finger block (13 cm long in y)
// fits in front of the glass while its fingers push the grip.
const char* kXml = R"(
    <body name="window" mocap="true" pos="0 0.8 0.16">
      <geom class="prop" type="box" pos="0 0 -0.15" size="0.23 0.04 0.01" material="wood"/>
      <geom class="prop" type="box" pos="0 0 0.15" size="0.23 0.04 0.01" material="wood"/>
      <geom class="prop" type="box" pos="-0.215 0 0" size="0.015 0.019 0.14" material="wood"/>
      <geom class="prop" type="box" pos="0.215 0 0" size="0.015 0.019 0.14" material="wood"/>
      <geom class="prop" type="box" pos="0.1 0.012 0" size="0.098 0.002 0.138"
            rgba="0.6 0.8 0.9 0.35"/>
      <geom class="prop" type="box" pos="0.008 0.012 0" size="0.006 0.008 0.138"
            material="metal"/>
      <body name="window_pane" pos="-0.1 -0.012 0">
        <joint name="window_slide" type="slide" axis="1 0 0" range="0 0.2" limited="true"
               damping="2"/>
        <geom class="prop" type="box" size="0.098 0.002 0.138" rgba="0.6 0.8 0.9 0.35"
              mass="0.2"/>
        <geom class="prop" type="box" pos="-0.092 0 0" size="0.006 0.008 0.138" material="metal"
              mass="0.05"/>
        <geom class="prop" type="box" pos="0.092 0 0" size="0.006 0.008 0.138" material="metal"
              mass="0.05"/>
        <geom class="prop" type="capsule" fromto="0.092 -0.008 -0.025 0.092 -0.088 -0.025"
              size="0.007" material="dark" mass="0.02"/>
        <geom class="prop" type="capsule" fromto="0.092 -0.088 -0.025 0.092 -0.088 0.025"
              size="0.01" material="dark" mass="0.02"/>
        <site name="window_handle" pos="0.092 -0.088 0" size="0.005"/>
      </body>
    </body>
)";

class WindowOpen final : public TaskOn<WindowOpen, Furniture> {
 public:
  // window (x, y, z), its height fixed; the slot shows the handle.
  WindowOpen()
      : TaskOn({kXml,
                {{-0.1, 0.7, 0.16}, {0.1, 0.9, 0.16}},
                "window",
                "window_slide",
                ObjectSlot::site("window_handle", "window_pane")}) {}
  const char* name() const override { return "window-open"; }
  HandSetup hand() const override { return hand_starting_at({0.0, 0.4, 0.2}); }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    const Vec3 window = vec3(&v[0]);
    piece_.place(m, d, window, 0.0);
    ep.goal = window + Vec3{0.2, 0.0, 0.0};
    ep.obj_init = window + Vec3{-0.008, -0.1, 0.0};  // the handle on the closed pane
    // Margins: the handle's x distance beyond the success band, and the reach from the tcp.
    ep.constant[0] = std::abs(ep.obj_init.x - ep.goal.x) - 0.05;
    ep.constant[1] = std::abs(dist(ep.obj_init, ep.init_tcp) - 0.02);
  }

  // 10 H(reach, in): reach is a gaussian tolerance of the tcp-handle distance (2 cm band),
  // "in" a long-tail tolerance of the handle's x distance to the goal (5 cm band); both are
  // at most 1, so the reward stays in [0, 10].
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 handle = vec3(f.obs + 4);
    const double tcp_to_handle = dist(handle, f.gripper.tcp);
    const double dx = std::abs(handle.x - ep.goal.x);
    const double in = tolerance(dx, 0.0, 0.05, ep.constant[0]);
    const double reach = tolerance(tcp_to_handle, 0.0, 0.02, ep.constant[1], Sigmoid::kGaussian);
    s.reward = 10.0 * hamacher(reach, in);
    s.success = dx <= 0.05;
    s.near_object = tcp_to_handle <= 0.05;
    s.grasp_success = true;
    s.obj_to_target = dx;
    return s;
  }

  // Closed fingers: come level with the grip on its -x side, in front of it, move in beside
  // it, then push it along x to the goal.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 hand{obs[0], obs[1], obs[2]};
    const Vec3 handle{obs[4], obs[5], obs[6]};
    const Vec3 behind{handle.x - kBehind, handle.y - kClosedTcpY, handle.z + kTcpBelowHand};
    const bool level = std::abs(hand.x - behind.x) < 0.015 && std::abs(hand.z - behind.z) < 0.01;
    const bool beside = level && std::abs(hand.y - behind.y) < 0.01;
    // While pushing, the fingers touch the grip, nearer than the approach point.
    const bool pushing = hand.x < handle.x - 0.01 && std::abs(hand.y - behind.y) < 0.01 &&
                         std::abs(hand.z - behind.z) < 0.015;
    if (pushing || beside) {
      // Aim 1 cm past the hand position that puts the handle on the goal: into the stop.
      move_toward(obs, {obs[36] - kBehind + 0.01, behind.y, behind.z}, 10.0, action);
    } else {
      // In front of the grip (6 cm toward the robot) until level with it.
      move_toward(obs, {behind.x, level ? behind.y : behind.y - 0.06, behind.z}, 10.0, action);
    }
    action[3] = 1.0f;
  }
};

}  // namespace

const TabletopTask& window_open_task() { return single<WindowOpen>(); }

}  // namespace htrmrl::tabletop
