// What every potluck program does the same way: version, logging, stop signals.
#pragma once

#include <atomic>
#include <string>

#include "potluck/base/status.h"

namespace potluck {

inline constexpr char kVersion[] = "0.1.0";

// "trace", "debug", "info", "warn", "error" or "off"; logs go to stderr, in the journal's
// format ("<6>message", no time) when systemd connected stderr to the journal.
Status SetupLogging(const std::string& level);
// Changes the level of the logger SetupLogging made.
Status SetLogLevel(const std::string& level);

// SIGINT and SIGTERM set the returned flag; the event loop checks it between steps.
const std::atomic<bool>& InstallStopSignals();

// SIGHUP asks for the config to be read again; TakeReloadRequest() reports it once.
const std::atomic<bool>& InstallReloadSignal();
bool TakeReloadRequest();

}  // namespace potluck
