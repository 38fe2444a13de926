// Draws the scene with Xlib: in a full-screen window of its own, or in a window someone else
// made (xscreensaver hands its hacks one), double-buffered through a pixmap. Atoms are shaded
// spheres, blue when far and white when near; the box's edges turn with them.
#pragma once

#include <optional>

#include "potluck/base/status.h"
#include "scene_feed.h"

namespace potluck::screensaver {

struct X11Target {
  // Draw in this window (xscreensaver's, or the root window for -root) and leave input to
  // whoever owns it: xscreensaver ends its hacks with SIGTERM. None: a full-screen window of
  // our own, which ends on a key, a button or a mouse move.
  std::optional<unsigned long> window;
  bool root = false;  // draw in the root window
};

// Draws on $DISPLAY until the user is back (own window only) or `quit` is set. Fails when the
// display cannot be opened or the window does not exist.
Status RunX11(const SceneFeed& feed, const X11Target& target, const std::atomic<bool>& quit);

}  // namespace potluck::screensaver
