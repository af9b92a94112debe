// PENDING: door-open is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& door_open_task() {
  static const PendingTask task("door-open");
  return task;
}

}  // namespace htrmrl::tabletop
