// Draws the scene full screen in the terminal with ncurses: the header, the turning simulation
// box with atoms shaded by depth (" .:-=+*#%@", in colour where the terminal has it), or the
// sieve's progress bar. Follows the terminal's size as it changes.
#pragma once

#include "potluck/base/status.h"
#include "scene_feed.h"

namespace potluck::screensaver {

// Draws until a key is pressed (the user is back) or `quit` is set (a signal), then puts the
// terminal back. Fails when stdin or stdout is not a terminal.
Status RunTerminal(const SceneFeed& feed, const std::atomic<bool>& quit);

}  // namespace potluck::screensaver
