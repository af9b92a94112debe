// The four plate-slide tasks: slide a plate along the table into a net (plate-slide: forward,
// plate-slide-side: to the left) or out of it (plate-slide-back: toward the robot,
// plate-slide-back-side: to the right), until it is within 7 cm of the hidden goal.
#include "envs/tabletop/tasks/plate.hpp"

namespace htrmrl::tabletop {
namespace {

class PlateSlide final : public TaskOn<PlateSlide, plate::Plate> {
 public:
  // forward: plate-slide's reward (8 H(near, in)); else the side and back variants' (1.5
  // near, or 2 + 7 in with the tcp low by the plate).
  PlateSlide(const char* name, VariationBox goals, const plate::Layout& layout, bool forward)
      : TaskOn({std::move(goals), layout}), name_(name), forward_(forward) {}
  const char* name() const override { return name_; }

  // The margins: the distances from the reference point to the goal and to the tcp at reset
  // (less the success band, in the side and back variants).
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    piece_.place(m, d, v, ep);
    const double band = forward_ ? 0.0 : 0.05;
    ep.constant[0] = dist(ep.obj_init, ep.goal) - band;
    ep.constant[1] = dist(ep.init_tcp, ep.obj_init) - band;
  }

  // 10 within 5 cm of the goal; success within 7 cm.
  Scores score(const Frame& f, const Episode& ep) const override {
    Scores s;
    const Vec3 plate = vec3(f.obs + 4);
    const double to_goal = dist(plate, ep.goal);
    const double tcp_to_plate = dist(f.gripper.tcp, plate);
    const double in = tolerance(to_goal, 0.0, 0.05, ep.constant[0]);
    const double near = tolerance(tcp_to_plate, 0.0, 0.05, ep.constant[1]);
    if (forward_) {
      s.reward = 8.0 * hamacher(near, in);
    } else {
      const bool pushing = f.gripper.tcp.z <= 0.03 && tcp_to_plate < 0.07;
      s.reward = pushing ? 2.0 + 7.0 * in : 1.5 * near;
    }
    if (to_goal < 0.05) s.reward = 10.0;
    s.success = to_goal <= 0.07;
    s.near_object = tcp_to_plate <= 0.03;
    s.obj_to_target = to_goal;
    return s;
  }

  void scripted_action(const float* obs, float* action) const override { plate::drag(obs, action); }

 private:
  const char* name_;
  bool forward_;
};

}  // namespace

// goal (x, y, z); the layouts: side, start, net at the goal, net, reference.
const TabletopTask& plate_slide_task() {
  static const PlateSlide task("plate-slide", {{-0.1, 0.85, 0.0}, {0.1, 0.9, 0.0}},
                               {false, {0.0, 0.6, 0.015}, true, {}, {0.0, 0.6, 0.0}}, true);
  return task;
}

const TabletopTask& plate_slide_side_task() {
  static const PlateSlide task("plate-slide-side", {{-0.3, 0.54, 0.0}, {-0.25, 0.66, 0.0}},
                               {true, {0.0, 0.6, 0.015}, true, {}, {0.0, 0.6, 0.0}}, false);
  return task;
}

const TabletopTask& plate_slide_back_task() {
  static const PlateSlide task(
      "plate-slide-back", {{-0.1, 0.6, 0.015}, {0.1, 0.6, 0.015}},
      {false, {0.0, 0.75, 0.015}, false, {0.0, 0.85, 0.0}, {0.0, 0.85, 0.0}}, false);
  return task;
}

const TabletopTask& plate_slide_back_side_task() {
  static const PlateSlide task(
      "plate-slide-back-side", {{-0.05, 0.6, 0.015}, {0.15, 0.6, 0.015}},
      {true, {-0.15, 0.6, 0.015}, false, {-0.25, 0.6, 0.0}, {-0.25, 0.6, 0.0}}, false);
  return task;
}

}  // namespace htrmrl::tabletop
