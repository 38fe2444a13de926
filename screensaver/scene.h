// What the screensaver draws, independent of where: built from the worker's latest answer to
// `view` (its status plus the running kernel's picture) and the time, then drawn by the terminal
// or the X11 renderer. Pure functions, so the picture can be tested without a screen.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace potluck::screensaver {

// A point of the picture. x and y are in [0, 1] across a square drawing area, y down; depth is
// 0 for the nearest point of the simulation box and 1 for the farthest.
struct ScenePoint {
  double x = 0, y = 0, depth = 0;
};

struct SceneEdge {
  ScenePoint from, to;
};

struct ProgressBar {
  double fraction = 0;  // filled part, in [0, 1]
  std::string label;    // written over or beside the bar
};

struct Scene {
  std::vector<std::string> header;   // project, unit, progress, ETA, state; peers, totals, credit
  std::vector<ScenePoint> particles;  // far to near, so nearer ones are drawn over farther ones
  std::vector<SceneEdge> box;         // the simulation box's edges; empty without particles
  std::optional<ProgressBar> bar;     // the sieve's progress through its range, or the unit's
  std::vector<std::string> details;   // lines under the picture: thermo row, counts, largest gap
  std::string message;                // shown alone when there is nothing to draw yet
};

// How fast the simulation box turns, in radians per second.
inline constexpr double kTurnRadiansPerSecond = 0.3;

// The scene for `answer` (the worker's reply to {"command":"view"}; null before any) at
// `seconds` since the screensaver started, which sets the box's rotation. `problem` is shown
// when the worker did not answer.
Scene BuildScene(const nlohmann::json& answer, const std::string& problem, double seconds);

// Projects a point of the unit cube ([0,1)^3, as lj-md's view gives atom positions) turned by
// `angle` radians about the vertical axis and tilted a little toward the viewer.
ScenePoint Project(double x, double y, double z, double angle);

// "1:05", "2:03:10"; "unknown" for negative or not finite.
std::string Span(double seconds);

}  // namespace potluck::screensaver
