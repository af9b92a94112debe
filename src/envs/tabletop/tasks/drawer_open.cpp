// PENDING: drawer-open is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& drawer_open_task() {
  static const PendingTask task("drawer-open");
  return task;
}

}  // namespace htrmrl::tabletop
