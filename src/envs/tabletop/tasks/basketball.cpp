// PENDING: basketball is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& basketball_task() {
  static const PendingTask task("basketball");
  return task;
}

}  // namespace htrmrl::tabletop
