// What a renderer draws from: the scene at a time, asked for once per frame.
#pragma once

#include <atomic>
#include <functional>

#include "scene.h"

namespace potluck::screensaver {

// The scene at `seconds` since the view started.
using SceneFeed = std::function<Scene(double seconds)>;

// Frames per second the renderers aim for; the input is looked at between frames, so this also
// bounds how soon a key or a mouse move is seen.
inline constexpr int kFramesPerSecond = 25;

}  // namespace potluck::screensaver
