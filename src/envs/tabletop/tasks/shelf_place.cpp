// shelf-place: pick a light block up from the table and put it on the top of a small
// bookcase, at a hidden spot 30 cm up (the block's centre).
#include <algorithm>
#include <cmath>

#include "envs/tabletop/tasks/grasp.hpp"

namespace htrmrl::tabletop {
namespace {

constexpr double kHalf = 0.02;        // the block's half edge
constexpr double kGoalHeight = 0.3;   // the block's centre resting on the top board
constexpr double kUnderTop = 0.24;    // below this the block is inside the bookcase
constexpr double kHalfWidth = 0.12;   // the bookcase's half width (x)
constexpr double kFrontDepth = 0.15;  // how far in front of the goal "under the top" reaches

// The bookcase is a mocap body (the variation moves it) with its origin on the table under
// the goal: two sides, a back panel rising 4 cm above the top, a middle shelf and the top
// board (top face at 0.28) that the block goes on. Open front, open above the top.
// The block's contacts are made stiffer (its own solref/solimp by priority): at 10 g the
// default contact would let the 400 N finger squeeze sink the pads a centimetre deep.
const char* kXml = R"(
    <body name="block" pos="0 0.55 0.02">
      <freejoint name="block"/>
      <geom class="object" type="box" size="0.02 0.02 0.02" mass="0.01" rgba="0.2 0.4 0.85 1"
            priority="1" solref="0.005 1" solimp="0.999 0.999 0.001"/>
    </body>
    <body name="shelf" mocap="true" pos="0 0.85 0">
      <geom class="prop" type="box" pos="-0.12 0 0.14" size="0.01 0.07 0.14"
            rgba="0.45 0.3 0.18 1"/>
      <geom class="prop" type="box" pos="0.12 0 0.14" size="0.01 0.07 0.14"
            rgba="0.45 0.3 0.18 1"/>
      <geom class="prop" type="box" pos="0 0.065 0.16" size="0.13 0.005 0.16"
            rgba="0.45 0.3 0.18 1"/>
      <geom class="prop" type="box" pos="0 0 0.01" size="0.11 0.06 0.01"
            rgba="0.45 0.3 0.18 1"/>
      <geom class="prop" type="box" pos="0 0 0.14" size="0.11 0.06 0.01"
            rgba="0.45 0.3 0.18 1"/>
      <geom class="prop" type="box" pos="0 0 0.27" size="0.13 0.07 0.01"
            rgba="0.45 0.3 0.18 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.85 0.3">
      <geom class="visual" type="box" size="0.021 0.021 0.021" rgba="0.1 0.8 0.2 0.35"/>
    </body>
)";

class ShelfPlace final : public TaskOn<ShelfPlace, FreeObject> {
 public:
  // block (x, y, z), goal (x, y, z): the goal height is fixed, the bookcase stands under it.
  ShelfPlace()
      : TaskOn(
            {kXml,
             {{-0.1, 0.5, kHalf, -0.1, 0.8, kGoalHeight}, {0.1, 0.6, kHalf, 0.1, 0.9, kGoalHeight}},
             "block"}) {}
  const char* name() const override { return "shelf-place"; }

  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, vec3(&v[0]));
    ep.goal = vec3(&v[3]);
    ep.obj_init = vec3(&v[0]);
    shelf_.put(d, ep.goal - Vec3{0.0, 0.0, kGoalHeight});
    goal_marker_.put(d, ep.goal);
  }

  // The pick reward (grasp::carry_scores) with the dense (high) caging as its grasp term, so
  // reaching the block is already rewarded.
  Scores score(const Frame& f, const Episode& ep) const override {
    const Vec3 obj = vec3(f.obs + 4);
    const Vec3& goal = ep.goal;
    const double tcp_to_obj = dist(obj, f.gripper.tcp);
    const double to_goal = dist(obj, goal);
    double in_place = tolerance(to_goal, 0.0, 0.05, dist(ep.obj_init, goal));
    // Under the top board the block is closer to the goal than it is to success: "in" is
    // reduced the deeper and lower it sits, and is 0 behind the goal.
    const bool under = obj.z > 0.0 && obj.z < kUnderTop && std::abs(obj.x - goal.x) < kHalfWidth;
    if (under && obj.y > goal.y - kFrontDepth && obj.y < goal.y) {
      const double depth = (obj.y - (goal.y - kFrontDepth)) / kFrontDepth;
      const double low = (kUnderTop - obj.z) / kUnderTop;
      in_place = std::clamp(in_place - hamacher(depth, low), 0.0, 1.0);
    }
    if (under && obj.y >= goal.y) in_place = 0.0;
    const double caged = cage(f.gripper, obj, ep.obj_init, {0.015, 0.05, 0.01, 0.005});
    const bool held = grasp::held(f, obj, 0.025, ep);
    return grasp::carry_scores(caged, in_place, held, to_goal, tcp_to_obj, {0.07, 0.05, 0.03});
  }

  // Over the block, down, close, lift it above the top board, over the goal, and down.
  void scripted_action(const float* obs, float* action) const override {
    const Vec3 block{obs[4], obs[5], obs[6]};
    const Vec3 goal{obs[36], obs[37], obs[38]};
    // Keep carrying while the block stays in the closed fingers.
    grasp::Heights h;
    h.keep = 0.06;
    if (!grasp::take_from_above(obs, block, h, action)) return;
    // Rise to 3 cm over the goal before moving over the bookcase; lower only above it.
    grasp::carry_toward(obs, block, grasp::drop_onto(block, goal, 0.03, 0.0), action);
  }

 private:
  void resolve(const mjModel* m) override {
    shelf_.bind(m);
    goal_marker_.bind(m);
  }

  MocapBody shelf_{"shelf"}, goal_marker_{"goal"};
};

}  // namespace

const TabletopTask& shelf_place_task() { return single<ShelfPlace>(); }

}  // namespace htrmrl::tabletop
