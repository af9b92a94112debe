// PENDING: peg-insert-side is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& peg_insert_side_task() {
  static const PendingTask task("peg-insert-side");
  return task;
}

}  // namespace htrmrl::tabletop
