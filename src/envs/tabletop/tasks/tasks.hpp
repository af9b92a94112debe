// One accessor per task; each is defined in its own file in this folder.
#pragma once

#include "envs/tabletop/task_base.hpp"

namespace htrmrl::tabletop {

const TabletopTask& reach_task();
const TabletopTask& push_task();
const TabletopTask& pick_place_task();
const TabletopTask& door_open_task();
const TabletopTask& drawer_close_task();
const TabletopTask& button_press_topdown_task();
const TabletopTask& peg_insert_side_task();
const TabletopTask& window_open_task();
const TabletopTask& sweep_task();
const TabletopTask& basketball_task();
const TabletopTask& drawer_open_task();
const TabletopTask& door_close_task();
const TabletopTask& shelf_place_task();
const TabletopTask& sweep_into_task();
const TabletopTask& lever_pull_task();
// The rest of the suite (ML45 and MT50), families together.
const TabletopTask& window_close_task();
const TabletopTask& button_press_topdown_wall_task();
const TabletopTask& button_press_task();
const TabletopTask& button_press_wall_task();
const TabletopTask& reach_wall_task();
const TabletopTask& pick_place_wall_task();
const TabletopTask& push_wall_task();
const TabletopTask& push_back_task();
const TabletopTask& handle_press_task();
const TabletopTask& handle_press_side_task();
const TabletopTask& handle_pull_task();
const TabletopTask& handle_pull_side_task();
const TabletopTask& faucet_open_task();
const TabletopTask& faucet_close_task();
const TabletopTask& door_lock_task();
const TabletopTask& door_unlock_task();
const TabletopTask& plate_slide_task();
const TabletopTask& plate_slide_side_task();
const TabletopTask& plate_slide_back_task();
const TabletopTask& plate_slide_back_side_task();
const TabletopTask& coffee_button_task();
const TabletopTask& coffee_push_task();
const TabletopTask& coffee_pull_task();
const TabletopTask& hand_insert_task();
const TabletopTask& bin_picking_task();
const TabletopTask& dial_turn_task();
const TabletopTask& soccer_task();
const TabletopTask& pick_out_of_hole_task();
const TabletopTask& peg_unplug_side_task();
const TabletopTask& assembly_task();
const TabletopTask& disassemble_task();
const TabletopTask& box_close_task();
const TabletopTask& hammer_task();
const TabletopTask& stick_push_task();
const TabletopTask& stick_pull_task();

}  // namespace htrmrl::tabletop
