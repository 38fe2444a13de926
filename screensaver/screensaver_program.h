// The command line of potluck-screensaver: the worker's flags (same config file, limits, peers
// and data folder), how to draw, and running it. See docs/volunteer.md, "The screensaver".
#pragma once

namespace potluck::screensaver {

// Returns the process's exit code: 0 when the user came back or a signal ended it, 2 for bad
// flags or settings, 1 when it could not draw or the engine failed.
int RunScreensaverProgram(int argc, char** argv);

}  // namespace potluck::screensaver
