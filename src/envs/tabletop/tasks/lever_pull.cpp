// PENDING: lever-pull is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& lever_pull_task() {
  static const PendingTask task("lever-pull");
  return task;
}

}  // namespace htrmrl::tabletop
