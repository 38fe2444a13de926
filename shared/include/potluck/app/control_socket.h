// The worker's local control socket, DATA/control.sock: `potluck worker status|pause|...` sends
// one JSON request and reads one JSON reply. The socket file is mode 0600 inside the 0700 data
// folder, so only the worker's user and root can open it. Polled from the event loop's tick
// (no thread of its own), so requests are handled where the worker's state lives.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "potluck/base/status.h"
#include "potluck/base/time.h"

namespace potluck {

// Requests bigger than this are refused: every command fits in a few hundred bytes.
constexpr size_t kControlRequestBytesMax = 64 * 1024;
// Requests answered per tick, so a flood on the socket cannot stall the loop.
constexpr int kControlRequestsPerTick = 16;

inline std::filesystem::path ControlSocketPath(const std::filesystem::path& data_dir) {
  return data_dir / "control.sock";
}

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  static Result<std::unique_ptr<ControlServer>> Open(const std::filesystem::path& socket_path);
  ~ControlServer();

  // Answers the requests waiting, each with `handle`; a request that is not a JSON object gets
  // {"ok": false, "error": ...} without reaching `handle`.
  void Serve(const Handler& handle);
  // For the event loop to wait on (ZmqTransport::TickWhenReadable).
  zmq::socket_ref socket() { return socket_; }

 private:
  ControlServer(std::filesystem::path path, zmq::context_t context, zmq::socket_t socket)
      : path_(std::move(path)), context_(std::move(context)), socket_(std::move(socket)) {}

  std::filesystem::path path_;
  zmq::context_t context_;
  zmq::socket_t socket_;
};

// The client side: sends `request` to the worker whose socket is `socket_path` and waits up to
// `timeout` for the reply. Errors say what to do: not running, not allowed, no answer.
Result<nlohmann::json> AskWorker(const std::filesystem::path& socket_path, const nlohmann::json& request,
                                 Duration timeout);

}  // namespace potluck
