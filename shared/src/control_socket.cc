#include "potluck/app/control_socket.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace potluck {
namespace {

nlohmann::json Refusal(const std::string& error) { return {{"ok", false}, {"error", error}}; }

// A socket file left by a worker that died, or one a live worker still serves.
bool SomeoneListens(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool listens = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return listens;
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::Open(const std::filesystem::path& path) {
  if (path.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return InvalidArgument("control socket " + path.string() + ": path too long for a unix socket");
  }
  if (SomeoneListens(path)) return Unavailable("another worker already runs on this data folder (" + path.string() + ")");
  try {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kControlRequestBytesMax));
    socket.set(zmq::sockopt::linger, 0);
    // The file is made with the umask; none of it may reach others before the chmod below.
    const mode_t old_mask = umask(0077);
    socket.bind("ipc://" + path.string());
    umask(old_mask);
    if (chmod(path.c_str(), 0600) != 0) return IoError(path.string() + ": " + std::strerror(errno));
    return std::unique_ptr<ControlServer>(new ControlServer(path, std::move(context), std::move(socket)));
  } catch (const zmq::error_t& e) {
    return IoError("control socket " + path.string() + ": " + e.what());
  }
}

ControlServer::~ControlServer() {
  socket_.close();
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void ControlServer::Serve(const Handler& handle) {
  for (int i = 0; i < kControlRequestsPerTick; ++i) {
    zmq::message_t request;
    try {
      if (!socket_.recv(request, zmq::recv_flags::dontwait)) return;
    } catch (const zmq::error_t& e) {
      spdlog::warn("control socket: {}", e.what());
      return;
    }
    nlohmann::json reply;
    try {
      nlohmann::json parsed = nlohmann::json::parse(request.to_string_view());
      reply = parsed.is_object() ? handle(parsed) : Refusal("a request is a JSON object");
    } catch (const nlohmann::json::exception& e) {
      reply = Refusal(std::string("not JSON: ") + e.what());
    }
    try {
      socket_.send(zmq::buffer(reply.dump()), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("control socket: {}", e.what());
    }
  }
}

Result<nlohmann::json> AskWorker(const std::filesystem::path& path, const nlohmann::json& request, Duration timeout) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == EACCES) return Unavailable(path.string() + ": permission denied (run as the worker's user or root)");
    return Unavailable("no worker runs with this data folder (" + path.string() + " does not exist)");
  }
  if (access(path.c_str(), R_OK | W_OK) != 0) {
    return Unavailable(path.string() + ": permission denied (run as the worker's user or root)");
  }
  try {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::req);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect("ipc://" + path.string());
    socket.send(zmq::buffer(request.dump()), zmq::send_flags::none);
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    zmq::message_t reply;
    if (!(item.revents & ZMQ_POLLIN) || !socket.recv(reply, zmq::recv_flags::dontwait)) {
      return Unavailable("no answer from the worker at " + path.string() + " (is it running?)");
    }
    nlohmann::json parsed = nlohmann::json::parse(reply.to_string_view());
    if (!parsed.is_object()) return Corrupt("the worker's answer is not a JSON object");
    return parsed;
  } catch (const zmq::error_t& e) {
    return Unavailable(path.string() + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    return Corrupt(std::string("the worker's answer is not JSON: ") + e.what());
  }
}

}  // namespace potluck
