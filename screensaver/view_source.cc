#include "view_source.h"

#include "potluck/app/control_socket.h"

namespace potluck::screensaver {

ViewSource::ViewSource(std::filesystem::path data_dir)
    : socket_path_(ControlSocketPath(data_dir)), thread_([this] { Loop(); }) {}

ViewSource::~ViewSource() {
  stopping_ = true;
  thread_.join();
}

ViewSnapshot ViewSource::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void ViewSource::Loop() {
  while (!stopping_) {
    const auto asked = std::chrono::steady_clock::now();
    Result<nlohmann::json> answer = AskWorker(socket_path_, {{"command", "view"}}, kViewAnswerTimeout);
    {
      std::lock_guard lock(mu_);
      if (answer.ok() && answer->value("ok", false)) {
        latest_ = {std::move(answer.value()), ""};
      } else {
        // The last picture stays up: a worker that is busy for a moment should not blank it.
        latest_.problem = answer.ok() ? answer->value("error", "the worker refused") : answer.status().message();
      }
    }
    // Sleeps in short steps so the destructor does not wait a whole interval.
    const auto next = asked + kViewPollInterval;
    while (!stopping_ && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace potluck::screensaver
