// A task's scene: the robot, the table and the task's objects compiled into one immutable
// mjModel, shared by every environment that runs the task (each owns its own mjData).
#pragma once

#include <memory>
#include <string>

#include <mujoco/mujoco.h>

#include "envs/tabletop/task.hpp"

namespace htrmrl::tabletop {

// Ids of the robot parts every task uses.
struct RobotIds {
  int hand = -1;         // body whose position is obs[0:3]
  int mocap = -1;        // index into mocap_pos of the hand's target
  int left_finger = -1;  // bodies whose distance gives the gripper opening
  int right_finger = -1;
  int left_pad = -1, right_pad = -1;  // pad bodies (caging rewards)
  int left_tip = -1, right_tip = -1;  // fingertip sites: the tcp is their midpoint
  int arm_qpos = -1;                  // first of the 7 arm joints in qpos
};

struct Scene {
  std::unique_ptr<TabletopTask> task;  // bound to model
  std::shared_ptr<const mjModel> model;
  RobotIds robot;
  HandSetup hand;
  // The state after the hand reset (50 rounds of: mocap at the initial hand position,
  // gripper open, 5 physics steps). It does not depend on the variation, so it is computed
  // once here and every episode starts from a copy.
  std::shared_ptr<const mjData> rest;
};

// The hand reset: 50 rounds of (mocap at the initial hand position, gripper open, 5 physics
// steps). compile_scene runs it once to make the rest state.
void reset_hand(const Scene& scene, mjData* d);

// One env step's controls: the mocap target (not the hand) moves by the clipped action, 1 cm
// per unit, kept in the hand box; the fingers are driven with (a3, -a3). Returns a3, clipped.
double apply_action(const Scene& scene, mjData* d, const float* action);

// The full MJCF text of a task's scene.
std::string scene_xml(const TabletopTask& task);

// Compiles the task's scene; throws htrmrl::Error with MuJoCo's message on failure.
std::shared_ptr<const Scene> compile_scene(const TabletopTask& task);

}  // namespace htrmrl::tabletop
