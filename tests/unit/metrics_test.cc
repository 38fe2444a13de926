// The metrics registry's text exposition format, the --metrics parser, and the HTTP endpoint
// over loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "potluck/app/http_server.h"
#include "potluck/app/metrics.h"
#include "potluck/app/node_metrics.h"

namespace potluck {
namespace {

TEST(MetricsRegistryTest, CounterHasHelpTypeAndSample) {
  MetricsRegistry registry;
  registry.Counter("potluck_units_computed_total", "Units computed.").Add(3);
  EXPECT_EQ(registry.Render(),
            "# HELP potluck_units_computed_total Units computed.\n"
            "# TYPE potluck_units_computed_total counter\n"
            "potluck_units_computed_total 3\n");
}

TEST(MetricsRegistryTest, FamiliesAreSortedAndTheirSeriesStayTogether) {
  MetricsRegistry registry;
  registry.Counter("potluck_pauses_total", "Pauses.", {{"reason", "idle"}}).Add(1);
  registry.Gauge("potluck_peers", "Peers.").Set(4);
  registry.Counter("potluck_pauses_total", "Pauses.", {{"reason", "schedule"}}).Add(2);
  EXPECT_EQ(registry.Render(),
            "# HELP potluck_pauses_total Pauses.\n"
            "# TYPE potluck_pauses_total counter\n"
            "potluck_pauses_total{reason=\"idle\"} 1\n"
            "potluck_pauses_total{reason=\"schedule\"} 2\n"
            "# HELP potluck_peers Peers.\n"
            "# TYPE potluck_peers gauge\n"
            "potluck_peers 4\n");
}

TEST(MetricsRegistryTest, SameNameAndLabelsIsTheSameSeries) {
  MetricsRegistry registry;
  MetricValue& first = registry.Counter("c_total", "C.", {{"a", "1"}, {"b", "2"}});
  MetricValue& again = registry.Counter("c_total", "Other help is ignored.", {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(&first, &again);
  first.Add(1);
  again.Add(1);
  EXPECT_EQ(registry.Render(), "# HELP c_total C.\n# TYPE c_total counter\nc_total{a=\"1\",b=\"2\"} 2\n");
}

TEST(MetricsRegistryTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  MetricsRegistry registry;
  registry.Gauge("g", "G.", {{"path", "C:\\dir \"x\"\nnext"}}).Set(1);
  EXPECT_NE(registry.Render().find("g{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"), std::string::npos)
      << registry.Render();
}

TEST(MetricsRegistryTest, HelpEscapesBackslashAndNewlineButNotQuotes) {
  MetricsRegistry registry;
  registry.Gauge("g", "a \"b\" \\ c\nd").Set(0);
  EXPECT_NE(registry.Render().find("# HELP g a \"b\" \\\\ c\\nd\n"), std::string::npos) << registry.Render();
}

TEST(MetricsRegistryTest, ValuesAreShortestExactNumbersOrPrometheusWords) {
  MetricsRegistry registry;
  registry.Gauge("a", "A.").Set(0.25);
  registry.Gauge("b", "B.").Set(12345678901.0);
  registry.Gauge("c", "C.").Set(std::numeric_limits<double>::infinity());
  registry.Gauge("d", "D.").Set(-std::numeric_limits<double>::infinity());
  registry.Gauge("e", "E.").Set(std::nan(""));
  std::string text = registry.Render();
  EXPECT_NE(text.find("\na 0.25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nb 12345678901\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nc +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nd -Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ne NaN\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, CollectorsRunBeforeEachRendering) {
  MetricsRegistry registry;
  MetricValue& cpu = registry.Counter("cpu_seconds_total", "CPU.");
  int calls = 0;
  registry.OnCollect([&] { cpu.Set(++calls * 1.5); });
  EXPECT_NE(registry.Render().find("cpu_seconds_total 1.5\n"), std::string::npos);
  EXPECT_NE(registry.Render().find("cpu_seconds_total 3\n"), std::string::npos);
}

TEST(ParseHttpListenTest, BarePortMeansLoopback) {
  auto listen = ParseHttpListen("9464", "metrics");
  ASSERT_TRUE(listen.ok()) << listen.status().message();
  EXPECT_EQ(listen->host, "127.0.0.1");
  EXPECT_EQ(listen->port, 9464);
}

TEST(ParseHttpListenTest, HostAndPort) {
  auto any = ParseHttpListen("0.0.0.0:0", "metrics");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 0);
  auto named = ParseHttpListen("localhost:65535", "metrics");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->host, "localhost");
  EXPECT_EQ(named->port, 65535);
  auto v6 = ParseHttpListen("[::1]:9464", "metrics");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
}

TEST(ParseHttpListenTest, BadValuesGiveOneLineNamingThem) {
  for (const char* bad : {"", "x", ":9464", "host:", "host:65536", "host:12a", "::1:9464", "[::1]9464",
                          "a b:1", "host:1\nrm -rf", "1234567"}) {
    auto listen = ParseHttpListen(bad, "metrics");
    ASSERT_FALSE(listen.ok()) << bad;
    const std::string& message = listen.status().message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(std::string(bad).substr(0, 6)), std::string::npos) << message;
  }
}

TEST(HttpServerTest, ServesMetricsOnAFreePortAndNothingElse) {
  MetricsRegistry registry;
  registry.Gauge("potluck_peers", "Peers.").Set(2);
  NodeMetrics node_metrics(&registry);
  auto server = HttpServer::Start("127.0.0.1:0", "metrics", {node_metrics.Route()});
  ASSERT_TRUE(server.ok()) << server.status().message();
  ASSERT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->endpoint(), "127.0.0.1:" + std::to_string((*server)->port()));

  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), kMetricsContentType);
  EXPECT_NE(metrics->body.find("potluck_peers 2\n"), std::string::npos) << metrics->body;
  auto other = client.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST(HttpServerTest, PortInUseIsAnErrorNamingIt) {
  auto first = HttpServer::Start("127.0.0.1:0", "metrics", {});
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = HttpServer::Start((*first)->endpoint(), "metrics", {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find((*first)->endpoint()), std::string::npos) << second.status().message();
}

// A raw connection to 127.0.0.1:PORT, to send what no well-behaved client library would.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), bytes.size()); }
  // Reads until `marker` has been seen `times` times, the peer closes, or 5 s pass.
  std::string Read(const std::string& marker, int times = 1) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int seen = 0;
      for (size_t at = got.find(marker); at != std::string::npos; at = got.find(marker, at + 1)) ++seen;
      if (seen >= times) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char chunk[4096];
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      got.append(chunk, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_;
  bool connected_ = false;
};

HttpRoute HelloRoute() {
  return {"/hello/([a-z]+)", [](const std::vector<std::string>& c) { return HttpReply{200, "hi " + c[1] + "\n"}; }};
}

TEST(HttpServerTest, KeepsAConnectionAliveAcrossRequestsAndPassesCaptures) {
  auto server = HttpServer::Start("127.0.0.1:0", "metrics", {HelloRoute()});
  ASSERT_TRUE(server.ok()) << server.status().message();
  RawConnection c((*server)->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /hello/ann HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/bob?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string both = c.Read("\n", 1 + 2 * 5);  // two answers of several lines each
  EXPECT_NE(both.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << both;
  EXPECT_NE(both.find("hi ann\n"), std::string::npos) << both;
  EXPECT_NE(both.find("hi bob\n"), std::string::npos) << both;
}

TEST(HttpServerTest, RefusesOtherMethodsBadRequestsAndHugeHeads) {
  auto server = HttpServer::Start("127.0.0.1:0", "metrics", {HelloRoute()});
  ASSERT_TRUE(server.ok()) << server.status().message();
  struct Case {
    std::string request;
    std::string status_line;
  };
  const Case cases[] = {
      {"POST /hello/ann HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", "HTTP/1.1 405 "},
      {"GET /hello/ANN HTTP/1.1\r\n\r\n", "HTTP/1.1 404 "},
      {"nonsense\r\n\r\n", "HTTP/1.1 400 "},
      {"GET /hello/ann HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", "HTTP/1.1 413 "},
      {"GET /hello/ann HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", "HTTP/1.1 400 "},
  };
  for (const Case& test : cases) {
    RawConnection c((*server)->port());
    ASSERT_TRUE(c.connected());
    c.Send(test.request);
    std::string answer = c.Read("\r\n\r\n");
    EXPECT_TRUE(answer.starts_with(test.status_line)) << test.request.substr(0, 40) << " -> " << answer;
  }
}

TEST(HttpServerTest, StopsWhileAConnectionIsOpenAndIdle) {
  auto server = HttpServer::Start("127.0.0.1:0", "metrics", {HelloRoute()});
  ASSERT_TRUE(server.ok()) << server.status().message();
  RawConnection c((*server)->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /hel");  // half a request, which the server waits on
  server->reset();     // must return without waiting out the request timeout
  EXPECT_EQ(c.Read("never"), "");
}

}  // namespace
}  // namespace potluck
