// http_server.h with libevent's evhttp: parsing --metrics and --dashboard values, and serving
// routes. (Debian's cpp-httplib is built with OpenSSL, which would weigh on every idle worker.)
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "potluck/app/http_server.h"
#include "potluck/base/quoted.h"

namespace potluck {
namespace {

// Every request is one small GET; anything slower or bigger is not a scraper or a browser.
// The timeout also ends idle kept-alive connections.
constexpr int kRequestTimeoutSeconds = 5;
constexpr ev_ssize_t kRequestBodyBytesMax = 1024;
constexpr ev_ssize_t kRequestHeadBytesMax = 8192;

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
  struct CompiledRoute {
    std::regex path;
    std::function<HttpReply(const std::vector<std::string>&)> handle;
  };
  event_base* base = nullptr;
  evhttp* http = nullptr;
  event* stop = nullptr;  // made active by the destructor: safe before the loop runs, unlike loopbreak
  std::vector<CompiledRoute> routes;
  std::thread thread;

  ~Http() {
    if (http != nullptr) evhttp_free(http);
    if (stop != nullptr) event_free(stop);
    if (base != nullptr) event_base_free(base);
  }

  static void Serve(evhttp_request* request, void* self) { static_cast<Http*>(self)->Answer(request); }

  void Answer(evhttp_request* request) const {
    const evhttp_cmd_type method = evhttp_request_get_command(request);
    if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
      evhttp_add_header(evhttp_request_get_output_headers(request), "Allow", "GET, HEAD");
      return evhttp_send_error(request, 405, "Method Not Allowed");
    }
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
    const char* raw_path = uri == nullptr ? nullptr : evhttp_uri_get_path(uri);
    const std::string path = raw_path == nullptr || *raw_path == '\0' ? "/" : raw_path;
    for (const CompiledRoute& route : routes) {
      std::smatch match;
      if (!std::regex_match(path, match, route.path)) continue;
      HttpReply reply = route.handle(std::vector<std::string>(match.begin(), match.end()));
      evkeyvalq* headers = evhttp_request_get_output_headers(request);
      evhttp_add_header(headers, "Content-Type", reply.content_type.c_str());
      for (const auto& [name, value] : reply.headers) evhttp_add_header(headers, name.c_str(), value.c_str());
      evbuffer* body = evbuffer_new();
      evbuffer_add(body, reply.body.data(), reply.body.size());
      evhttp_send_reply(request, reply.status, nullptr, body);
      evbuffer_free(body);
      return;
    }
    evhttp_send_error(request, 404, nullptr);
  }
};

HttpServer::HttpServer(std::unique_ptr<Http> http, std::string endpoint, uint16_t port)
    : http_(std::move(http)), endpoint_(std::move(endpoint)), port_(port) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(std::string_view listen_text, std::string_view what,
                                                      std::vector<HttpRoute> routes) {
  auto listen = ParseHttpListen(listen_text, what);
  if (!listen.ok()) return listen.status();
  // The destructor wakes the server's loop from another thread.
  static std::once_flag threads_enabled;
  std::call_once(threads_enabled, [] { evthread_use_pthreads(); });
  auto http = std::make_unique<Http>();
  http->base = event_base_new();
  http->http = http->base == nullptr ? nullptr : evhttp_new(http->base);
  http->stop = http->base == nullptr ? nullptr : event_new(http->base, -1, 0, [](evutil_socket_t, short, void* base) {
    event_base_loopbreak(static_cast<event_base*>(base));
  }, http->base);
  if (http->http == nullptr || http->stop == nullptr) return Unavailable("cannot start the " + std::string(what) + " server");
  for (HttpRoute& route : routes) http->routes.push_back({std::regex(route.path), std::move(route.handle)});
  evhttp_set_gencb(http->http, &Http::Serve, http.get());
  evhttp_set_timeout(http->http, kRequestTimeoutSeconds);
  evhttp_set_max_body_size(http->http, kRequestBodyBytesMax);
  evhttp_set_max_headers_size(http->http, kRequestHeadBytesMax);

  // evhttp's listener sets SO_REUSEADDR (a quick restart) but not SO_REUSEPORT, so a port in
  // use is an error.
  errno = 0;
  evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(http->http, listen->host.c_str(), listen->port);
  const bool is_ipv6 = listen->host.find(':') != std::string::npos;
  std::string endpoint = (is_ipv6 ? "[" + listen->host + "]" : listen->host) + ":";
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (bound == nullptr ||
      getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::string why = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return Unavailable("cannot serve " + std::string(what) + " on " + Quoted(endpoint + std::to_string(listen->port)) +
                       why);
  }
  const uint16_t port = ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                                            : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  endpoint += std::to_string(port);
  Http* raw = http.get();
  raw->thread = std::thread([raw] {
    BlockStopSignals();
    event_base_dispatch(raw->base);
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(http), endpoint, port));
}

HttpServer::~HttpServer() {
  event_active(http_->stop, 0, 0);
  http_->thread.join();
}

}  // namespace potluck
