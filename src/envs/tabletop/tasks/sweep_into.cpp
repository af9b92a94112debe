// PENDING: sweep-into is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& sweep_into_task() {
  static const PendingTask task("sweep-into");
  return task;
}

}  // namespace htrmrl::tabletop
