// PENDING: button-press-topdown is not written yet.
#include "envs/tabletop/tasks/pending.hpp"

namespace htrmrl::tabletop {

const TabletopTask& button_press_topdown_task() {
  static const PendingTask task("button-press-topdown");
  return task;
}

}  // namespace htrmrl::tabletop
