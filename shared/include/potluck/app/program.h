// What every potluck program does the same way: version, logging, stop signals.
#pragma once

#include <atomic>
#include <string>

#include "potluck/base/status.h"

namespace potluck {

inline constexpr char kVersion[] = "0.1.0";

// "trace", "debug", "info", "warn", "error" or "off"; logs go to stderr.
Status SetupLogging(const std::string& level);

// SIGINT and SIGTERM set the returned flag; the event loop checks it between steps.
const std::atomic<bool>& InstallStopSignals();

}  // namespace potluck
