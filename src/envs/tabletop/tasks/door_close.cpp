// PENDING: door-close is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& door_close_task() {
  static const PendingTask task("door-close");
  return task;
}

}  // namespace htrmrl::tabletop
