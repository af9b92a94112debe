// PENDING: shelf-place is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& shelf_place_task() {
  static const PendingTask task("shelf-place");
  return task;
}

}  // namespace htrmrl::tabletop
