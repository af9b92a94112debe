// The base a task builds on, so that a task file holds only what is its own.
//
// A task stands on a scene piece: a value that knows its MJCF, the variation box that places
// it, its ids once the scene is compiled, and what the observation's object slots show. The
// furniture families (tasks/door.hpp, drawer.hpp, button.hpp, ...) and the free objects
// (tasks/puck.hpp, ...) are pieces; a task with a scene of its own writes a small one in its
// file. TaskOn does the forwarding and the binding, and the task adds its name, placement,
// reward and success, and scripted expert.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "envs/tabletop/task.hpp"

namespace htrmrl::tabletop {

// What one object slot of the observation shows: a point (a body's origin or a site) with the
// orientation of a body, the part that carries the point. Named when declared, resolved by
// bind once the scene is compiled.
class ObjectSlot {
 public:
  ObjectSlot() = default;
  // A body's position and orientation.
  static ObjectSlot body(const char* body) { return {body, nullptr, body}; }
  // A site's position with a body's orientation.
  static ObjectSlot site(const char* site, const char* frame) { return {nullptr, site, frame}; }
  // A body's position with another body's orientation.
  static ObjectSlot body_on(const char* body, const char* frame) { return {body, nullptr, frame}; }

  void bind(const mjModel* m);
  Vec3 position(const mjData* d) const;
  // Position (3) and wxyz quaternion (4).
  void write(const mjData* d, double* slots) const;

 private:
  ObjectSlot(const char* body, const char* site, const char* frame)
      : body_name_(body), site_name_(site), frame_name_(frame) {}
  const double* point(const mjData* d) const;

  const char *body_name_ = nullptr, *site_name_ = nullptr, *frame_name_ = nullptr;
  int point_body_ = -1, point_site_ = -1, frame_ = -1;
};

// A body that moves through mjData (the model is shared, so nothing moves by editing it):
// furniture the variation places, or a goal marker.
class MocapBody {
 public:
  explicit MocapBody(const char* name) : name_(name) {}
  void bind(const mjModel* m) { mocap_ = mocap_id(m, name_); }
  void put(mjData* d, Vec3 at) const { set_mocap_pos(d, mocap_, at); }

 private:
  const char* name_;
  int mocap_ = -1;
};

// What every piece has: its MJCF, the variation box that places it and the box's rejection
// rule (none unless a piece hides this one with its own).
class Piece {
 public:
  Piece(std::string xml, VariationBox box) : xml_(std::move(xml)), box_(std::move(box)) {}
  const std::string& xml() const { return xml_; }
  const VariationBox& box() const { return box_; }
  bool accept(const std::vector<double>& /*v*/) const { return true; }

 private:
  std::string xml_;
  VariationBox box_;
};

// A free object that the variation places, upright and at rest, with the rest of the scene
// (static props, markers) in the same MJCF. The body and its free joint share a name.
class FreeObject : public Piece {
 public:
  FreeObject(std::string xml, VariationBox box, const char* body, ObjectSlot slot)
      : Piece(std::move(xml), std::move(box)), body_(body), slot_(slot) {}
  FreeObject(std::string xml, VariationBox box, const char* body)
      : FreeObject(std::move(xml), std::move(box), body, ObjectSlot::body(body)) {}

  void bind(const mjModel* m) { slot_.bind(m); }
  void place(const mjModel* m, mjData* d, Vec3 at) const { set_free_pose(m, d, body_, at); }
  void objects(const mjData* d, double* slots) const { slot_.write(d, slots); }

 private:
  const char* body_;
  ObjectSlot slot_;
};

// A free object and a second body the variation places with it: a goal marker, or a prop
// such as the box a lid goes on or the goal a ball goes into (a mocap body).
class FreeObjectAndMarker : public FreeObject {
 public:
  FreeObjectAndMarker(std::string xml, VariationBox box, const char* body, const char* marker,
                      ObjectSlot slot)
      : FreeObject(std::move(xml), std::move(box), body, slot), marker_(marker) {}
  FreeObjectAndMarker(std::string xml, VariationBox box, const char* body, const char* marker)
      : FreeObjectAndMarker(std::move(xml), std::move(box), body, marker, ObjectSlot::body(body)) {}

  void bind(const mjModel* m) {
    FreeObject::bind(m);
    marker_.bind(m);
  }
  void place(const mjModel* m, mjData* d, Vec3 at, Vec3 marker_at) const {
    FreeObject::place(m, d, at);
    marker_.put(d, marker_at);
  }
  // The object at v[0:3], the marker at the goal v[3:6]; fills the episode's obj_init, goal.
  void place(const mjModel* m, mjData* d, const std::vector<double>& v, Episode& ep) const {
    ep.obj_init = vec3(&v[0]);
    ep.goal = vec3(&v[3]);
    place(m, d, ep.obj_init, ep.goal);
  }

 private:
  MocapBody marker_;
};

// Furniture that the variation places: a mocap body with one joint (a hinge or a slide), and
// the slot that shows its moving part.
class Furniture : public Piece {
 public:
  Furniture(std::string xml, VariationBox box, const char* body, const char* joint, ObjectSlot slot)
      : Piece(std::move(xml), std::move(box)), body_(body), joint_(joint), slot_(slot) {}

  void bind(const mjModel* m) {
    body_.bind(m);
    slot_.bind(m);
  }
  // Puts the furniture at a position with its joint at q, at rest.
  void place(const mjModel* m, mjData* d, Vec3 at, double q) const {
    body_.put(d, at);
    set_joint(m, d, joint_, q);
  }
  const ObjectSlot& slot() const { return slot_; }
  void objects(const mjData* d, double* slots) const { slot_.write(d, slots); }

 private:
  MocapBody body_;
  const char* joint_;
  ObjectSlot slot_;
};

// The forwarding every task on a piece needs; Self is the task (bind copies it).
template <class Self, class P>
class TaskOn : public TabletopTask {
 public:
  TaskOn() = default;
  explicit TaskOn(P piece) : piece_(std::move(piece)) {}

  std::string objects_xml() const override { return piece_.xml(); }
  VariationBox variation_box() const override { return piece_.box(); }
  bool accept(const std::vector<double>& v) const override { return piece_.accept(v); }

  // A copy of the task with its piece bound, then its own ids resolved.
  std::unique_ptr<TabletopTask> bind(const mjModel* m) const final {
    auto t = std::make_unique<Self>(static_cast<const Self&>(*this));
    TaskOn& bound = *t;  // resolve is the base's to call, whatever the task's access
    bound.piece_.bind(m);
    bound.resolve(m);
    return t;
  }

  void objects(const mjModel*, const mjData* d, double* slots) const override {
    piece_.objects(d, slots);
  }

 protected:
  // The ids a task looks up besides its piece's (a goal marker, a second prop).
  virtual void resolve(const mjModel* /*m*/) {}

  P piece_;
};

// A task whose piece places itself from the whole variation (piece.place(m, d, v, ep)) and
// whose episode needs nothing more.
template <class Self, class P>
class PlacedByPiece : public TaskOn<Self, P> {
 public:
  using TaskOn<Self, P>::TaskOn;
  void place(const mjModel* m, mjData* d, const std::vector<double>& v,
             Episode& ep) const override {
    this->piece_.place(m, d, v, ep);
  }
};

// A static wall standing on the table (the hand, the arm and objects collide with it), from
// its centre and half sizes.
std::string wall_xml(Vec3 centre, Vec3 half);

// The one instance of a task, for its accessor in tasks/tasks.hpp.
template <class T>
const TabletopTask& single() {
  static const T task;
  return task;
}

}  // namespace htrmrl::tabletop
