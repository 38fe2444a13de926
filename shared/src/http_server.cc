// http_server.h: parsing --metrics and --dashboard values, and serving routes. Plain HTTP/1.1,
// GET only, written here rather than taken from a library: the HTTP libraries Debian ships
// bring TLS with them, which costs every worker megabytes of memory for nothing it serves.
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <regex>
#include <thread>

#include "potluck/app/http_server.h"
#include "potluck/base/quoted.h"

namespace potluck {
namespace {

// Every request is one small GET; anything slower or bigger is not a scraper or a browser.
constexpr int kRequestTimeoutMs = 5000;
constexpr size_t kRequestHeadBytesMax = 8192;
constexpr size_t kRequestBodyBytesMax = 1024;
// A browser keeps idle connections open, each holding a server thread: let them go soon.
constexpr int kKeepAliveMs = 2000;
constexpr int kListenBacklog = 64;

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

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Request {
  std::string method, path;
  bool keep_alive = true;
  size_t body_bytes = 0;
};

// Parses a request head (request line and headers, CRLF CRLF excluded); nullopt if malformed.
std::optional<Request> ParseHead(std::string_view head) {
  Request request;
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return std::nullopt;
  request.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!target.starts_with('/') || !version.starts_with("HTTP/1.")) return std::nullopt;
  request.path = std::string(target.substr(0, target.find_first_of("?#")));
  request.keep_alive = version == "HTTP/1.1";
  while (line_end != std::string_view::npos) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string_view field = head.substr(line_end + 2, next == std::string_view::npos ? next : next - line_end - 2);
    line_end = next;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string name = Lower(field.substr(0, colon));
    std::string value = Lower(field.substr(colon + 1));
    value.erase(0, value.find_first_not_of(" \t"));
    if (name == "connection") request.keep_alive = value.find("close") == std::string::npos && (
        request.keep_alive || value.find("keep-alive") != std::string::npos);
    if (name == "content-length") request.body_bytes = std::strtoull(value.c_str(), nullptr, 10);
    if (name == "transfer-encoding") request.body_bytes = kRequestBodyBytesMax + 1;  // no chunked bodies
  }
  return request;
}

}  // namespace

struct HttpServer::Http {
  struct Route {
    std::regex path;
    std::function<HttpReply(const std::vector<std::string>&)> handle;
  };
  std::vector<Route> routes;
  int listener = -1;
  int stop_fd = -1;  // an eventfd, readable once the server stops
  std::vector<std::thread> threads;

  ~Http() {
    if (listener >= 0) close(listener);
    if (stop_fd >= 0) close(stop_fd);
  }

  // Waits until `fd` is ready for `events` or the server stops; false on timeout or stop.
  bool WaitFor(int fd, short events, int timeout_ms) const {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    for (;;) {
      int n = poll(fds, 2, timeout_ms);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 && fds[1].revents == 0 && fds[0].revents != 0;
    }
  }

  bool SendAll(int fd, std::string_view bytes) const {
    while (!bytes.empty()) {
      if (!WaitFor(fd, POLLOUT, kRequestTimeoutMs)) return false;
      ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  HttpReply Answer(const Request& request) const {
    if (request.body_bytes > kRequestBodyBytesMax) return {413, "request body too large\n"};
    for (const Route& route : routes) {
      std::smatch match;
      if (!std::regex_match(request.path, match, route.path)) continue;
      if (request.method != "GET") return {405, "only GET is served\n"};
      return route.handle(std::vector<std::string>(match.begin(), match.end()));
    }
    return {404, "not found\n"};
  }

  bool Reply(int fd, const HttpReply& reply, bool keep_alive) const {
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) + "\r\n";
    out += "Content-Type: " + reply.content_type + "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    out += reply.body;
    return SendAll(fd, out);
  }

  // Answers the requests of one connection until it closes, idles or misbehaves.
  void Serve(int fd) const {
    std::string buffer;
    for (;;) {
      size_t head_end;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > kRequestHeadBytesMax) {
          Reply(fd, {431, "request head too large\n"}, false);
          return;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        int wait_ms = buffer.empty() ? kKeepAliveMs : static_cast<int>(std::max<int64_t>(0, left.count()));
        if (!WaitFor(fd, POLLIN, wait_ms)) return;
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      auto request = ParseHead(std::string_view(buffer).substr(0, head_end));
      if (!request) {
        Reply(fd, {400, "bad request\n"}, false);
        return;
      }
      // A GET has no body; a small one is read past, a large one ends the connection.
      size_t consumed = head_end + 4 + request->body_bytes;
      bool keep_alive = request->keep_alive && request->body_bytes <= kRequestBodyBytesMax && consumed <= buffer.size();
      if (!Reply(fd, Answer(*request), keep_alive) || !keep_alive) return;
      buffer.erase(0, consumed);
    }
  }

  void Loop() const {
    BlockStopSignals();
    for (;;) {
      if (!WaitFor(listener, POLLIN, -1)) return;
      int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;  // another thread took it, or the peer gave up
      Serve(fd);
      close(fd);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Http> http, std::string endpoint, uint16_t port)
    : http_(std::move(http)), endpoint_(std::move(endpoint)), port_(port) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(std::string_view listen_text, std::string_view what,
                                                      std::vector<HttpRoute> routes, size_t threads) {
  auto listen = ParseHttpListen(listen_text, what);
  if (!listen.ok()) return listen.status();
  const bool is_ipv6 = listen->host.find(':') != std::string::npos;
  const std::string host_part = is_ipv6 ? "[" + listen->host + "]" : listen->host;
  auto fail = [&](const std::string& why) {
    return Unavailable("cannot serve " + std::string(what) + " on " +
                       Quoted(host_part + ":" + std::to_string(listen->port)) + why);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(listen->port);
  if (int e = getaddrinfo(listen->host.c_str(), port_text.c_str(), &hints, &found); e != 0) {
    return fail(std::string(": ") + gai_strerror(e));
  }
  sockaddr_storage address{};
  socklen_t length = found->ai_addrlen;
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  auto http = std::make_unique<Http>();
  try {
    for (HttpRoute& route : routes) http->routes.push_back({std::regex(route.path), std::move(route.handle)});
  } catch (const std::regex_error& e) {
    return InvalidArgument(std::string(what) + ": a route's path is not a regular expression: " + e.what());
  }
  http->listener = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  http->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (http->listener < 0 || http->stop_fd < 0) return fail(std::string(": ") + std::strerror(errno));
  // SO_REUSEADDR allows a quick restart; SO_REUSEPORT, which would let a second process share
  // a port already in use without an error, is left off.
  int yes = 1;
  setsockopt(http->listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (bind(http->listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(http->listener, kListenBacklog) != 0 ||
      getsockname(http->listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return fail(std::string(": ") + std::strerror(errno));
  }
  const uint16_t port = ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                      : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
    http->threads.emplace_back([raw = http.get()] { raw->Loop(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(http), host_part + ":" + std::to_string(port), port));
}

HttpServer::~HttpServer() {
  uint64_t one = 1;
  if (write(http_->stop_fd, &one, sizeof one) != sizeof one) std::abort();  // an eventfd write cannot fail here
  for (std::thread& thread : http_->threads) thread.join();
}

}  // namespace potluck
