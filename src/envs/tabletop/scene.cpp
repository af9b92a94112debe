// The robot and table, written from primitives. Collision bits: the table (1/1); static and
// jointed props (2/2) skip the table; free objects (3/3) touch everything; the hand and
// fingers (1/3) touch all but the arm; arm links (0/2) touch props and objects only, so the
// passive arm never snags on the table or on itself.
#include "envs/tabletop/scene.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/error.hpp"

namespace htrmrl::tabletop {
namespace {

const char* kHeader = R"(
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="0.0025" solver="Newton" cone="elliptic" iterations="50" tolerance="1e-10"/>
  <size njmax="600" nconmax="150"/>
  <visual>
    <global offwidth="960" offheight="720"/>
    <quality shadowsize="2048"/>
    <headlight ambient="0.35 0.35 0.35" diffuse="0.5 0.5 0.5"/>
  </visual>
  <asset>
    <texture name="sky" type="skybox" builtin="gradient" rgb1="0.55 0.65 0.78" rgb2="0.1 0.12 0.16"
             width="256" height="256"/>
    <texture name="floor" type="2d" builtin="checker" rgb1="0.25 0.27 0.3" rgb2="0.3 0.32 0.35"
             width="256" height="256"/>
    <material name="floor" texture="floor" texrepeat="8 8"/>
    <texture name="wood" type="2d" builtin="flat" rgb1="0.62 0.47 0.32" width="64" height="64"
             mark="random" random="0.08" markrgb="0.5 0.37 0.25"/>
    <material name="wood" texture="wood" texrepeat="4 4"/>
    <material name="metal" rgba="0.55 0.57 0.6 1" specular="0.6" shininess="0.6"/>
    <material name="robot" rgba="0.75 0.12 0.1 1" specular="0.4"/>
    <material name="dark" rgba="0.15 0.15 0.17 1"/>
  </asset>
  <default>
    <geom solref="0.01 1" solimp="0.99 0.99 0.01" friction="1 0.005 0.0001" condim="3"/>
    <joint damping="1" armature="0.001"/>
    <default class="table"><geom contype="1" conaffinity="1" material="wood"/></default>
    <default class="prop"><geom contype="2" conaffinity="2"/></default>
    <default class="object"><geom contype="3" conaffinity="3"/></default>
    <default class="visual"><geom contype="0" conaffinity="0" group="1"/></default>
    <default class="arm">
      <geom contype="0" conaffinity="2" material="robot"/>
      <joint damping="10" armature="0.01"/>
    </default>
    <default class="grip"><geom contype="1" conaffinity="3" material="dark"/></default>
    <!-- The fingers are pushed by up to 400 N: heavy damping caps their speed near 0.4 m/s
         (a full close takes about 8 steps, so pads do not tunnel through objects), and stiff
         limits with a heavy armature keep the overshoot at a few millimetres. -->
    <default class="finger">
      <joint damping="1000" armature="0.5" solreflimit="0.01 1" solimplimit="0.99 0.99 0.001"/>
    </default>
  </default>
  <worldbody>
    <light pos="0 0.6 2.5" dir="0 0 -1" diffuse="0.6 0.6 0.6" castshadow="true"/>
    <!-- front faces the robot across the table; corner looks past its right shoulder; top
         looks down from the far side, where the forearm (rising toward the robot) is least
         in the way of the hand. -->
    <camera name="front" pos="0 1.45 0.75" xyaxes="-1 0 0 0 -0.636 0.772"/>
    <camera name="corner" pos="1.0 0.0 0.78" xyaxes="0.6 0.8 0 -0.35 0.26 0.9"/>
    <camera name="top" pos="0 1.05 1.4" xyaxes="1 0 0 0 0.952 -0.306"/>
    <geom name="floor" type="plane" pos="0 0.6 -0.913" size="3 3 0.1" material="floor"
          contype="1" conaffinity="1"/>
)";

// Table top at z = 0 over x in [-0.7, 0.7], y in [0.2, 1.0], with a low rim.
const char* kTable = R"(
    <body name="table" pos="0 0.6 0">
      <geom name="table_top" class="table" type="box" pos="0 0 -0.46" size="0.7 0.4 0.46"/>
      <geom class="table" type="box" pos="0 -0.39 0.06" size="0.7 0.01 0.06"/>
      <geom class="table" type="box" pos="0 0.39 0.06" size="0.7 0.01 0.06"/>
      <geom class="table" type="box" pos="-0.69 0 0.06" size="0.01 0.4 0.06"/>
      <geom class="table" type="box" pos="0.69 0 0.06" size="0.01 0.4 0.06"/>
    </body>
)";

// The variant of sweep-into: a surface raised to z = 0.05 with a 0.16 m square hole at
// (0, 0.84), 5 cm deep (its floor is the table top).
const char* kTableWithHole = R"(
    <body name="table" pos="0 0.6 0">
      <geom name="table_top" class="table" type="box" pos="0 0 -0.46" size="0.7 0.4 0.46"/>
      <geom class="table" type="box" pos="-0.39 0 0.025" size="0.31 0.4 0.025"/>
      <geom class="table" type="box" pos="0.39 0 0.025" size="0.31 0.4 0.025"/>
      <geom class="table" type="box" pos="0 -0.12 0.025" size="0.08 0.28 0.025"/>
      <geom class="table" type="box" pos="0 0.36 0.025" size="0.08 0.04 0.025"/>
    </body>
)";

// A seven-joint arm on a pedestal behind the table (yaw, shoulder pitch and roll, elbow
// pitch and roll, wrist pitch and roll), laid out so that at qpos0 the hand already sits at
// (0, 0.6, 0.2) pointing down: resets start close to where the weld pulls them. The arm is
// passive; the hand follows the mocap body through the weld.
const char* kRobot = R"(
    <body name="pedestal" pos="0 0.05 0">
      <geom class="arm" type="cylinder" pos="0 0 -0.45" size="0.09 0.47" material="dark"/>
      <geom class="visual" type="cylinder" pos="0 0 0.15" size="0.07 0.15" material="robot"/>
      <body name="shoulder" pos="0 0 0.35">
        <joint name="arm_j0" class="arm" axis="0 0 1"/>
        <geom class="arm" type="sphere" size="0.075" mass="1"/>
        <body name="upper_arm">
          <joint name="arm_j1" class="arm" axis="1 0 0"/>
          <joint name="arm_j2" class="arm" axis="0 0.3543 0.9352"/>
          <geom class="arm" type="capsule" fromto="0 0 0 0 0.1948 0.5142" size="0.055" mass="1"/>
          <body name="forearm" pos="0 0.1948 0.5142">
            <joint name="arm_j3" class="arm" axis="1 0 0"/>
            <joint name="arm_j4" class="arm" axis="0 0.5466 -0.8374"/>
            <geom class="arm" type="sphere" size="0.065" mass="0.3"/>
            <geom class="arm" type="capsule" fromto="0 0 0 0 0.3552 -0.5442" size="0.045"
                  mass="0.8"/>
            <body name="wrist" pos="0 0.3552 -0.5442">
              <joint name="arm_j5" class="arm" axis="1 0 0"/>
              <joint name="arm_j6" class="arm" axis="0 0 1"/>
              <geom class="arm" type="capsule" fromto="0 0 0 0 0 -0.09" size="0.04" mass="0.3"/>
              <body name="hand" pos="0 0 -0.12">
                <geom class="grip" type="cylinder" pos="0 0 0.02" size="0.045 0.012" mass="0.3"/>
                <geom class="grip" type="box" pos="0 0 0.002" size="0.02 0.065 0.008" mass="0.1"/>
                <body name="rightclaw" pos="0 -0.05 0">
                  <joint name="r_close" type="slide" axis="0 1 0" range="0 0.04" limited="true"
                         class="finger"/>
                  <geom class="grip" type="box" pos="0 0 -0.022" size="0.01 0.004 0.028"
                        mass="0.05"/>
                  <body name="rightpad" pos="0 0.006 -0.035">
                    <geom class="grip" type="box" size="0.009 0.002 0.013" friction="2 0.1 0.002"
                          material="metal" mass="0.01"/>
                  </body>
                  <site name="rightEndEffector" pos="0 0.006 -0.045" size="0.004"/>
                </body>
                <body name="leftclaw" pos="0 0.05 0">
                  <joint name="l_close" type="slide" axis="0 1 0" range="-0.03 0" limited="true"
                         class="finger"/>
                  <geom class="grip" type="box" pos="0 0 -0.022" size="0.01 0.004 0.028"
                        mass="0.05"/>
                  <body name="leftpad" pos="0 -0.006 -0.035">
                    <geom class="grip" type="box" size="0.009 0.002 0.013" friction="2 0.1 0.002"
                          material="metal" mass="0.01"/>
                  </body>
                  <site name="leftEndEffector" pos="0 -0.006 -0.045" size="0.004"/>
                </body>
              </body>
            </body>
          </body>
        </body>
      </body>
    </body>
    <body name="mocap" mocap="true" pos="0 0.6 0.2">
      <geom class="visual" type="sphere" size="0.005" rgba="0 1 0 0"/>
    </body>
)";

const char* kFooter = R"(  </worldbody>
  <equality>
    <weld body1="mocap" body2="hand" relpose="0 0 0 1 0 0 0" solref="0.02 1"/>
  </equality>
  <actuator>
    <position name="r_close" joint="r_close" kp="400" ctrlrange="-1 1" ctrllimited="true"/>
    <position name="l_close" joint="l_close" kp="400" ctrlrange="-1 1" ctrllimited="true"/>
  </actuator>
</mujoco>
)";

// MuJoCo reports warnings through a global hook; ours are counted in mjData instead.
void quiet_warning(const char*) {}

}  // namespace

void reset_hand(const Scene& scene, mjData* d) {
  const mjModel* m = scene.model.get();
  for (int round = 0; round < 50; ++round) {
    set_mocap_pos(d, scene.robot.mocap, scene.hand.init);
    d->ctrl[0] = -1.0;
    d->ctrl[1] = 1.0;
    for (int k = 0; k < 5; ++k) mj_step(m, d);
  }
}

double apply_action(const Scene& scene, mjData* d, const float* action) {
  constexpr double kMaxHandMove = 0.01;  // metres per step at full action
  double* target = d->mocap_pos + 3 * scene.robot.mocap;
  const double low[3] = {scene.hand.low.x, scene.hand.low.y, scene.hand.low.z};
  const double high[3] = {scene.hand.high.x, scene.hand.high.y, scene.hand.high.z};
  for (int i = 0; i < 3; ++i) {
    const double a = std::clamp(static_cast<double>(action[i]), -1.0, 1.0);
    target[i] = std::clamp(target[i] + kMaxHandMove * a, low[i], high[i]);
  }
  const double a3 = std::clamp(static_cast<double>(action[3]), -1.0, 1.0);
  d->ctrl[0] = a3;
  d->ctrl[1] = -a3;
  return a3;
}

std::string scene_xml(const TabletopTask& task) {
  // The model is named after its task, so a scene can always say which task it is.
  std::string xml = std::string("<mujoco model=\"") + task.name() + "\">";
  xml += kHeader;
  xml += task.table() == Table::kWithHole ? kTableWithHole : kTable;
  xml += kRobot;
  xml += task.objects_xml();
  xml += kFooter;
  return xml;
}

std::shared_ptr<const Scene> compile_scene(const TabletopTask& task) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { mju_user_warning = quiet_warning; });

  // Compile from memory through a one-file virtual file system.
  const std::string xml = scene_xml(task);
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  const std::string file = std::string(task.name()) + ".xml";
  mj_makeEmptyFileVFS(vfs.get(), file.c_str(), static_cast<int>(xml.size()));
  std::memcpy(vfs->filedata[mj_findFileVFS(vfs.get(), file.c_str())], xml.data(), xml.size());
  char error[1000] = "";
  mjModel* m = mj_loadXML(file.c_str(), vfs.get(), error, sizeof(error));
  mj_deleteVFS(vfs.get());
  if (!m) throw Error("tabletop task '" + std::string(task.name()) + "': " + error);

  // Resolve the robot's ids and bind the task.
  auto scene = std::make_shared<Scene>();
  scene->model = std::shared_ptr<const mjModel>(m, [](const mjModel* p) {
    mj_deleteModel(const_cast<mjModel*>(p));
  });
  RobotIds& r = scene->robot;
  r.hand = body_id(m, "hand");
  r.mocap = mocap_id(m, "mocap");
  r.left_finger = body_id(m, "leftclaw");
  r.right_finger = body_id(m, "rightclaw");
  r.left_pad = body_id(m, "leftpad");
  r.right_pad = body_id(m, "rightpad");
  r.left_tip = site_id(m, "leftEndEffector");
  r.right_tip = site_id(m, "rightEndEffector");
  r.arm_qpos = joint_qpos(m, "arm_j0");
  scene->hand = task.hand();
  scene->task = task.bind(m);

  // The hand reset, once.
  mjData* d = mj_makeData(m);
  reset_hand(*scene, d);
  scene->rest = std::shared_ptr<const mjData>(d, [](const mjData* p) {
    mj_deleteData(const_cast<mjData*>(p));
  });
  return scene;
}

}  // namespace htrmrl::tabletop
