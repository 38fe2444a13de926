// http_server.h with cpp-httplib: parsing --metrics and --dashboard values, and serving routes.
#include <httplib.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

#include "potluck/app/http_server.h"
#include "potluck/base/quoted.h"

namespace potluck {
namespace {

// Every request is one small GET; anything slower or bigger is not a scraper or a browser.
constexpr time_t kRequestTimeoutSeconds = 5;
constexpr size_t kRequestBodyBytesMax = 1024;
// A browser keeps idle connections open, each holding a server thread: let them go soon.
constexpr time_t kKeepAliveSeconds = 2;

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

std::optional<uint16_t> ParsePort(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

// Stop signals belong to the main thread, whose event loop checks for them; here they would
// only interrupt the server's own system calls.
void BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

}  // namespace

Result<HttpListen> ParseHttpListen(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return InvalidArgument(std::string(what) + " address " + Quoted(text) +
                           " is not PORT or HOST:PORT (e.g. 127.0.0.1:9464)");
  };
  HttpListen listen;
  std::string_view host, port;
  if (text.find(':') == std::string_view::npos) {
    // A bare port stays on this machine: what a node serves is nobody else's business unless asked.
    host = "127.0.0.1";
    port = text;
  } else if (text.starts_with('[')) {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return bad();
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    for (char c : host) {
      if (!IsHostChar(c) && c != ':') return bad();
    }
  } else {
    size_t colon = text.rfind(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    for (char c : host) {
      if (!IsHostChar(c)) return bad();
    }
  }
  auto parsed_port = ParsePort(port);
  if (host.empty() || !parsed_port) return bad();
  listen.host = std::string(host);
  listen.port = *parsed_port;
  return listen;
}

struct HttpServer::Http {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> finished{false};
};

HttpServer::HttpServer(std::unique_ptr<Http> http, std::string endpoint, uint16_t port)
    : http_(std::move(http)), endpoint_(std::move(endpoint)), port_(port) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(std::string_view listen_text, std::string_view what,
                                                      std::vector<HttpRoute> routes, size_t threads) {
  auto listen = ParseHttpListen(listen_text, what);
  if (!listen.ok()) return listen.status();
  auto http = std::make_unique<Http>();
  httplib::Server& server = http->server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default sets SO_REUSEPORT, which would let a second process share a port already
  // in use without an error. SO_REUSEADDR alone allows a quick restart and nothing more.
  server.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_read_timeout(kRequestTimeoutSeconds, 0);
  server.set_write_timeout(kRequestTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_payload_max_length(kRequestBodyBytesMax);
  for (HttpRoute& route : routes) {
    server.Get(route.path, [handle = std::move(route.handle)](const httplib::Request& request,
                                                                httplib::Response& response) {
      std::vector<std::string> captures(request.matches.begin(), request.matches.end());
      HttpReply reply = handle(captures);
      response.status = reply.status;
      for (const auto& [name, value] : reply.headers) response.set_header(name, value);
      response.set_content(std::move(reply.body), reply.content_type);
    });
  }

  errno = 0;
  int port = listen->port == 0 ? server.bind_to_any_port(listen->host)
                               : (server.bind_to_port(listen->host, listen->port) ? listen->port : -1);
  const bool is_ipv6 = listen->host.find(':') != std::string::npos;
  std::string endpoint = (is_ipv6 ? "[" + listen->host + "]" : listen->host) + ":";
  if (port <= 0) {
    std::string why = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return Unavailable("cannot serve " + std::string(what) + " on " + Quoted(endpoint + std::to_string(listen->port)) +
                       why);
  }
  endpoint += std::to_string(port);
  Http* raw = http.get();
  raw->thread = std::thread([raw] {
    BlockStopSignals();
    raw->server.listen_after_bind();
    raw->finished = true;
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(http), endpoint, static_cast<uint16_t>(port)));
}

HttpServer::~HttpServer() {
  // stop() does nothing until the server thread has started listening, so repeat it until the
  // thread has gone.
  while (!http_->finished) {
    http_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_->thread.join();
}

}  // namespace potluck
