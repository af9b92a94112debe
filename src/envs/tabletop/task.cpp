// Helpers every task uses, and the table of tasks.
#include "envs/tabletop/task.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"
#include "envs/tabletop/task_base.hpp"
#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {
namespace {

int lookup(const mjModel* m, mjtObj type, const char* kind, const char* name) {
  const int id = mj_name2id(m, type, name);
  if (id < 0) throw Error(std::string("tabletop scene has no ") + kind + " named '" + name + "'");
  return id;
}

}  // namespace

int body_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_BODY, "body", name); }
int site_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_SITE, "site", name); }
int joint_qpos(const mjModel* m, const char* name) {
  return m->jnt_qposadr[lookup(m, mjOBJ_JOINT, "joint", name)];
}
int joint_dof(const mjModel* m, const char* name) {
  return m->jnt_dofadr[lookup(m, mjOBJ_JOINT, "joint", name)];
}
int mocap_id(const mjModel* m, const char* body) {
  const int id = m->body_mocapid[body_id(m, body)];
  if (id < 0) throw Error(std::string("tabletop body '") + body + "' is not a mocap body");
  return id;
}

void set_free_pose(const mjModel* m, mjData* d, const char* joint, Vec3 pos) {
  double* q = d->qpos + joint_qpos(m, joint);
  q[0] = pos.x, q[1] = pos.y, q[2] = pos.z;
  q[3] = 1.0, q[4] = q[5] = q[6] = 0.0;
  std::fill(d->qvel + joint_dof(m, joint), d->qvel + joint_dof(m, joint) + 6, 0.0);
}

void set_joint(const mjModel* m, mjData* d, const char* joint, double q) {
  d->qpos[joint_qpos(m, joint)] = q;
  d->qvel[joint_dof(m, joint)] = 0.0;
}

void set_mocap_pos(mjData* d, int mocap, Vec3 pos) {
  d->mocap_pos[3 * mocap] = pos.x;
  d->mocap_pos[3 * mocap + 1] = pos.y;
  d->mocap_pos[3 * mocap + 2] = pos.z;
}

void ObjectSlot::bind(const mjModel* m) {
  if (site_name_) point_site_ = site_id(m, site_name_);
  if (body_name_) point_body_ = body_id(m, body_name_);
  frame_ = body_id(m, frame_name_);
}

std::string wall_xml(Vec3 centre, Vec3 half) {
  char xml[300];
  std::snprintf(xml, sizeof(xml),
                "    <geom class=\"prop\" type=\"box\" pos=\"%g %g %g\" size=\"%g %g %g\" "
                "rgba=\"0.55 0.45 0.4 1\"/>\n",
                centre.x, centre.y, centre.z, half.x, half.y, half.z);
  return xml;
}

const double* ObjectSlot::point(const mjData* d) const {
  return point_site_ >= 0 ? d->site_xpos + 3 * point_site_ : d->xpos + 3 * point_body_;
}

Vec3 ObjectSlot::position(const mjData* d) const { return vec3(point(d)); }

void ObjectSlot::write(const mjData* d, double* slots) const {
  std::copy(point(d), point(d) + 3, slots);
  std::copy(d->xquat + 4 * frame_, d->xquat + 4 * frame_ + 4, slots + 3);
}

void move_toward(const float* hand, Vec3 target, double gain, float* action) {
  const double delta[3] = {target.x - hand[0], target.y - hand[1], target.z - hand[2]};
  for (int i = 0; i < 3; ++i)
    action[i] = static_cast<float>(std::clamp(gain * delta[i], -1.0, 1.0));
}

void move_over(const float* hand, Vec3 over, double clear_z, float* action) {
  move_toward(hand, over, 10.0, action);
  if (hand[2] < clear_z) action[0] = action[1] = 0.0f;
}

const std::vector<const TabletopTask*>& all_tasks() {
  static const std::vector<const TabletopTask*> tasks = {
      // ML10 meta-train
      &reach_task(), &push_task(), &pick_place_task(), &door_open_task(), &drawer_close_task(),
      &button_press_topdown_task(), &peg_insert_side_task(), &window_open_task(), &sweep_task(),
      &basketball_task(),
      // ML10 meta-test
      &drawer_open_task(), &door_close_task(), &shelf_place_task(), &sweep_into_task(),
      &lever_pull_task(),
      // the rest of the suite, families together
      &window_close_task(), &button_press_topdown_wall_task(), &button_press_task(),
      &button_press_wall_task(), &reach_wall_task(), &pick_place_wall_task(), &push_wall_task(),
      &push_back_task(), &handle_press_task(), &handle_press_side_task(), &handle_pull_task(),
      &handle_pull_side_task(), &faucet_open_task(), &faucet_close_task(), &door_lock_task(),
      &door_unlock_task(), &plate_slide_task(), &plate_slide_side_task(), &plate_slide_back_task(),
      &plate_slide_back_side_task(), &coffee_button_task(), &coffee_push_task(),
      &coffee_pull_task(), &hand_insert_task(), &bin_picking_task(), &dial_turn_task(), &soccer_task(), &pick_out_of_hole_task(), &peg_unplug_side_task(), &assembly_task(), &disassemble_task(), &box_close_task(), &hammer_task(), &stick_push_task(), &stick_pull_task()};
  return tasks;
}

const TabletopTask* find_task(const std::string& name) {
  for (const TabletopTask* t : all_tasks())
    if (name == t->name()) return t;
  return nullptr;
}

}  // namespace htrmrl::tabletop
