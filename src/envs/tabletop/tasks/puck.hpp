// The scene that reach, push and pick-place share, and their wall variants: a puck on the
// table and a goal marker, both placed by the variation, with a wall between them in the
// wall variants.
#pragma once

#include <string>
#include <vector>

#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop::puck {

// Where the goal lies: in the air behind the puck (reach, pick-place) or on the table at the
// puck's height (push). The marker is a sphere or a flat disc of the success radius.
enum class Goal { kInAir, kOnTable };

inline std::string objects_xml(Goal goal) {
  const bool in_air = goal == Goal::kInAir;
  const std::string goal_z = in_air ? "0.15" : "0.02";
  const std::string marker =
      in_air ? R"(<geom class="visual" type="sphere" size="0.02" rgba="0.1 0.8 0.2 0.6"/>)"
             : R"(<geom class="visual" type="cylinder" size="0.05 0.001" rgba="0.1 0.8 0.2 0.5"/>)";
  return R"(
    <body name="puck" pos="0 0.6 0.02">
      <freejoint name="puck"/>
      <geom class="object" type="cylinder" size="0.02 0.02" mass="0.75" rgba="0.1 0.3 0.8 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.85 )" +
         goal_z + R"(">
      )" +
         marker + R"(
    </body>
)";
}

// puck (x, y, z), goal (x, y, z): the puck on the table, the goal behind it.
inline VariationBox variation_box(Goal goal) {
  const double goal_low = goal == Goal::kInAir ? 0.05 : 0.02;
  const double goal_high = goal == Goal::kInAir ? 0.3 : 0.02;
  return {{-0.1, 0.6, 0.02, -0.1, 0.8, goal_low}, {0.1, 0.7, 0.02, 0.1, 0.9, goal_high}};
}

// The wall variants' box: the puck nearer the middle, the goal behind the wall.
inline VariationBox wall_variation_box(Goal goal) {
  const double goal_low = goal == Goal::kInAir ? 0.05 : 0.02;
  const double goal_high = goal == Goal::kInAir ? 0.3 : 0.02;
  return {{-0.05, 0.6, 0.02, -0.05, 0.85, goal_low}, {0.05, 0.65, 0.02, 0.05, 0.9, goal_high}};
}

// The wall variants' wall: x in [-0.02, 0.22], y in [0.74, 0.76], 12 cm high. Its left end
// is just left of the middle, so a puck going straight to a goal meets it.
constexpr double kWallY = 0.75, kWallTop = 0.12, kWallLeft = -0.02;
inline std::string wall() { return wall_xml({0.1, kWallY, 0.06}, {0.12, 0.01, 0.06}); }

// The puck and the goal marker, at least 15 cm apart in xy; extra_xml is the rest of the
// scene (the wall).
class PuckAndGoal : public FreeObject {
 public:
  explicit PuckAndGoal(Goal goal) : PuckAndGoal(goal, variation_box(goal), "") {}
  PuckAndGoal(Goal goal, VariationBox box, const std::string& extra_xml)
      : FreeObject(objects_xml(goal) + extra_xml, std::move(box), "puck") {}

  bool accept(const std::vector<double>& v) const {
    return dist_xy(vec3(&v[0]), vec3(&v[3])) >= 0.15;
  }

  void bind(const mjModel* m) {
    FreeObject::bind(m);
    goal_marker_.bind(m);
  }

  // Puts the puck and the goal marker; fills the episode's goal and obj_init.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v, Episode& ep) const {
    FreeObject::place(m, d, vec3(&v[0]));
    ep.goal = vec3(&v[3]);
    ep.obj_init = vec3(&v[0]);
    goal_marker_.put(d, ep.goal);
  }

 private:
  MocapBody goal_marker_{"goal"};
};

// The wall variants' piece: the wall variants' box, the wall in the scene.
inline PuckAndGoal behind_wall(Goal goal) { return {goal, wall_variation_box(goal), wall()}; }

// The wall variants' two "in" terms: toward a waypoint that takes the puck past the wall (the
// distance weighted per axis), then toward the goal; each a long-tail tolerance with a 5 cm
// band and the puck's initial distance as margin.
struct WallStages {
  double waypoint, goal;
};
inline WallStages wall_stages(Vec3 obj, Vec3 waypoint, Vec3 weights, const Episode& ep) {
  return {tolerance(norm(scale(obj - waypoint, weights)), 0.0, 0.05,
                    norm(scale(ep.obj_init - waypoint, weights))),
          tolerance(dist(obj, ep.goal), 0.0, 0.05, dist(ep.obj_init, ep.goal))};
}

// reach's scores: 10 tol(tcp-goal; [0, 0.05], margin ep.constant[0], the initial distance);
// success within 5 cm.
inline Scores reach_scores(const Frame& f, const Episode& ep) {
  Scores s;
  const double d = dist(f.gripper.tcp, ep.goal);
  s.reward = 10.0 * tolerance(d, 0.0, 0.05, ep.constant[0]);
  s.success = d <= 0.05;
  s.near_object = s.success;
  s.obj_to_target = d;
  return s;
}

}  // namespace htrmrl::tabletop::puck
