// PENDING: drawer-close is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& drawer_close_task() {
  static const PendingTask task("drawer-close");
  return task;
}

}  // namespace htrmrl::tabletop
