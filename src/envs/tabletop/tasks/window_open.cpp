// PENDING: window-open is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& window_open_task() {
  static const PendingTask task("window-open");
  return task;
}

}  // namespace htrmrl::tabletop
