// The metrics registry's text exposition format, the --metrics parser, and the HTTP endpoint
// over loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <limits>

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
  auto server = HttpServer::Start("127.0.0.1:0", "metrics", {node_metrics.Route()}, 1);
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
  auto first = HttpServer::Start("127.0.0.1:0", "metrics", {}, 1);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = HttpServer::Start((*first)->endpoint(), "metrics", {}, 1);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find((*first)->endpoint()), std::string::npos) << second.status().message();
}

}  // namespace
}  // namespace potluck
