// PENDING: sweep is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& sweep_task() {
  static const PendingTask task("sweep");
  return task;
}

}  // namespace htrmrl::tabletop
