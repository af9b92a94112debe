// TEMPORARY while the suite is being written: a task that is declared but not built yet.
#pragma once

#include "common/error.hpp"
#include "envs/tabletop/tasks/tasks.hpp"

namespace htrmrl::tabletop {

class PendingTask final : public TabletopTask {
 public:
  explicit PendingTask(const char* name) : name_(name) {}
  const char* name() const override { return name_; }
  std::string objects_xml() const override { throw Error(std::string(name_) + ": pending"); }
  VariationBox variation_box() const override { return {{0.0}, {1.0}}; }
  std::unique_ptr<TabletopTask> bind(const mjModel*) const override { return nullptr; }
  void place(const mjModel*, mjData*, const std::vector<double>&, Episode&) const override {}
  void objects(const mjModel*, const mjData*, double*) const override {}
  Scores score(const Frame&, const Episode&) const override { return {}; }
  void scripted_action(const float*, float*) const override {}

 private:
  const char* name_;
};

}  // namespace htrmrl::tabletop
