// PENDING: pick-place is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& pick_place_task() {
  static const PendingTask task("pick-place");
  return task;
}

}  // namespace htrmrl::tabletop
