// A small read-only HTTP server on a thread of its own (libevent's evhttp), for what a node shows people and
// scrapers: Prometheus metrics (--metrics) and the dashboard (--dashboard). Routes answer GET
// only; any other path or method gets an error status. See docs/metrics.md and docs/api.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "potluck/base/status.h"

namespace potluck {

struct HttpListen {
  std::string host;
  uint16_t port = 0;  // 0: any free port
  bool operator==(const HttpListen&) const = default;
};

// Parses an address to serve on: HOST:PORT, [IPV6]:PORT, or a bare PORT meaning
// 127.0.0.1:PORT. Errors are one line that names `what` ("metrics", "dashboard") and quotes
// the value.
Result<HttpListen> ParseHttpListen(std::string_view text, std::string_view what);

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // added to the answer
};

struct HttpRoute {
  // A regular expression the whole path must match, as std::regex (ECMAScript) reads it.
  std::string path;
  // Called on the server thread with the path's capture groups (the whole path first).
  // REQUIRES: thread-safe, and it must not block for long: requests are answered one at a time.
  std::function<HttpReply(const std::vector<std::string>& captures)> handle;
};

class HttpServer {
 public:
  // Binds `listen` (see ParseHttpListen) and serves `routes`, GET and HEAD only, on one
  // thread. REQUIRES: whatever the routes use outlives the server.
  static Result<std::unique_ptr<HttpServer>> Start(std::string_view listen, std::string_view what,
                                                   std::vector<HttpRoute> routes);
  // Stops serving and joins the threads.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // HOST:PORT as bound, with the port chosen when 0 was asked for.
  const std::string& endpoint() const { return endpoint_; }
  uint16_t port() const { return port_; }

 private:
  struct Http;
  HttpServer(std::unique_ptr<Http> http, std::string endpoint, uint16_t port);

  std::unique_ptr<Http> http_;
  std::string endpoint_;
  uint16_t port_;
};

}  // namespace potluck
