// Keeps the worker's latest answer to `view`: a thread asks the worker's control socket about
// ten times a second, so the renderers never wait on the socket while they draw.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "potluck/base/time.h"

namespace potluck::screensaver {

inline constexpr Duration kViewPollInterval = std::chrono::milliseconds(100);
// Longer than a worker's tick (100 ms), which is when it answers.
inline constexpr Duration kViewAnswerTimeout = std::chrono::milliseconds(1000);

struct ViewSnapshot {
  nlohmann::json answer;  // the last good answer; null before any
  std::string problem;    // why the last ask failed; empty when it worked
};

// Thread-safe. Stops its thread on destruction.
class ViewSource {
 public:
  explicit ViewSource(std::filesystem::path data_dir);
  ~ViewSource();
  ViewSource(const ViewSource&) = delete;
  ViewSource& operator=(const ViewSource&) = delete;

  ViewSnapshot Latest() const;

 private:
  void Loop();

  const std::filesystem::path socket_path_;
  mutable std::mutex mu_;
  ViewSnapshot latest_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace potluck::screensaver
